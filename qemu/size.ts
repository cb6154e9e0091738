// Byte sizes as topology files, QEMU and the kernel command line write them ("512M", "4G", "128K").
// Everything inside the harness is bigint bytes, so guest-physical arithmetic never loses precision.

export const KiB = 1024n;
export const MiB = 1024n * KiB;
export const GiB = 1024n * MiB;
export const TiB = 1024n * GiB;

const UNITS: Record<string, bigint> = { '': 1n, K: KiB, M: MiB, G: GiB, T: TiB };

export class SizeError extends Error {}

/**
 * Parses `4G`, `512M`, `128K`, `4096`, `0x100000000` (suffixes are binary, case-insensitive, an optional
 * trailing `B`/`iB` is allowed), or a non-negative integer number of bytes. Throws SizeError with a fix.
 */
export function parseSize(value: string | number | bigint): bigint {
  if (typeof value === 'bigint') {
    if (value < 0n) throw new SizeError(`${value} is negative; sizes are byte counts`);
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new SizeError(`${value} is not a whole number of bytes; write it as a string like "512M"`);
    return BigInt(value);
  }
  const text = value.trim();
  if (/^0x[0-9a-f]+$/i.test(text)) return BigInt(text);
  const m = /^(\d+)(?:([KMGT])(?:i?B)?|B)?$/i.exec(text);
  if (!m) {
    const frac = /^(\d+)\.(\d+)([KMGT])/i.exec(text);
    const hint = frac ? `; sizes are whole numbers, e.g. ${formatSize(fractionalBytes(frac[1]!, frac[2]!, frac[3]!))}` : '; write e.g. 512M, 4G, 128K or a byte count';
    throw new SizeError(`"${value}" is not a size${hint}`);
  }
  return BigInt(m[1]!) * UNITS[(m[2] ?? '').toUpperCase()]!;
}

function fractionalBytes(whole: string, frac: string, unit: string): bigint {
  const scale = 10n ** BigInt(frac.length);
  return (BigInt(whole + frac) * UNITS[unit.toUpperCase()]!) / scale;
}

/** The shortest exact spelling: 4G, 640M, 128K, or plain bytes. Accepted by QEMU, memparse() and parseSize. */
export function formatSize(bytes: bigint): string {
  for (const unit of ['T', 'G', 'M', 'K'] as const) {
    const n = UNITS[unit]!;
    if (bytes !== 0n && bytes % n === 0n) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}

export function isPowerOfTwo(n: bigint): boolean {
  return n > 0n && (n & (n - 1n)) === 0n;
}
