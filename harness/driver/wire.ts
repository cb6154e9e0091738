// Host side of the guest helper's protocol (images/guest-helper/daxh-helper.c): a batch of requests goes in
// as tab-separated lines, one JSON document comes back. The helper only reads and writes bytes; every
// interpretation of what it saw happens here, through parse-sysfs.ts.
import { DEVICE_NAME, compareDeviceNames } from '../abi/device-name.ts';
import { z } from 'zod';
import { errnoName, type Errno } from '../model/errno.ts';
import type { IomemEntry, ObservedBlock, ObservedDevice, ObservedRegion, Observation, OnlinePolicy } from '../model/observation.ts';
import { DAX_DRIVER_NAMES, DEVICE_ATTRS, MAPPING_ATTRS, MEMORY_BLOCK_ATTRS, REGION_ATTRS, observedNames, type AttrDef, type DaxDriver, type MappingAttr, type RegionAttr } from '../abi/attributes.ts';
import { type Op, type OpResult, fail, ok } from '../model/ops.ts';
import { sysfsStreq } from '../model/parse.ts';
import {
  type IomemResource,
  SysfsFormatError,
  parseBlockSizeBytes,
  parseDecimal,
  parseDeviceName,
  parseFormat,
  parseHex,
  parseInt32,
  parseIomem,
  parseMemTotalKiB,
  parseMemblockState,
  parseOnlinePolicy,
  parseValidZones,
} from './parse-sysfs.ts';
import type { KernelLogLine } from './step-driver.ts';
import { DAX_DEVICES, MEMORY_ROOT, sysfsPath } from './sysfs-path.ts';

export type WireRequest =
  /**
   * `failNth`: the write's Nth slab allocation fails (the helper's F request; see Op). `patienceMs`: a write
   * still running after that long is signalled (the helper's T request; AttrDef.offlinesOn says which).
   */
  | { kind: 'write'; path: string; value: string; failNth?: number; patienceMs?: number }
  | { kind: 'read'; path: string }
  /** Maps a device node shared, read/write, touches its first and last byte (faults), unmaps. */
  | { kind: 'mmap'; path: string; length: bigint }
  | { kind: 'link'; path: string }
  | { kind: 'observe' }
  | { kind: 'kmsg'; after: number }
  /** The next `count` requests (writes and reads) run at once, released from one barrier. */
  | { kind: 'together'; count: number };

/** The helper's limit on requests run at once (TOGETHER_MAX). */
export const TOGETHER_MAX = 16;

type Failed = { ok: false; errno: Errno };

export type WireResult =
  /**
   * `written` is set only when write(2) returned fewer bytes than the value had; `injected`, for a write with
   * failNth, whether the Nth allocation came (false: the write made fewer than N allocations).
   */
  | ({ kind: 'write'; injected?: boolean } & ({ ok: true; written?: number } | Failed))
  | ({ kind: 'read' | 'link' } & ({ ok: true; value: string } | Failed))
  | ({ kind: 'mmap' } & ({ ok: true } | Failed))
  | { kind: 'observe'; raw: RawObservation }
  | { kind: 'kmsg'; records: KernelLogLine[]; last: number }
  | { kind: 'together'; count: number };

// ---- encoding -------------------------------------------------------------------------------------------

function checkedPath(path: string): string {
  if (path === '' || /[\t\n\0]/.test(path)) throw new Error(`guest helper: path ${JSON.stringify(path)} cannot be sent (empty, or tab/newline/NUL)`);
  return path;
}

/**
 * Values travel as hex of their UTF-8 bytes (what `echo -n` in a UTF-8 shell writes), so any byte — newline,
 * NUL, tab — reaches write(2) unchanged. Paths travel as-is.
 */
export function encodeBatch(requests: readonly WireRequest[]): string {
  return requests
    .map((r) => {
      switch (r.kind) {
        case 'write': {
          const line = `${checkedPath(r.path)}\t${Buffer.from(r.value, 'utf8').toString('hex')}`;
          if (r.failNth !== undefined && r.patienceMs !== undefined) throw new Error('guest helper: a write cannot have both an allocation failed and a patience');
          if (r.patienceMs !== undefined) {
            if (!Number.isSafeInteger(r.patienceMs) || r.patienceMs < 1 || r.patienceMs > 3_600_000) throw new Error(`guest helper: bad patience ${r.patienceMs} ms`);
            return `T\t${line}\t${r.patienceMs}\n`;
          }
          if (r.failNth === undefined) return `W\t${line}\n`;
          if (!Number.isSafeInteger(r.failNth) || r.failNth < 1) throw new Error(`guest helper: bad fail-nth ${r.failNth}`);
          return `F\t${line}\t${r.failNth}\n`;
        }
        case 'read':
          return `R\t${checkedPath(r.path)}\n`;
        case 'mmap':
          if (r.length < 1n) throw new Error(`guest helper: bad mmap length ${r.length}`);
          return `M\t${checkedPath(r.path)}\t${r.length}\n`;
        case 'link':
          return `L\t${checkedPath(r.path)}\n`;
        case 'observe':
          return `O\t${DEVICE_OBSERVED.join(',')}\t${MAPPING_OBSERVED.join(',')}\t${REGION_OBSERVED.join(',')}\n`;
        case 'kmsg':
          if (!Number.isSafeInteger(r.after) || r.after < -1) throw new Error(`guest helper: bad kmsg sequence ${r.after}`);
          return `K\t${r.after}\n`;
        case 'together':
          if (!Number.isInteger(r.count) || r.count < 2 || r.count > TOGETHER_MAX) throw new Error(`guest helper: cannot run ${r.count} requests together (2 to ${TOGETHER_MAX})`);
          return `P\t${r.count}\n`;
      }
    })
    .join('');
}

/** The attribute table's entry for a written file, where it has one. */
function writtenDef(ref: Op['ref']): AttrDef | undefined {
  if (ref.kind === 'device') return DEVICE_ATTRS[ref.attr];
  if (ref.kind === 'memblock') return MEMORY_BLOCK_ATTRS[ref.attr];
  return undefined;
}

/**
 * `patienceMs`: how long a write that offlines memory may retry before the helper signals it. An injected
 * allocation failure takes precedence: the helper arms one or the other.
 */
export function opToRequest(op: Op, patienceMs: number): WireRequest {
  const path = sysfsPath(op.ref);
  if (op.op === 'read') return { kind: 'read', path };
  if (op.failNth !== undefined) return { kind: 'write', path, value: op.value, failNth: op.failNth };
  const offlines = writtenDef(op.ref)?.offlinesOn;
  return offlines !== undefined && sysfsStreq(op.value, offlines) ? { kind: 'write', path, value: op.value, patienceMs } : { kind: 'write', path, value: op.value };
}

export function resultToOpResult(r: WireResult): OpResult {
  if (r.kind === 'observe' || r.kind === 'kmsg' || r.kind === 'together') throw new Error(`guest helper: a ${r.kind} result is not an operation's result`);
  if (!r.ok) return fail(r.errno);
  if (r.kind === 'mmap') return ok();
  return r.kind === 'write' ? ok() : ok(r.value);
}

// ---- decoding -------------------------------------------------------------------------------------------

const errnoNumber = z.number().int().positive();
const ErrnoOut = z.strictObject({ errno: errnoNumber });
/** An observed file: its bytes (JSON \u00XX escapes are latin1 bytes), null when absent, errno when unreadable. */
const FileText = z.union([z.string(), z.null(), ErrnoOut]);
type FileText = z.infer<typeof FileText>;

const fileTexts = <K extends string>(names: readonly K[]) => Object.fromEntries(names.map((n) => [n, FileText])) as Record<K, typeof FileText>;
// What the helper is asked to read, from the attribute table: it knows no file names of its own.
const DEVICE_OBSERVED = observedNames(DEVICE_ATTRS);
const MAPPING_OBSERVED = observedNames(MAPPING_ATTRS);
const REGION_OBSERVED = observedNames(REGION_ATTRS);
const RawMapping = z.strictObject({ index: z.number().int().nonnegative(), ...fileTexts(MAPPING_OBSERVED) });
const RawDevice = z.strictObject({
  name: z.string(),
  host: z.union([z.string(), ErrnoOut]),
  ...fileTexts(DEVICE_OBSERVED),
  driver: FileText,
  mappings: z.union([z.array(RawMapping), ErrnoOut]),
});
const RawRegion = z.strictObject({ host: z.string(), ...fileTexts(REGION_OBSERVED) });
const RawBlock = z.strictObject({
  index: z.number().int().nonnegative(),
  state: FileText,
  valid_zones: FileText,
  nodes: z.union([z.array(z.number().int().nonnegative()), ErrnoOut]),
});
const RawObservationSchema = z.strictObject({
  devices: z.union([z.array(RawDevice), ErrnoOut]),
  regions: z.array(RawRegion),
  iomem: FileText,
  blocks: z.union([z.array(RawBlock), ErrnoOut]),
  block_size_bytes: FileText,
  auto_online_blocks: FileText,
  memtotal: FileText,
});
/** The helper's observation as sent: raw file contents, interpreted only by toObservation/toRawInventoryFacts. */
export type RawObservation = z.infer<typeof RawObservationSchema>;

const FileResultSchema = z.union([z.strictObject({ ok: z.literal(true), value: z.string() }), ErrnoOut]);
const injected = { injected: z.boolean().optional() };
const WriteResultSchema = z.union([z.strictObject({ ok: z.literal(true), written: z.number().int().nonnegative().optional(), ...injected }), z.strictObject({ ...ErrnoOut.shape, ...injected })]);
const KmsgResultSchema = z.strictObject({
  records: z.array(z.strictObject({ seq: z.number().int().nonnegative(), level: z.number().int().min(0).max(7), msg: z.string() })),
  last: z.number().int().min(-1),
  /** Opening or reading /dev/kmsg failed; `records` holds what was read before. */
  errno: errnoNumber.optional(),
});
const ObserveResultSchema = z.strictObject({ observe: RawObservationSchema });
const TogetherResultSchema = z.strictObject({ together: z.number().int() });
const BatchSchema = z.strictObject({ results: z.array(z.unknown()) });

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new Error(`guest helper: malformed ${what}: ${z.prettifyError(r.error)}`);
  return r.data;
}

function describeRequest(r: WireRequest): string {
  return r.kind === 'observe' ? 'observe' : r.kind === 'kmsg' ? `kmsg after ${r.after}` : r.kind === 'together' ? `together ${r.count}` : `${r.kind} ${r.path}`;
}

function decodeOne(req: WireRequest, value: unknown): WireResult {
  const what = `answer to ${describeRequest(req)}`;
  switch (req.kind) {
    case 'write': {
      const r = parseWith(WriteResultSchema, value, what);
      if ((r.injected !== undefined) !== (req.failNth !== undefined)) throw new Error(`guest helper: ${what} ${req.failNth === undefined ? 'says' : 'does not say'} whether an allocation failed`);
      const fault = r.injected === undefined ? {} : { injected: r.injected };
      if ('errno' in r) return { kind: 'write', ok: false, errno: errnoName(r.errno), ...fault };
      return { kind: 'write', ok: true, ...(r.written === undefined ? {} : { written: r.written }), ...fault };
    }
    case 'mmap': {
      const r = parseWith(z.union([z.strictObject({ ok: z.literal(true) }), ErrnoOut]), value, what);
      return 'errno' in r ? { kind: 'mmap', ok: false, errno: errnoName(r.errno) } : { kind: 'mmap', ok: true };
    }
    case 'read':
    case 'link': {
      const r = parseWith(FileResultSchema, value, what);
      return 'errno' in r ? { kind: req.kind, ok: false, errno: errnoName(r.errno) } : { kind: req.kind, ok: true, value: r.value };
    }
    case 'observe':
      return { kind: 'observe', raw: parseWith(ObserveResultSchema, value, what).observe };
    case 'kmsg': {
      const r = parseWith(KmsgResultSchema, value, what);
      // Losing the kernel log would hide WARNINGs from the comparison, so it is an error, not an empty log.
      if (r.errno !== undefined) throw new Error(`guest helper: reading /dev/kmsg failed with ${errnoName(r.errno)}`);
      return { kind: 'kmsg', records: r.records, last: r.last };
    }
    case 'together': {
      const r = parseWith(TogetherResultSchema, value, what);
      if (r.together !== req.count) throw new Error(`guest helper: ran ${r.together} requests together, asked for ${req.count}`);
      return { kind: 'together', count: r.together };
    }
  }
}

export function decodeBatch(stdout: string, requests: readonly WireRequest[]): WireResult[] {
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch (err) {
    throw new Error(`guest helper: output is not JSON (${(err as Error).message}): ${stdout.slice(0, 200)}`);
  }
  const { results } = parseWith(BatchSchema, json, 'batch');
  if (results.length !== requests.length) throw new Error(`guest helper: ${results.length} results for ${requests.length} requests`);
  return requests.map((req, i) => decodeOne(req, results[i]));
}

// ---- interpretation -------------------------------------------------------------------------------------

/** The text of an observed file that must exist and be readable. */
function text(v: FileText, file: string): string {
  const t = optionalText(v, file);
  if (t === null) throw new SysfsFormatError(file, 'the file to exist', '');
  return t;
}

/** Like text(), but absence is an observation (hidden attributes); only unreadable files are errors. */
function optionalText(v: FileText, file: string): string | null {
  if (v !== null && typeof v !== 'string') throw new Error(`${file}: reading failed with ${errnoName(v.errno)}`);
  return v;
}

function listed<T>(v: T[] | { errno: number }, dir: string): T[] {
  if (!Array.isArray(v)) throw new Error(`${dir}: listing failed with ${errnoName(v.errno)}`);
  return v;
}

/** A /sys/bus/dax/devices entry the kernel did not name daxR.N is a format change, not a device. */
function checkDeviceName<T extends { name: string }>(d: T): T {
  if (!DEVICE_NAME.test(d.name)) throw new SysfsFormatError(DAX_DEVICES, 'entries named daxR.N', d.name);
  return d;
}

const byString = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function toDriver(v: FileText, file: string): DaxDriver | null {
  const name = optionalText(v, file);
  if (name === null || (DAX_DRIVER_NAMES as readonly string[]).includes(name)) return name as DaxDriver | null;
  throw new SysfsFormatError(file, `a link to one of ${DAX_DRIVER_NAMES.join(', ')}`, name);
}

/** Where each observed device file lands in the observation. */
const DEVICE_FIELDS = {
  size: 'size',
  align: 'align',
  target_node: 'targetNode',
  numa_node: 'numaNode',
  resource: 'resource',
  modalias: 'modalias',
  memmap_on_memory: 'memmapOnMemory',
  state: 'state',
} as const satisfies Record<(typeof DEVICE_OBSERVED)[number], keyof ObservedDevice>;

/** A file that may legitimately be absent (hidden, too new for the kernel, another driver's): null then. */
const mayBeAbsent = (def: AttrDef): boolean => Boolean(def.hiddenWithoutNode || def.needs || def.whileBound || def.dynamicOnly);

function toDevice(d: z.infer<typeof RawDevice>): ObservedDevice {
  const dir = `${DAX_DEVICES}/${d.name}`;
  const mappings = listed(d.mappings, dir);
  const fields: Record<string, unknown> = {};
  for (const attr of DEVICE_OBSERVED) {
    const def: AttrDef = DEVICE_ATTRS[attr];
    const file = sysfsPath({ kind: 'device', device: d.name, attr });
    const raw = mayBeAbsent(def) ? optionalText(d[attr], file) : text(d[attr], file);
    fields[DEVICE_FIELDS[attr]] = raw === null ? null : parseFormat(def.observed!, raw, file);
  }
  return {
    name: d.name,
    host: text(d.host, `realpath of ${dir}`),
    ...(fields as Omit<ObservedDevice, 'name' | 'host' | 'driver' | 'mappings'>),
    driver: toDriver(d.driver, `${dir}/driver`),
    // In range order, which is page_offset order. The directory ids need not be 0..N-1: a mapping's id goes
    // back to the device's IDA only in dax_mapping_release(), which DEBUG_KOBJECT_RELEASE delays by seconds,
    // so a shrink and a grow can leave mapping1 without mapping0 (seen on a debug 6.12).
    mappings: mappings
      .map((m) => {
        const hex = (attr: MappingAttr) => {
          const file = sysfsPath({ kind: 'mapping', device: d.name, index: m.index, attr });
          return parseHex(text(m[attr], file), file);
        };
        return { start: hex('start'), end: hex('end'), pageOffset: hex('page_offset') };
      })
      .sort((a, b) => (a.pageOffset < b.pageOffset ? -1 : a.pageOffset > b.pageOffset ? 1 : 0)),
  };
}

function toRegion(r: z.infer<typeof RawRegion>): ObservedRegion {
  const at = (attr: RegionAttr) => sysfsPath({ kind: 'region', host: r.host, attr });
  const read = (attr: Exclude<RegionAttr, 'delete'>) => text(r[attr], at(attr));
  const available = optionalText(r.available_size, at('available_size'));
  const seed = optionalText(r.seed, at('seed'));
  const create = optionalText(r.create, at('create'));
  // Static regions hide all three dynamic attributes and dynamic ones show all three; a mix would be new.
  const shown = [available, seed, create].filter((v) => v !== null).length;
  if (shown !== 0 && shown !== 3) throw new SysfsFormatError(`${r.host}/dax_region`, 'available_size, seed and create all present or all absent', `${shown} of 3 present`);
  return {
    host: r.host,
    id: parseInt32(read('id'), at('id')),
    size: parseDecimal(read('size'), at('size')),
    align: parseDecimal(read('align'), at('align')),
    dynamic:
      available === null || seed === null || create === null
        ? null
        : { availableSize: parseDecimal(available, at('available_size')), seed: parseDeviceName(seed, at('seed')), create: parseDeviceName(create, at('create')) },
  };
}

function toBlock(b: z.infer<typeof RawBlock>): ObservedBlock {
  const dir = `${MEMORY_ROOT}/memory${b.index}`;
  const stateFile = sysfsPath({ kind: 'memblock', index: b.index, attr: 'state' });
  const state = parseMemblockState(text(b.state, stateFile), stateFile);
  const zones = parseValidZones(text(b.valid_zones, `${dir}/valid_zones`), `${dir}/valid_zones`);
  const nodes = listed(b.nodes, dir);
  // A hot-added block belongs to one node; two links happen only for boot blocks spanning nodes. None is
  // the kernel's tolerated failure to link it (ObservedBlock.node), which the comparison judges.
  if (nodes.length > 1) throw new SysfsFormatError(dir, 'at most one nodeN link', nodes.map((n) => `node${n}`).join(' '));
  const node = nodes[0] ?? null;
  let zone: ObservedBlock['zone'] = 'none';
  if (state === 'online') {
    const [only] = zones;
    if (only === undefined || zones.length !== 1) throw new SysfsFormatError(`${dir}/valid_zones`, 'a single zone for an online block', zones.join(' '));
    zone = only;
  }
  return { index: b.index, state, node, zone };
}

const isDaxIomemName = (name: string) => DEVICE_NAME.test(name) || name === 'System RAM (kmem)';

export function toObservation(raw: RawObservation, opts: { bootBlocks: ReadonlySet<number> }): Observation {
  const iomem: IomemEntry[] = parseIomem(text(raw.iomem, '/proc/iomem'))
    .filter((r) => isDaxIomemName(r.name))
    .map((r) => ({ start: r.start, end: r.end, name: r.name, parent: r.ancestors.at(-1) ?? null }));
  return {
    regions: raw.regions.map(toRegion).sort((a, b) => byString(a.host, b.host)),
    devices: listed(raw.devices, DAX_DEVICES)
      .map((d) => toDevice(checkDeviceName(d)))
      .sort((a, b) => compareDeviceNames(a.name, b.name)),
    iomem,
    memoryBlocks: listed(raw.blocks, MEMORY_ROOT)
      .filter((b) => !opts.bootBlocks.has(b.index))
      .map(toBlock)
      .sort((a, b) => a.index - b.index),
    memTotalKiB: parseMemTotalKiB(text(raw.memtotal, '/proc/meminfo')),
  };
}

/** What the harness records once after boot: facts about the machine rather than about the dax bus. */
export interface InventoryFacts {
  blockSizeBytes: bigint;
  autoOnline: OnlinePolicy;
  /** Memory blocks present at boot; later observations leave them out. */
  bootBlocks: ReadonlySet<number>;
  /** The whole of /proc/iomem, in file order. */
  iomem: IomemResource[];
}

export function toRawInventoryFacts(raw: RawObservation): InventoryFacts {
  const blockSize = `${MEMORY_ROOT}/block_size_bytes`;
  const policy = sysfsPath({ kind: 'memory', attr: 'auto_online_blocks' });
  return {
    blockSizeBytes: parseBlockSizeBytes(text(raw.block_size_bytes, blockSize), blockSize),
    autoOnline: parseOnlinePolicy(text(raw.auto_online_blocks, policy), policy),
    bootBlocks: new Set(listed(raw.blocks, MEMORY_ROOT).map((b) => b.index)),
    iomem: parseIomem(text(raw.iomem, '/proc/iomem')),
  };
}
