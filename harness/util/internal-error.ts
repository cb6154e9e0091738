// Where a harness bug's stack goes: a file in a directory made for it (0700, a random name, the file created
// exclusively), so nothing planted at a guessable path in a shared temp dir is written through.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Saves the stack; returns "stack in FILE" for the one line the user sees, or why it could not. */
export function saveInternalError(err: unknown): string {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  try {
    const file = join(mkdtempSync(join(tmpdir(), 'daxh-internal-error-')), 'stack.log');
    writeFileSync(file, `${text}\n`, { flag: 'wx', mode: 0o600 });
    return `stack in ${file}`;
  } catch (e) {
    return `stack not saved: ${(e as NodeJS.ErrnoException).code ?? String(e)}`;
  }
}
