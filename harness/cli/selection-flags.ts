// The flags that choose cases, shared by run and matrix (which passes them on to each kernel's run).
import { registeredSuites } from '../runner/catalog.ts';
import { UsageError } from './errors.ts';

export const SELECTION_OPTIONS = {
  suite: { type: 'string', multiple: true },
  topology: { type: 'string', multiple: true },
  match: { type: 'string' },
  jobs: { type: 'string' },
  seed: { type: 'string' },
} as const;

export function checkSuiteNames(names: readonly string[] = []): void {
  const known = new Set(registeredSuites().map((s) => s.name));
  for (const s of names) if (!known.has(s)) throw new UsageError(`--suite ${s}: no such suite; use one of ${[...known].join(', ')}`);
}
