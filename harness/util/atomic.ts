// Files are written whole or not at all: a temp file beside the target, then rename. A reader (or a crash,
// or a full disk) never sees half a report, and a failed write leaves the previous file, not a truncated one.
// A rename replaces whatever the name points at, so it is refused unless that is a regular file or nothing:
// renamed over /dev/null (root may) it would turn the host's device node into a file.
import { randomBytes } from 'node:crypto';
import { lstatSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { lstat, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

// A name of its own length, so a target whose name is near NAME_MAX still gets a temp file beside it.
const tempBeside = (file: string) => join(dirname(file), `.daxh-${randomBytes(6).toString('hex')}.tmp`);

/** What a name is, in words for a message, when it is neither absent nor a regular file. */
export function nonRegularKind(st: Stats): string | null {
  if (st.isFile()) return null;
  if (st.isSymbolicLink()) return 'a symlink';
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export class NotRegularFileError extends Error {
  readonly code = 'ENOTREG';
}

const refuse = (file: string, kind: string) => new NotRegularFileError(`${file} is ${kind}; only a regular file is ever replaced`);
const missing = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

async function checkReplaceable(file: string): Promise<void> {
  const st = await lstat(file).catch((err: unknown) => (missing(err) ? null : Promise.reject(err)));
  const kind = st && nonRegularKind(st);
  if (kind) throw refuse(file, kind);
}

function checkReplaceableSync(file: string): void {
  let st: Stats;
  try {
    st = lstatSync(file);
  } catch (err) {
    if (missing(err)) return;
    throw err;
  }
  const kind = nonRegularKind(st);
  if (kind) throw refuse(file, kind);
}

export async function atomicWriteFile(file: string, data: string | Buffer): Promise<void> {
  await checkReplaceable(file);
  const tmp = tempBeside(file);
  try {
    await writeFile(tmp, data, { flag: 'wx' });
    await checkReplaceable(file);
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw err;
  }
}

export function atomicWriteFileSync(file: string, data: string | Buffer): void {
  checkReplaceableSync(file);
  const tmp = tempBeside(file);
  try {
    writeFileSync(tmp, data, { flag: 'wx' });
    checkReplaceableSync(file);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}
