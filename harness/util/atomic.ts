// Files are written whole or not at all: a temp file beside the target, then rename. A reader (or a crash,
// or a full disk) never sees half a report, and a failed write leaves the previous file, not a truncated one.
import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const tempBeside = (file: string) => join(dirname(file), `.${basename(file)}.${randomBytes(4).toString('hex')}.tmp`);

export async function atomicWriteFile(file: string, data: string | Buffer): Promise<void> {
  const tmp = tempBeside(file);
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

export function atomicWriteFileSync(file: string, data: string | Buffer): void {
  const tmp = tempBeside(file);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
