// A minimal newc cpio writer for the per-guest overlay (SSH key) that goes in front of the cached image.
// The kernel unpacks concatenated archives in order, so the overlay needs no rebuild of the image.

export interface CpioEntry {
  name: string; // relative, no leading slash
  mode: number; // including the type bits
  data?: Buffer;
}

export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

function header(ino: number, entry: CpioEntry, size: number): Buffer {
  const nameSize = Buffer.byteLength(entry.name) + 1;
  const fields = [ino, entry.mode, 0, 0, entry.mode & S_IFDIR ? 2 : 1, 0, size, 0, 0, 0, 0, nameSize, 0];
  const head = '070701' + fields.map((f) => f.toString(16).padStart(8, '0')).join('');
  const name = Buffer.concat([Buffer.from(head), Buffer.from(entry.name), Buffer.alloc(1)]);
  return Buffer.concat([name, Buffer.alloc(pad4(name.length))]);
}

/** The archive, padded to 512 bytes so a following compressed archive starts where the kernel looks for it. */
export function newcArchive(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  entries.forEach((entry, i) => {
    const data = entry.data ?? Buffer.alloc(0);
    parts.push(header(i + 1, entry, data.length), data, Buffer.alloc(pad4(data.length)));
  });
  parts.push(header(0, { name: 'TRAILER!!!', mode: 0 }, 0));
  const body = Buffer.concat(parts);
  return Buffer.concat([body, Buffer.alloc((512 - (body.length % 512)) % 512)]);
}

/** Reads back names, modes and data; used by tests and to check an overlay before boot. */
export function readNewc(buf: Buffer): CpioEntry[] {
  const out: CpioEntry[] = [];
  let off = 0;
  for (;;) {
    const magic = buf.toString('latin1', off, off + 6);
    if (magic !== '070701') throw new Error(`cpio: bad magic at ${off}`);
    const field = (i: number) => parseInt(buf.toString('latin1', off + 6 + i * 8, off + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameStart = off + 110;
    const name = buf.toString('utf8', nameStart, nameStart + nameSize - 1);
    const dataStart = nameStart + nameSize + pad4(110 + nameSize);
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, data: buf.subarray(dataStart, dataStart + size) });
    off = dataStart + size + pad4(size);
  }
}
