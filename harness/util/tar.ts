// A tar archive from the guest, read as data. The guest runs the kernel under test, so what it sends back is
// untrusted: `tar -x` as root would keep its owners, modes, setuid bits, links and device nodes. This reads
// the headers itself (POSIX ustar, GNU long names, pax `path`) and yields only regular files and
// directories, with their names made safe; everything else is listed as refused. Pure: no I/O.

export interface TarFile {
  /** A relative path of plain components: no `..`, no empty or `.` components, no leading `/`. */
  path: string;
  data: Buffer;
}

export interface TarContents {
  files: TarFile[];
  /** Entries left out, each with why: a link, a device, a FIFO, a path out of the tree, a duplicate. */
  refused: string[];
}

export interface TarLimits {
  maxEntries: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const GUEST_TAR_LIMITS: TarLimits = { maxEntries: 20_000, maxFileBytes: 16 * 2 ** 20, maxTotalBytes: 256 * 2 ** 20 };

export class TarError extends Error {}

const BLOCK = 512;

function field(h: Buffer, start: number, len: number): string {
  const raw = h.subarray(start, start + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
}

/** A numeric field: octal text, or GNU's base-256 (high bit of the first byte set) for large values. */
function number(h: Buffer, start: number, len: number, what: string): number {
  const raw = h.subarray(start, start + len);
  if (raw[0]! & 0x80) {
    let n = raw[0]! & 0x7f;
    for (const b of raw.subarray(1)) n = n * 256 + b;
    if (!Number.isSafeInteger(n)) throw new TarError(`tar header: ${what} too large`);
    return n;
  }
  const text = field(h, start, len).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`tar header: ${what} is not octal (${JSON.stringify(text.slice(0, 20))})`);
  return parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === number(h, 148, 8, 'checksum');
}

/** pax extended header records: "LEN key=value\n". */
function paxPath(data: Buffer): string | undefined {
  let path: string | undefined;
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.subarray(at, space).toString('latin1'));
    if (!Number.isSafeInteger(len) || len <= 0 || at + len > data.length) break;
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    at += len;
  }
  return path;
}

/** The archive's name as a relative path of plain components, or why it cannot be one. */
export function safeRelativePath(name: string): string | { refused: string } {
  if (name.includes('\0')) return { refused: 'a NUL in the name' };
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { refused: 'a .. component' };
  if (parts.length === 0) return { refused: 'an empty name' };
  return parts.join('/');
}

const TYPES: Record<string, string> = { '1': 'a hard link', '2': 'a symlink', '3': 'a character device', '4': 'a block device', '6': 'a FIFO' };

export function parseTar(buf: Buffer, limits: TarLimits = GUEST_TAR_LIMITS): TarContents {
  const files: TarFile[] = [];
  const refused: string[] = [];
  const seen = new Set<string>();
  let total = 0;
  let entries = 0;
  let longName: string | undefined;
  let at = 0;
  while (at + BLOCK <= buf.length) {
    const h = buf.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    if (!checksumOk(h)) throw new TarError(`tar header at byte ${at}: bad checksum`);
    if (++entries > limits.maxEntries) throw new TarError(`more than ${limits.maxEntries} entries`);
    const size = number(h, 124, 12, 'size');
    const type = String.fromCharCode(h[156]!);
    const dataStart = at + BLOCK;
    const dataEnd = dataStart + size;
    if (dataEnd > buf.length) throw new TarError(`tar entry at byte ${at}: ${size} bytes of data, past the end of the archive`);
    at = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    const data = buf.subarray(dataStart, dataEnd);
    if (type === 'L') {
      longName = field(data, 0, data.length);
      continue;
    }
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'g' || type === 'K') continue;
    const magic = h.subarray(257, 263).toString('latin1');
    // Only POSIX ustar has a prefix field; GNU's "ustar  " keeps times there.
    const prefix = magic === 'ustar\0' ? field(h, 345, 155) : '';
    const name = longName ?? (prefix ? `${prefix}/${field(h, 0, 100)}` : field(h, 0, 100));
    longName = undefined;
    const safe = safeRelativePath(name);
    if (typeof safe !== 'string') {
      refused.push(`${JSON.stringify(name.slice(0, 200))}: ${safe.refused}`);
      continue;
    }
    if (type === '5') continue; // directories are made for the files in them, with the extractor's mode
    if (type !== '0' && type !== '\0' && type !== '7') {
      refused.push(`${safe}: ${TYPES[type] ?? `entry type ${JSON.stringify(type)}`}`);
      continue;
    }
    if (size > limits.maxFileBytes) throw new TarError(`${safe}: ${size} bytes, over the ${limits.maxFileBytes}-byte limit for one file`);
    total += size;
    if (total > limits.maxTotalBytes) throw new TarError(`more than ${limits.maxTotalBytes} bytes of files`);
    if (seen.has(safe)) {
      refused.push(`${safe}: a second entry of the same name`);
      continue;
    }
    seen.add(safe);
    files.push({ path: safe, data });
  }
  return { files, refused };
}
