// Turns a topology as written into one QEMU will start and the kernel will accept, or into ONE line naming
// the field and the fix. The rules are the ones QEMU and the kernel enforce (or that silently lose memory,
// such as ranges kmem cannot online), checked here so a bad file fails in milliseconds, not after a boot.
import { attachment, busesBelow } from './cxl-fabric.ts';
import type { z } from 'zod';
import { DAX_ALIGNS } from '../harness/abi/attributes.ts';
import { didYouMean } from '../harness/util/nearest.ts';
import { InputError } from '../harness/util/input-error.ts';
import { contains, FOUR_G, MEMORY_BLOCK, nodeRamLayout, overlaps, ramEnd, SMALL_GUEST_RAM_END, type NodeRam, type Span } from './layout.ts';
import { TopologySchema, type CxlDevice, type CxlRegion, type CxlTopology, type DevdaxLayout, type NamespaceSpec, type TopologyShape } from './schema.ts';
import { formatSize, GiB, isPowerOfTwo, KiB, MiB } from './size.ts';
import { harnessParam } from './params.ts';

export class TopologyError extends InputError {
  override readonly name = 'TopologyError';
  /**
   * `field` is a path into the topology, e.g. cxl.devices[1].size; the message is the one line
   * `[origin: ]field: reason`, where origin names the file it came from.
   */
  constructor(
    readonly field: string,
    readonly reason: string,
    readonly origin?: string,
  ) {
    super(`${origin ? `${origin}: ` : ''}${field}: ${reason}`);
  }

  from(origin: string): TopologyError {
    return new TopologyError(this.field, this.reason, origin);
  }
}

declare const checked: unique symbol;
/** A topology that passed every rule below; only parseTopology makes one. */
export type GuestTopology = TopologyShape & { readonly [checked]: true };

export type ValidationResult = { ok: true; topology: GuestTopology } | { ok: false; error: string; field: string };

export function validateTopology(input: unknown): ValidationResult {
  try {
    return { ok: true, topology: parseTopology(input) };
  } catch (err) {
    if (err instanceof TopologyError) return { ok: false, error: err.message, field: err.field };
    throw err;
  }
}

/** Shape, then every cross-field rule; throws TopologyError at the first violation. */
export function parseTopology(input: unknown): GuestTopology {
  const parsed = TopologySchema.safeParse(input, { reportInput: true });
  if (!parsed.success) throw issueError(parsed.error.issues[0]!);
  const t = parsed.data;
  checkIds(t);
  const layout = checkRam(t);
  checkMemmapRanges(t, layout);
  checkNvdimms(t);
  if (t.cxl) checkCxl(t.cxl);
  checkAddressSpace(t, layout);
  checkBoot(t);
  return t as GuestTopology;
}

/** QEMU's type-3 capacity unit (CXL_CAPACITY_MULTIPLIER), also the HDM decoder granule per interleave way. */
const CXL_CAPACITY_UNIT = 256n * MiB;
const CXL_INTERLEAVE_WAYS = [1, 2, 3, 4, 6, 8, 12, 16] as const;
const WAYS_TEXT = CXL_INTERLEAVE_WAYS.join(', ');
const MIN_GRANULARITY = 256n;
const MAX_GRANULARITY = 16n * KiB;
/** What QEMU uses for a cxl-fmw window without interleave-granularity. */
const QEMU_WINDOW_GRANULARITY = 256n;
/** QEMU gives every CXL host bridge 4 HDM decoders; each region through it takes one. */
const CXL_HB_DECODERS = 4;
/** Linux nd regions (x86) align namespaces to 16M (MEMREMAP_COMPAT_ALIGN_MAX). */
const ND_REGION_ALIGN = 16n * MiB;
/** QEMU's minimum NVDIMM label area; also asked of CXL LSAs, which hold the same label format. */
const MIN_LABEL_AREA = 128n * KiB;
const MIN_NVDIMM_DATA = 128n * MiB;
/** dax ranges must be 2M-aligned (the dax region alignment; pmem info blocks refuse less). */
const MEMMAP_ALIGN = 2n * MiB;
const MIN_BOOT_RAM = 512n * MiB;

function fail(field: string, reason: string): never {
  throw new TopologyError(field, reason);
}

function fieldPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');
}

function issueError(issue: z.core.$ZodIssue): TopologyError {
  const field = fieldPath(issue.path) || '(topology)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return new TopologyError(fieldPath([...issue.path, issue.keys[0]!]), `unknown field${didYouMean(issue.keys[0]!, TopologySchema, issue.path) || '; remove it or fix its spelling'}`);
    case 'invalid_type':
      return new TopologyError(field, issue.input === undefined ? 'is required' : `expected ${issue.expected}, got ${JSON.stringify(issue.input)}`);
    case 'invalid_value':
      return new TopologyError(field, `must be one of ${issue.values.map(String).join(', ')}`);
    case 'too_small':
      return new TopologyError(field, issue.origin === 'array' ? issue.message : `must be at least ${issue.minimum}`);
    case 'too_big':
      return new TopologyError(field, `must be at most ${issue.maximum}`);
    default:
      return new TopologyError(field, issue.message);
  }
}

const span = (s: Span) => `[${formatSize(s.start)}, ${formatSize(s.end)})`;

function requireMultiple(field: string, value: bigint, unit: bigint, why: string): void {
  if (value % unit !== 0n) fail(field, `${formatSize(value)} is not a multiple of ${formatSize(unit)}${why ? ` (${why})` : ''}`);
}

function requirePositive(field: string, value: bigint): void {
  if (value <= 0n) fail(field, 'must be larger than 0');
}

function checkIds(t: TopologyShape): void {
  const seen = new Map<string, string>();
  const claim = (field: string, id: string) => {
    const first = seen.get(id);
    if (first) fail(field, `${id} is already the id of ${first}; ids must be unique`);
    seen.set(id, field.replace(/\.id$/, ''));
  };
  t.nvdimms.forEach((n, i) => claim(`nvdimms[${i}].id`, n.id));
  t.cxl?.hostBridges.forEach((h, i) => claim(`cxl.hostBridges[${i}].id`, h.id));
  t.cxl?.switches.forEach((s, i) => claim(`cxl.switches[${i}].id`, s.id));
  t.cxl?.devices.forEach((d, i) => claim(`cxl.devices[${i}].id`, d.id));
  t.cxl?.windows.forEach((w, i) => claim(`cxl.windows[${i}].id`, w.id));
  t.cxl?.regions.forEach((r, i) => claim(`cxl.regions[${i}].id`, r.id));
}

function checkRam(t: TopologyShape): NodeRam[] {
  requireMultiple('ram', t.ram, MEMORY_BLOCK, 'the memory block size');
  if (t.ram < MIN_BOOT_RAM) fail('ram', `${formatSize(t.ram)} is too small to boot the guest; give node 0 at least ${formatSize(MIN_BOOT_RAM)}`);
  const ids = new Set<number>();
  t.nodes.forEach((n, i) => {
    if (ids.has(n.id)) fail(`nodes[${i}].id`, `node ${n.id} is defined twice`);
    ids.add(n.id);
    if (n.memory !== undefined) {
      requirePositive(`nodes[${i}].memory`, n.memory);
      requireMultiple(`nodes[${i}].memory`, n.memory, MEMORY_BLOCK, 'a memory block must not span two nodes');
    }
  });
  t.nodes.forEach((n, i) => {
    // QEMU refuses node ids with holes ("numa: Node ID missing").
    if (n.id > t.nodes.length) {
      const missing = [...Array(t.nodes.length).keys()].map((k) => k + 1).find((k) => !ids.has(k));
      fail(`nodes[${i}].id`, `${n.id} leaves node ${missing} undefined; QEMU needs node ids 1..${t.nodes.length} here without gaps (node 0 is the boot RAM)`);
    }
  });
  const layout = ramLayout(t);
  const end = ramEnd(layout);
  if (end > SMALL_GUEST_RAM_END) fail(t.nodes.some((n) => (n.memory ?? 0n) > 0n) ? 'nodes' : 'ram', `guest RAM ends at ${formatSize(end)}; keep it below ${formatSize(SMALL_GUEST_RAM_END)} so memory blocks stay ${formatSize(MEMORY_BLOCK)}`);
  return layout;
}

/** Guest RAM per node: node 0 is the boot RAM, the others as listed (memoryless nodes have none). */
function ramLayout(t: Pick<TopologyShape, 'ram' | 'nodes'>): NodeRam[] {
  return nodeRamLayout([{ node: 0, size: t.ram }, ...t.nodes.map((n) => ({ node: n.id, size: n.memory ?? 0n }))]);
}

export function totalRam(t: Pick<TopologyShape, 'ram' | 'nodes'>): bigint {
  return t.nodes.reduce((sum, n) => sum + (n.memory ?? 0n), t.ram);
}

interface MemmapEntry {
  field: string;
  kind: 'pmem' | 'hmem';
  span: Span;
}

function checkMemmapRanges(t: TopologyShape, layout: NodeRam[]): void {
  const entries: MemmapEntry[] = [
    ...t.pmem.map((r, i) => ({ field: `pmem[${i}]`, kind: 'pmem' as const, span: { start: r.start, end: r.start + r.size } })),
    ...t.hmem.map((r, i) => ({ field: `hmem[${i}]`, kind: 'hmem' as const, span: { start: r.start, end: r.start + r.size } })),
  ];
  const ramText = layout.flatMap((n) => n.spans.map((s) => `node ${n.node} ${span(s)}`)).join(', ');
  entries.forEach((e, i) => {
    const size = e.span.end - e.span.start;
    requirePositive(`${e.field}.size`, size);
    // The kernel's own limit first, then the stricter one kmem needs, so the message names the real cause.
    requireMultiple(`${e.field}.start`, e.span.start, MEMMAP_ALIGN, 'the kernel needs 2M-aligned dax ranges');
    requireMultiple(`${e.field}.size`, size, MEMMAP_ALIGN, 'the kernel needs 2M-aligned dax ranges');
    requireMultiple(`${e.field}.start`, e.span.start, MEMORY_BLOCK, 'kmem onlines whole memory blocks; start ranges on a block boundary');
    requireMultiple(`${e.field}.size`, size, MEMORY_BLOCK, 'kmem onlines whole memory blocks');
    const home = layout.find((n) => n.spans.some((s) => contains(s, e.span)));
    if (!home) fail(`${e.field}.start`, `${span(e.span)} is not inside one node's guest RAM; RAM is ${ramText}`);
    if (home.node === 0) fail(`${e.field}.start`, `${span(e.span)} is node 0's boot RAM; place it in the RAM of a node listed under nodes`);
    for (const other of entries.slice(0, i)) {
      if (overlaps(e.span, other.span)) fail(`${e.field}.start`, `${span(e.span)} overlaps ${other.field} ${span(other.span)}; move one of them`);
      // e820 merges touching ranges of one type, and the two would come up as one region.
      if (other.kind === e.kind && (other.span.end === e.span.start || e.span.end === other.span.start)) {
        fail(`${e.field}.start`, `${span(e.span)} touches ${other.field} ${span(other.span)}; adjacent memmap= ranges of one type merge into one region, leave a gap of at least ${formatSize(MEMORY_BLOCK)}`);
      }
    }
  });
  t.pmem.forEach((r, i) => checkDevdaxLayout(`pmem[${i}].namespace`, r.namespace, r.size));
}

/** A devdax namespace's align must be a dax page size, and the namespace must hold at least one such page. */
function checkDevdaxLayout(field: string, ns: DevdaxLayout, capacity: bigint | undefined): void {
  if (ns.align !== undefined && !DAX_ALIGNS.includes(ns.align)) {
    fail(`${field}.align`, `${formatSize(ns.align)} is not a dax page size; use ${DAX_ALIGNS.map(formatSize).join(', ')}`);
  }
  // A namespace with its own size is checked against its align there (a multiple of it).
  if (ns.align !== undefined && capacity !== undefined && ns.align > capacity) fail(`${field}.align`, `${formatSize(ns.align)} is larger than its ${formatSize(capacity)} range; use ${DAX_ALIGNS.filter((a) => a <= capacity).map(formatSize).join(' or ')}`);
}

/** Namespaces carved in order from a region of `capacity` bytes; only the last may omit its size (= the rest). */
function checkNamespaces(field: string, namespaces: readonly NamespaceSpec[], capacity: bigint): void {
  const usable = (capacity / ND_REGION_ALIGN) * ND_REGION_ALIGN;
  let used = 0n;
  namespaces.forEach((ns, i) => {
    const at = `${field}[${i}]`;
    checkDevdaxLayout(at, ns, ns.size === undefined ? usable - used : undefined);
    if (ns.size === undefined) {
      if (i !== namespaces.length - 1) fail(`${at}.size`, 'only the last namespace may omit its size (it takes the rest of the region)');
      if (usable - used < ND_REGION_ALIGN) fail(`${at}.size`, `the region has no room left for it (${formatSize(usable)} usable, ${formatSize(used)} taken)`);
      return;
    }
    requirePositive(`${at}.size`, ns.size);
    requireMultiple(`${at}.size`, ns.size, ND_REGION_ALIGN, 'the nd region alignment');
    if (ns.align !== undefined) requireMultiple(`${at}.size`, ns.size, ns.align, 'its align');
    if (used + ns.size > usable) {
      fail(`${at}.size`, `${formatSize(ns.size)} does not fit: the region has ${formatSize(usable)} usable and earlier namespaces take ${formatSize(used)}`);
    }
    used += ns.size;
  });
}

function checkNvdimms(t: TopologyShape): void {
  const nodes = new Set([0, ...t.nodes.map((n) => n.id)]);
  t.nvdimms.forEach((nv, i) => {
    const at = `nvdimms[${i}]`;
    if (nv.labelSize < MIN_LABEL_AREA) fail(`${at}.labelSize`, `${formatSize(nv.labelSize)} is below QEMU's minimum label area of ${formatSize(MIN_LABEL_AREA)}`);
    requireMultiple(`${at}.size`, nv.size, MEMMAP_ALIGN, 'QEMU maps NVDIMMs in 2M pages');
    if (nv.size < nv.labelSize + MIN_NVDIMM_DATA) {
      fail(`${at}.size`, `${formatSize(nv.size)} leaves less than ${formatSize(MIN_NVDIMM_DATA)} after the ${formatSize(nv.labelSize)} label area; use at least ${formatSize(nv.labelSize + MIN_NVDIMM_DATA)}`);
    }
    if (!nodes.has(nv.node)) fail(`${at}.node`, `node ${nv.node} does not exist; add it under nodes (a node without memory is enough)`);
    // QEMU keeps the label area at the end of the backing file; the region is the rest.
    checkNamespaces(`${at}.namespaces`, nv.namespaces, nv.size - nv.labelSize);
  });
  const nvdimmBytes = t.nvdimms.reduce((s, n) => s + n.size, 0n);
  if (t.hotplug) {
    const { slots, maxmem } = t.hotplug;
    if (slots < t.nvdimms.length) fail('hotplug.slots', `${slots} slots cannot take ${t.nvdimms.length} NVDIMMs; use at least ${t.nvdimms.length}`);
    const ram = totalRam(t);
    if (maxmem < ram + nvdimmBytes) {
      fail('hotplug.maxmem', `${formatSize(maxmem)} leaves no room for ${formatSize(nvdimmBytes)} of NVDIMMs above ${formatSize(ram)} of RAM; use at least ${formatSize(ram + nvdimmBytes)}`);
    }
    // QEMU's own rule (hw/core/machine.c): memory slots need maxmem above the RAM.
    if (maxmem <= ram) fail('hotplug.maxmem', `${formatSize(maxmem)} is not above the ${formatSize(ram)} of RAM, which QEMU needs for hotplug slots; use more`);
  }
}

function isInterleave(n: number): boolean {
  return (CXL_INTERLEAVE_WAYS as readonly number[]).includes(n);
}

function checkGranularity(field: string, g: bigint): void {
  if (!isPowerOfTwo(g) || g < MIN_GRANULARITY || g > MAX_GRANULARITY) fail(field, `${g} is not a power of two from 256 to 16K`);
}

function checkCxl(cxl: CxlTopology): void {
  checkHostBridges(cxl);
  const rootPorts = checkSwitches(cxl);
  checkCxlDevices(cxl, rootPorts);
  checkWindows(cxl);
  checkCxlRegions(cxl);
}

function checkHostBridges(cxl: CxlTopology): void {
  cxl.hostBridges.forEach((h, i) => {
    // A pxb-cxl owns its bus number and one secondary bus per root port, and a switch below it one more per port.
    const last = h.busNr + busesBelow(cxl, h.id);
    if (last > 255) fail(`cxl.hostBridges[${i}].busNr`, `${h.busNr} + the ${last - h.busNr} buses of its root ports and switches runs past bus 255; lower it`);
    for (const other of cxl.hostBridges.slice(0, i)) {
      const otherLast = other.busNr + busesBelow(cxl, other.id);
      if (h.busNr <= otherLast && other.busNr <= last) {
        fail(`cxl.hostBridges[${i}].busNr`, `buses ${h.busNr}-${last} overlap ${other.id}'s ${other.busNr}-${otherLast}; start at ${otherLast + 1} or above`);
      }
    }
  });
}

/** A root port of a host bridge that exists; the one thing plugged into it is recorded in `ports`. */
function plugRootPort(cxl: CxlTopology, at: string, hostBridge: string, rootPort: number, what: string, ports: Map<string, string>): void {
  const hb = cxl.hostBridges.find((h) => h.id === hostBridge);
  if (!hb) fail(`${at}.hostBridge`, `no host bridge ${hostBridge}; define it under cxl.hostBridges`);
  if (rootPort >= hb.rootPorts) fail(`${at}.rootPort`, `${hb.id} has root ports 0..${hb.rootPorts - 1}`);
  const port = `${hb.id}:${rootPort}`;
  const holder = ports.get(port);
  if (holder) fail(`${at}.rootPort`, `root port ${rootPort} of ${hb.id} already holds ${holder}; one device or switch per root port`);
  ports.set(port, what);
}

/** Each switch on a root port of its own; returns the root ports taken. */
function checkSwitches(cxl: CxlTopology): Map<string, string> {
  const ports = new Map<string, string>();
  cxl.switches.forEach((s, i) => plugRootPort(cxl, `cxl.switches[${i}]`, s.hostBridge, s.rootPort, `switch ${s.id}`, ports));
  return ports;
}

function checkCxlDevices(cxl: CxlTopology, ports: Map<string, string>): void {
  const switchPorts = new Map<string, string>();
  cxl.devices.forEach((d, i) => {
    const at = `cxl.devices[${i}]`;
    const onRootPort = d.hostBridge !== undefined || d.rootPort !== undefined;
    const onSwitch = d.switch !== undefined || d.port !== undefined;
    if (onRootPort === onSwitch || (onRootPort && (d.hostBridge === undefined || d.rootPort === undefined)) || (onSwitch && (d.switch === undefined || d.port === undefined))) {
      fail(at, 'plug it in one place: hostBridge and rootPort, or switch and port');
    }
    if (d.switch !== undefined && d.port !== undefined) {
      const sw = cxl.switches.find((s) => s.id === d.switch);
      if (!sw) fail(`${at}.switch`, `no switch ${d.switch}; define it under cxl.switches`);
      if (d.port >= sw.downstreamPorts) fail(`${at}.port`, `${sw.id} has downstream ports 0..${sw.downstreamPorts - 1}`);
      const holder = switchPorts.get(`${sw.id}:${d.port}`);
      if (holder) fail(`${at}.port`, `port ${d.port} of ${sw.id} already holds ${holder}; one device per port`);
      switchPorts.set(`${sw.id}:${d.port}`, d.id);
    } else {
      plugRootPort(cxl, at, d.hostBridge!, d.rootPort!, d.id, ports);
    }
    requirePositive(`${at}.size`, d.size);
    requireMultiple(`${at}.size`, d.size, CXL_CAPACITY_UNIT, '');
    if (d.type === 'persistent' && d.lsa < MIN_LABEL_AREA) fail(`${at}.lsa`, `${formatSize(d.lsa)} is too small for namespace labels; use at least ${formatSize(MIN_LABEL_AREA)}`);
  });
}

function checkWindows(cxl: CxlTopology): void {
  const bridges = new Set(cxl.hostBridges.map((h) => h.id));
  cxl.windows.forEach((w, i) => {
    const at = `cxl.windows[${i}]`;
    w.targets.forEach((target, k) => {
      if (!bridges.has(target)) fail(`${at}.targets[${k}]`, `no host bridge ${target}; define it under cxl.hostBridges`);
      if (w.targets.indexOf(target) !== k) fail(`${at}.targets[${k}]`, `${target} is listed twice`);
    });
    if (!isInterleave(w.targets.length)) fail(`${at}.targets`, `${w.targets.length} host bridges is not a CXL interleave; use ${WAYS_TEXT}`);
    if (w.granularity !== undefined) checkGranularity(`${at}.granularity`, w.granularity);
    requirePositive(`${at}.size`, w.size);
    const unit = CXL_CAPACITY_UNIT * BigInt(w.targets.length);
    requireMultiple(`${at}.size`, w.size, unit, w.targets.length > 1 ? `256M per interleaved host bridge` : '');
  });
}

function checkCxlRegions(cxl: CxlTopology): void {
  const devices = new Map(cxl.devices.map((d) => [d.id, d]));
  const windows = new Map(cxl.windows.map((w) => [w.id, w]));
  const claimedBy = new Map<string, string>();
  const windowUse = new Map<string, { ids: string[]; bytes: bigint }>();
  const decodersUsed = new Map<string, number>();
  cxl.regions.forEach((r, i) => {
    const at = `cxl.regions[${i}]`;
    const w = windows.get(r.window);
    if (!w) fail(`${at}.window`, `no window ${r.window}; define it under cxl.windows`);
    const wantType = r.type === 'ram' ? 'volatile' : 'persistent';
    const members = r.devices.map((id, k) => {
      const d = devices.get(id);
      if (!d) fail(`${at}.devices[${k}]`, `no device ${id}; define it under cxl.devices`);
      if (r.devices.indexOf(id) !== k) fail(`${at}.devices[${k}]`, `${id} is listed twice`);
      const owner = claimedBy.get(id);
      if (owner) fail(`${at}.devices[${k}]`, `${id} is already in region ${owner}; a device's capacity goes to one region`);
      if (d.type !== wantType) fail(`${at}.devices[${k}]`, `${id} is ${d.type}; a ${r.type} region needs ${wantType} devices`);
      return d;
    });
    if (!isInterleave(members.length)) fail(`${at}.devices`, `${members.length} devices is not a CXL interleave; use ${WAYS_TEXT}`);
    if (members.length % w.targets.length !== 0) {
      fail(`${at}.devices`, `${members.length} devices cannot spread evenly over window ${w.id}'s ${w.targets.length} host bridges`);
    }
    members.forEach((d, k) => {
      // The root decoder sends interleave position k to target k mod ways.
      const target = w.targets[k % w.targets.length]!;
      const hostBridge = attachment(cxl, d)!.hostBridge;
      if (hostBridge !== target) {
        const why = w.targets.length === 1 ? `window ${w.id} only decodes ${target}` : `position ${k} of window ${w.id} goes to ${target}; reorder the devices`;
        fail(`${at}.devices[${k}]`, `${d.id} is behind ${hostBridge}, but ${why}`);
      }
      if (d.size !== members[0]!.size) {
        fail(`${at}.devices[${k}]`, `${d.id} is ${formatSize(d.size)} but ${members[0]!.id} is ${formatSize(members[0]!.size)}; interleaved devices must be the same size`);
      }
      claimedBy.set(d.id, r.id);
    });
    if (r.granularity !== undefined) {
      checkGranularity(`${at}.granularity`, r.granularity);
      const windowGranularity = w.granularity ?? QEMU_WINDOW_GRANULARITY;
      if (w.targets.length > 1 && r.granularity !== windowGranularity) {
        fail(`${at}.granularity`, `${r.granularity} differs from window ${w.id}'s ${windowGranularity}; a window interleaved over host bridges fixes the region granularity`);
      }
    }
    const size = regionSize(r, devices);
    const use = windowUse.get(w.id) ?? { ids: [], bytes: 0n };
    use.ids.push(r.id);
    use.bytes += size;
    windowUse.set(w.id, use);
    if (use.bytes > w.size) fail(`${at}.window`, `${w.id} (${formatSize(w.size)}) cannot hold ${use.ids.join(' + ')} (${formatSize(use.bytes)}); grow the window to at least ${formatSize(use.bytes)}`);
    for (const hb of new Set(members.map((d) => attachment(cxl, d)!.hostBridge))) {
      const used = (decodersUsed.get(hb) ?? 0) + 1;
      if (used > CXL_HB_DECODERS) fail(at, `host bridge ${hb} would need ${used} HDM decoders; QEMU gives each ${CXL_HB_DECODERS}`);
      decodersUsed.set(hb, used);
    }
    if (r.type === 'ram' && r.namespaces.length > 0) fail(`${at}.namespaces`, 'only pmem regions have namespaces; a ram region becomes a dax region by itself');
    checkNamespaces(`${at}.namespaces`, r.namespaces, size);
  });
}

/** A region takes each member device's whole capacity. */
export function regionSize(r: CxlRegion, devices: ReadonlyMap<string, CxlDevice>): bigint {
  return r.devices.reduce((sum, id) => sum + devices.get(id)!.size, 0n);
}

/**
 * QEMU's default CPU addresses 1T (phys-bits 40). Its vendor is AMD, and once used memory would reach the
 * HyperTransport hole at 1012G, QEMU moves RAM above 1T (x86_update_above_4g_mem_start() in hw/i386/pc.c),
 * past that limit: 1012G is the real ceiling. Measured with QEMU 10: -m 6G,slots=1,maxmem=970G starts, 980G does not.
 */
const PHYS_ADDR_LIMIT = 1012n * GiB;
/** q35's default 64-bit PCI hole, placed above everything else (Q35_PCI_HOST_HOLE64_SIZE_DEFAULT). */
const PCI_HOLE64 = 32n * GiB;
const alignUp = (v: bigint, a: bigint) => ((v + a - 1n) / a) * a;

/**
 * QEMU refuses to start ("phys-bits too low", pc_memory_init() in hw/i386/pc.c) when the highest guest-physical
 * address it uses passes what the CPU can address. That address is the end of RAM above 4G, then the
 * device-memory area (maxmem - ram, plus 1G per slot for alignment), then the CXL fixed windows, then the
 * 64-bit PCI hole (pc_max_used_gpa()). Checked here so a 10T NVDIMM fails in milliseconds, naming its field.
 */
function checkAddressSpace(t: TopologyShape, layout: NodeRam[]): void {
  const ram = totalRam(t);
  const nvdimmBytes = t.nvdimms.reduce((s, n) => s + n.size, 0n);
  const slots = BigInt(t.hotplug?.slots ?? t.nvdimms.length);
  const maxmem = t.hotplug?.maxmem ?? ram + nvdimmBytes;
  const deviceMemory = maxmem - ram + (slots > 0n ? slots * GiB : 0n);
  const windows = t.cxl?.windows ?? [];
  const windowBytes = windows.reduce((s, w) => s + alignUp(w.size, 256n * MiB), 0n);
  const top = alignUp(alignUp(ramEnd(layout) > FOUR_G ? ramEnd(layout) : FOUR_G, GiB) + deviceMemory + windowBytes, GiB) + PCI_HOLE64;
  if (top <= PHYS_ADDR_LIMIT) return;
  // Blame the largest single contributor: that is the field whose fix helps.
  const largest = <T extends { size: bigint }>(xs: readonly T[]) => xs.reduce<[number, bigint]>((best, x, i) => (x.size > best[1] ? [i, x.size] : best), [-1, 0n]);
  const [wi, wsize] = largest(windows);
  const [ni, nsize] = largest(t.nvdimms);
  const field = t.hotplug && t.hotplug.maxmem - ram > wsize && t.hotplug.maxmem - ram > nsize ? 'hotplug.maxmem' : wsize >= nsize && wi >= 0 ? `cxl.windows[${wi}].size` : ni >= 0 ? `nvdimms[${ni}].size` : 'ram';
  fail(field, `the guest's address space would end at ${formatSize(top)}, past ${formatSize(PHYS_ADDR_LIMIT)}, beyond which QEMU's CPU (phys-bits 40) cannot address it; make it smaller`);
}

function checkBoot(t: TopologyShape): void {
  t.boot.cmdline.forEach((word, i) => {
    const at = `boot.cmdline[${i}]`;
    if (word === '' || /\s/.test(word)) fail(at, `${JSON.stringify(word)} is not one word; give each kernel parameter as its own entry`);
    const reason = harnessParam(word);
    if (reason) fail(at, reason);
  });
}
