// Every file or directory a user names is opened here, and only as what the field needs: a regular file of
// a bounded size, or a directory. A FIFO would block for ever, a device (/dev/zero) or a /proc file would
// grow without end; they are refused by class before anything reads them, in one line naming the field.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from 'node:fs';
import { InputError } from './input-error.ts';
import { nonRegularKind } from './atomic.ts';

export class UserFileError extends InputError {}

/** Pseudo filesystems whose files are not data a user hands in. */
const PSEUDO = ['/proc', '/sys', '/dev'];
const under = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

/** What a name that is not a regular file is, in words (stat follows links, so never a symlink). */
const kindOf = (st: Stats): string => nonRegularKind(st) ?? 'a regular file';

const READ_ERRORS: Record<string, string> = { ENOENT: 'no such file', EACCES: 'not readable', ELOOP: 'a symlink loop', ENOTDIR: 'a path through a file' };

const errText = (err: unknown, verb: string) => {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return READ_ERRORS[code] ?? `cannot ${verb} it (${code || String(err)})`;
};

function located(field: string, path: string): { real: string; st: Stats } {
  if (path === '' || path.includes('\0')) throw new UserFileError(`${field}: give a path`);
  let st: Stats;
  try {
    st = statSync(path);
  } catch (err) {
    throw new UserFileError(`${field} ${path}: ${errText(err, 'read')}`);
  }
  let real = path;
  try {
    real = realpathSync(path);
  } catch {
    // stat saw it: keep the name given
  }
  const pseudo = PSEUDO.find((r) => under(real, r));
  if (pseudo) throw new UserFileError(`${field} ${path}: ${real} is under ${pseudo}, a pseudo filesystem; give a file of your own`);
  return { real, st };
}

/**
 * The text of a regular file the user named, at most `maxBytes` long. Opened non-blocking and checked again
 * on the descriptor, so a FIFO swapped in after the first look cannot block the read either.
 * `what` says what it should be ("a topology .yaml or .json file").
 */
export function readUserFile(field: string, path: string, what: string, maxBytes: number): string {
  return readUserBytes(field, path, what, maxBytes).toString('utf8');
}

/** Checks that `path` is a regular file of at most `maxBytes` the user may hand in; its real path. */
export function userFile(field: string, path: string, what: string, maxBytes: number): string {
  const { real, st } = located(field, path);
  if (!st.isFile()) throw new UserFileError(`${field} ${path}: is ${kindOf(st)}; give ${what}`);
  if (st.size > maxBytes) throw new UserFileError(`${field} ${path}: ${st.size} bytes, more than ${what} can be (${maxBytes} at most)`);
  return real;
}

export function readUserBytes(field: string, path: string, what: string, maxBytes: number, length = maxBytes): Buffer {
  userFile(field, path, what, maxBytes);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (err) {
    throw new UserFileError(`${field} ${path}: ${errText(err, 'open')}`);
  }
  try {
    const again = fstatSync(fd);
    if (!again.isFile()) throw new UserFileError(`${field} ${path}: is ${kindOf(again)}; give ${what}`);
    // Up to `length` bytes (a header), or the whole file with one byte more to see it did not grow past the limit.
    const buf = Buffer.alloc(Math.min(length, maxBytes, again.size) + (length < maxBytes ? 0 : 1));
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, got);
    if (length >= maxBytes && got > maxBytes) throw new UserFileError(`${field} ${path}: more than ${maxBytes} bytes; give ${what}`);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A directory the user named (a module tree, a kernel tree), never under /proc, /sys or /dev. */
export function userDir(field: string, path: string, what: string): string {
  let found: { real: string; st: Stats };
  try {
    found = located(field, path);
  } catch (err) {
    if (err instanceof UserFileError && err.message.endsWith('no such file')) throw new UserFileError(`${field} ${path}: no such directory`);
    throw err;
  }
  const { real, st } = found;
  if (!st.isDirectory()) throw new UserFileError(`${field} ${path}: is ${st.isFile() ? 'a file' : kindOf(st)}; give ${what}`);
  return real;
}

/** Limits by kind of input: far above any honest file, far below what hurts. */
export const MAX_BYTES = {
  topology: 1 << 20,
  recipe: 16 << 20,
  results: 256 << 20,
  bzImage: 256 << 20,
} as const;
