// The one place that parses sysfs and procfs text. Every parser accepts exactly what the kernel prints
// (dax-bus-abi.md §2: one trailing "\n", `%#llx` with `0x0` for zero, decimal without padding) and throws
// SysfsFormatError naming the file otherwise: a format change is a finding, not something to coerce.
import { KMEM_STATES, type AttrFormat, type KmemState } from '../abi/attributes.ts';
import type { MemblockState, OnlinePolicy, Zone } from '../model/observation.ts';

export class SysfsFormatError extends Error {
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly text: string,
  ) {
    super(`${file}: expected ${expected}, read ${JSON.stringify(text)}`);
    this.name = 'SysfsFormatError';
  }
}

const U64_MAX = (1n << 64n) - 1n;
const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;

import { DEVICE_NAME } from '../abi/device-name.ts';

/** The regex's first group, or a SysfsFormatError naming the file. */
function capture(text: string, file: string, re: RegExp, expected: string): string {
  const group = re.exec(text)?.[1];
  if (group === undefined) throw new SysfsFormatError(file, expected, text);
  return group;
}

function u64(value: bigint, text: string, file: string, expected: string): bigint {
  if (value > U64_MAX) throw new SysfsFormatError(file, expected, text);
  return value;
}

/** `%llu\n` / `%u\n`: sizes, aligns, available_size. */
export function parseDecimal(text: string, file: string): bigint {
  const expected = 'an unsigned decimal and "\\n"';
  return u64(BigInt(capture(text, file, /^(0|[1-9]\d*)\n$/, expected)), text, file, expected);
}

/** `%d\n`: ids and NUMA nodes (numa_node may be -1). */
export function parseInt32(text: string, file: string): number {
  const expected = 'a decimal int and "\\n"';
  const v = Number(capture(text, file, /^(0|-?[1-9]\d*)\n$/, expected));
  if (v < INT_MIN || v > INT_MAX) throw new SysfsFormatError(file, expected, text);
  return v;
}

/** `%#llx\n`: resource and mapping start/end/page_offset. The kernel prints zero as `0x0`, not `0`. */
export function parseHex(text: string, file: string): bigint {
  const expected = '"0x" + lower-case hex without leading zeros and "\\n"';
  return u64(BigInt(`0x${capture(text, file, /^0x(0|[1-9a-f][0-9a-f]*)\n$/, expected)}`), text, file, expected);
}

/** `%lx\n` without the `0x`: /sys/devices/system/memory/block_size_bytes (e.g. `8000000`). */
export function parseBlockSizeBytes(text: string, file: string): bigint {
  const expected = 'lower-case hex without "0x" and "\\n", not zero';
  return u64(BigInt(`0x${capture(text, file, /^([1-9a-f][0-9a-f]*)\n$/, expected)}`), text, file, expected);
}

/** One line of free text (modalias). */
export function parseLine(text: string, file: string): string {
  return capture(text, file, /^([^\n]*)\n$/, 'one line ending in "\\n"');
}

/** dax_region/seed and dax_region/create: a device name, or an empty line for none. */
export function parseDeviceName(text: string, file: string): string | null {
  const line = parseLine(text, file);
  if (line === '') return null;
  if (!DEVICE_NAME.test(line)) throw new SysfsFormatError(file, 'a daxR.N name or an empty line', text);
  return line;
}

function oneOf<T extends string>(choices: readonly T[], text: string, file: string): T {
  const expected = `one of ${choices.join(', ')} and "\\n"`;
  const line = capture(text, file, /^([^\n]*)\n$/, expected);
  const found = choices.find((c) => c === line);
  if (found === undefined) throw new SysfsFormatError(file, expected, text);
  return found;
}

/** memmap_on_memory: `%d\n` of a bool. */
export function parseBool01(text: string, file: string): boolean {
  return oneOf(['0', '1'], text, file) === '1';
}

/** kmem's state file (7.3+): one of its five values. */
export function parseKmemState(text: string, file: string): KmemState {
  return oneOf(KMEM_STATES, text, file);
}

/** An observed attribute's text by its format in the attribute table (harness/abi/attributes.ts). */
export function parseFormat(format: AttrFormat, text: string, file: string): bigint | number | boolean | string | null {
  switch (format) {
    case 'decimal':
      return parseDecimal(text, file);
    case 'int':
      return parseInt32(text, file);
    case 'hex':
      return parseHex(text, file);
    case 'bool01':
      return parseBool01(text, file);
    case 'devname':
      return parseDeviceName(text, file);
    case 'line':
      return parseLine(text, file);
    case 'kmem-state':
      return parseKmemState(text, file);
  }
}

export function parseMemblockState(text: string, file: string): MemblockState {
  return oneOf(['online', 'offline', 'going-offline'] as const, text, file);
}

export function parseOnlinePolicy(text: string, file: string): OnlinePolicy {
  return oneOf(['offline', 'online', 'online_kernel', 'online_movable'] as const, text, file);
}

const ZONES = ['DMA', 'DMA32', 'Normal', 'Movable'] as const;

/**
 * valid_zones: an online block prints its one zone, or `none` when it spans several; an offline block prints
 * the default zone followed by the other zones it could be onlined to.
 */
export function parseValidZones(text: string, file: string): Zone[] {
  if (text === 'none\n') return ['none'];
  const zone = `(?:${ZONES.join('|')})`;
  const list = capture(text, file, new RegExp(`^(${zone}(?: ${zone})*)\n$`), `"none" or space-separated zones of ${ZONES.join(', ')}`);
  return list.split(' ') as Zone[];
}

/** The MemTotal line of /proc/meminfo, as the helper passes it on: `MemTotal:  <kB right-aligned> kB\n`. */
export function parseMemTotalKiB(line: string, file = '/proc/meminfo'): bigint {
  const expected = '"MemTotal:", spaces, a decimal and " kB\\n"';
  return u64(BigInt(capture(line, file, /^MemTotal: +(0|[1-9]\d*) kB\n$/, expected)), line, file, expected);
}

/** One /proc/iomem resource. `ancestors` are the enclosing resources' names, outermost first. */
export interface IomemResource {
  start: bigint;
  end: bigint; // inclusive
  name: string;
  ancestors: readonly string[];
}

/**
 * /proc/iomem: `%*s%08llx-%08llx : %s\n`, two spaces of indentation per nesting level. Non-root readers see
 * every address as zero, which would silently make every range equal, so that is rejected too.
 */
export function parseIomem(text: string, file = '/proc/iomem'): IomemResource[] {
  const expected = 'lines "<2n spaces><hex>-<hex> : <name>" nested at most one level deeper than the line above';
  if (text !== '' && !text.endsWith('\n')) throw new SysfsFormatError(file, expected, text);
  const stack: string[] = [];
  const out: IomemResource[] = [];
  for (const line of text.split('\n').slice(0, -1)) {
    const m = /^((?: {2})*)([0-9a-f]{8,})-([0-9a-f]{8,}) : (.*)$/.exec(line);
    const depth = (m?.[1] ?? '').length / 2;
    if (!m || depth > stack.length) throw new SysfsFormatError(file, expected, line);
    const start = BigInt(`0x${m[2]}`);
    const end = BigInt(`0x${m[3]}`);
    if (end < start) throw new SysfsFormatError(file, 'start <= end', line);
    const name = m[4] ?? '';
    stack.length = depth;
    out.push({ start, end, name, ancestors: [...stack] });
    stack.push(name);
  }
  if (out.length > 1 && out.every((r) => r.start === 0n && r.end === 0n)) {
    throw new SysfsFormatError(file, 'real addresses (all zero: read without CAP_SYS_ADMIN?)', text.slice(0, 200));
  }
  return out;
}

/** A zone's span from /proc/zoneinfo: `Node N, zone NAME` … `spanned P` … `start_pfn: F`. Empty zones are left out. */
export interface ZoneinfoSpan {
  node: number;
  zone: string;
  start: bigint;
  end: bigint; // inclusive
}

export function parseZoneinfo(text: string, file = '/proc/zoneinfo'): ZoneinfoSpan[] {
  const spans: ZoneinfoSpan[] = [];
  const sections = text.split(/^(?=Node \d+, zone)/m).filter((s) => s.startsWith('Node '));
  for (const sec of sections) {
    const head = sec.match(/^Node (\d+), zone +(\S+)/);
    const spanned = sec.match(/^\s+spanned\s+(\d+)$/m);
    if (!head || !spanned) throw new SysfsFormatError(file, '"Node N, zone Z" sections with a "spanned" line', sec.slice(0, 200));
    const pages = BigInt(spanned[1]!);
    const present = sec.match(/^\s+present\s+(\d+)$/m)?.[1];
    // Zones without present pages (empty ones, ZONE_DEVICE) print no start_pfn and hold no RAM to join.
    if (pages === 0n || present === '0') continue;
    const startPfn = sec.match(/^\s+start_pfn:\s+(\d+)$/m);
    if (!startPfn) throw new SysfsFormatError(file, 'a "start_pfn:" line in every zone with present pages', sec.slice(0, 200));
    const start = BigInt(startPfn[1]!) * 4096n;
    spans.push({ node: Number(head[1]), zone: head[2]!, start, end: start + pages * 4096n - 1n });
  }
  return spans;
}

/** /proc/modules lists the most recently loaded module first; this returns load order (oldest first). */
export function parseProcModules(text: string): string[] {
  return text.split('\n').filter(Boolean).map((l) => l.split(' ')[0]!).reverse();
}
