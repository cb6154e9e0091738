// The suites a run chooses from. suites/index.ts registers them and the entry point (bin/daxh.js) loads
// it first, so no stage under harness/ depends on the cases it runs.
import type { Suite } from './suite.ts';

let catalog: readonly Suite[] = [];

export function registerSuites(suites: readonly Suite[]): void {
  catalog = suites;
}

export function registeredSuites(): readonly Suite[] {
  if (catalog.length === 0) throw new Error('no suites registered: load suites/index.ts before the CLI');
  return catalog;
}
