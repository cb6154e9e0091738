// Ports of the kernel's string parsers that sysfs store handlers use (lib/kstrtox.c, lib/string_helpers.c,
// lib/vsprintf.c vsscanf, kernfs buffering). Each port keeps the kernel's quirks, because the errno a malformed
// write gets is part of the ABI the harness checks: ERANGE beats trailing junk, "0x" without a hex digit is
// octal 0 followed by junk, `+` is accepted but `-` only where the kernel allows it.

/** A parse result; the failure side carries the errno the handler returns. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; errno: 'EINVAL' | 'ERANGE' };

const PAGE_SIZE = 4096;
const U64_MAX = (1n << 64n) - 1n;
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;

const EINVAL = { ok: false, errno: 'EINVAL' } as const;
const ERANGE = { ok: false, errno: 'ERANGE' } as const;

/**
 * The string a store handler sees for `value`: kernfs_fop_write_iter copies at most PAGE_SIZE bytes and
 * NUL-terminates them, and every handler treats the buffer as a C string.
 */
export function handlerInput(value: string): string {
  let s = value;
  // Up to 3 UTF-8 bytes per UTF-16 unit: only long values can exceed a page.
  if (s.length * 3 > PAGE_SIZE) {
    const bytes = new TextEncoder().encode(s);
    if (bytes.length > PAGE_SIZE) s = new TextDecoder().decode(bytes.subarray(0, PAGE_SIZE));
  }
  const nul = s.indexOf('\0');
  return nul < 0 ? s : s.slice(0, nul);
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isXDigit = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
/** The kernel's _tolower is `c | 0x20`; only 'X' and 'x' map to 'x'. */
const isX = (c: string | undefined): boolean => c === 'x' || c === 'X';

function digitValue(c: string): number {
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  const lc = code | 0x20;
  if (lc >= 97 && lc <= 102) return lc - 87;
  return 99;
}

/** _kstrtoull: radix fix-up, digits, one optional "\n", nothing else. No sign handling. */
function kstrtoullUnsigned(s: string, base: 0 | 8 | 10 | 16): Parsed<bigint> {
  let radix: number = base;
  if (radix === 0) radix = s[0] === '0' ? (isX(s[1]) && isXDigit(s[2]) ? 16 : 8) : 10;
  let i = radix === 16 && s[0] === '0' && isX(s[1]) ? 2 : 0;
  const big = BigInt(radix);
  let res = 0n;
  let digits = 0;
  let overflow = false;
  for (; i < s.length; i++) {
    const v = digitValue(s[i]!);
    if (v >= radix) break;
    res = res * big + BigInt(v);
    // _parse_integer_limit flags the overflow but keeps consuming digits, so ERANGE wins over junk after them.
    if (res > U64_MAX) {
      overflow = true;
      res &= U64_MAX;
    }
    digits++;
  }
  if (overflow) return ERANGE;
  if (digits === 0) return EINVAL;
  if (s[i] === '\n') i++;
  if (i < s.length) return EINVAL;
  return { ok: true, value: res };
}

/** kstrtoull; also kstrtoul, which is the same function on a 64-bit kernel. */
export function kstrtoull(s: string, base: 0 | 8 | 10 | 16): Parsed<bigint> {
  return kstrtoullUnsigned(s[0] === '+' ? s.slice(1) : s, base);
}

/** kstrtoint = kstrtoll (sign handling in 64 bits) narrowed to int. */
export function kstrtoint(s: string, base: 0 | 8 | 10 | 16): Parsed<number> {
  let value: bigint;
  if (s[0] === '-') {
    // kstrtoll passes the rest to _kstrtoull, so "-+1" is junk.
    const r = kstrtoullUnsigned(s.slice(1), base);
    if (!r.ok) return r;
    const neg = BigInt.asIntN(64, -r.value);
    if (neg > 0n) return ERANGE;
    value = neg;
  } else {
    const r = kstrtoull(s, base);
    if (!r.ok) return r;
    if (BigInt.asIntN(64, r.value) < 0n) return ERANGE;
    value = r.value;
  }
  if (value < INT_MIN || value > INT_MAX) return ERANGE;
  return { ok: true, value: Number(value) };
}

/**
 * kstrtobool: decided by the first one or two characters, the rest is ignored. Kernels with
 * ae5b3500856f ("kstrtox: add support for enabled and disabled") also take e/E and d/D.
 */
export function kstrtobool(s: string, abi: { kstrtoboolEnableDisable: boolean }): Parsed<boolean> {
  if (abi.kstrtoboolEnableDisable && (s[0] === 'e' || s[0] === 'E')) return { ok: true, value: true };
  if (abi.kstrtoboolEnableDisable && (s[0] === 'd' || s[0] === 'D')) return { ok: true, value: false };
  switch (s[0]) {
    case 'y':
    case 'Y':
    case 't':
    case 'T':
    case '1':
      return { ok: true, value: true };
    case 'n':
    case 'N':
    case 'f':
    case 'F':
    case '0':
      return { ok: true, value: false };
    case 'o':
    case 'O':
      if (s[1] === 'n' || s[1] === 'N') return { ok: true, value: true };
      if (s[1] === 'f' || s[1] === 'F') return { ok: true, value: false };
      return EINVAL;
    default:
      return EINVAL;
  }
}

/** sysfs_streq: equal, except that either side may carry one trailing "\n" the other lacks. */
export function sysfsStreq(s1: string, s2: string): boolean {
  if (s1 === s2) return true;
  return s2 === `${s1}\n` || s1 === `${s2}\n`;
}

const isSpace = (c: string | undefined): boolean => c === ' ' || (c !== undefined && c >= '\t' && c <= '\r');

/** vsscanf's `%d`: skip white space, optional '-', decimal digits; the value wraps to a C int. */
function scanInt(s: string, from: number): { value: number; next: number } | null {
  let p = from;
  while (isSpace(s[p])) p++;
  const negative = s[p] === '-';
  if (!isDigit(negative ? s[p + 1] : s[p])) return null;
  if (negative) p++;
  let v = 0n;
  for (; isDigit(s[p]); p++) v = BigInt.asUintN(64, v * 10n + BigInt(s.charCodeAt(p) - 48));
  return { value: Number(BigInt.asIntN(32, negative ? -v : v)), next: p };
}

/**
 * do_id_store (new_id/remove_id): `sscanf(buf, "dax%d.%d")`, re-printed with `dax%d.%d`, and the input must
 * equal the re-print under sysfs_streq. Returns the canonical name, or null for EINVAL.
 */
export function parseDaxIdName(buf: string): string | null {
  if (!buf.startsWith('dax')) return null;
  const region = scanInt(buf, 3);
  if (!region || buf[region.next] !== '.') return null;
  const id = scanInt(buf, region.next + 1);
  if (!id) return null;
  const name = `dax${region.value}.${id.value}`;
  return sysfsStreq(buf, name) ? name : null;
}

/**
 * range_parse (mapping): split at the first '-', both halves kstrtoull base 16. The halves' own errors pass
 * through, so an overflowing half is ERANGE (the spec's table says EINVAL for every parse failure; the code
 * returns kstrtoull's rc).
 */
export function parseMappingRange(buf: string): Parsed<{ start: bigint; end: bigint }> {
  const dash = buf.indexOf('-');
  if (dash < 0) return EINVAL;
  const start = kstrtoull(buf.slice(0, dash), 16);
  if (!start.ok) return start;
  const end = kstrtoull(buf.slice(dash + 1), 16);
  if (!end.ok) return end;
  return { ok: true, value: { start: start.value, end: end.value } };
}
