// Memory blocks that kmem hot-adds (drivers/base/memory.c, mm/memory_hotplug.c): creation, onlining with the
// contig-zones zone choice, offlining, removal, and their share of MemTotal.
import { MEMORY_BLOCK_ATTRS } from '../abi/attributes.ts';
import type { OnlinePolicy } from './observation.ts';
import { sysfsStreq } from './parse.ts';
import { type ByteRange, type MemBlock, type OnlineZone, type State, dropBlocks, putBlock } from './state.ts';
import { type Attr, line } from './sysfs.ts';
import { fail } from './ops.ts';
import { type Alternative, type Step, orElse, refuse, succeed } from './step.ts';

const ONLINE_TYPES: readonly OnlinePolicy[] = ['offline', 'online', 'online_kernel', 'online_movable'];

/** mhp_online_type_from_str(): one of the four names, with sysfs_streq's optional trailing "\n". */
function onlineTypeFromStr(s: string): OnlinePolicy | null {
  return ONLINE_TYPES.find((t) => sysfsStreq(s, t)) ?? null;
}

function blockRange(s: State, index: number): ByteRange {
  const B = s.profile.blockSize;
  const start = BigInt(index) * B;
  return { start, end: start + B - 1n };
}

/** The blocks a block-aligned range consists of. */
export function blockIndices(s: State, r: ByteRange): number[] {
  const B = s.profile.blockSize;
  const out: number[] = [];
  for (let a = r.start; a <= r.end; a += B) out.push(Number(a / B));
  return out;
}

/**
 * Zone spans per node: a zone spans from its lowest to its highest online page, i.e. the boot span (if any)
 * joined with the hot-added blocks online in it (shrink_zone_span only trims the ends).
 */
type ZoneSpans = Map<string, ByteRange>;
const spanKey = (node: number, zone: OnlineZone): string => `${node}:${zone}`;

function widen(spans: ZoneSpans, node: number, zone: OnlineZone, r: ByteRange): void {
  const key = spanKey(node, zone);
  const cur = spans.get(key);
  spans.set(key, cur ? { start: cur.start < r.start ? cur.start : r.start, end: cur.end > r.end ? cur.end : r.end } : r);
}

function zoneSpans(s: State): ZoneSpans {
  const spans: ZoneSpans = new Map();
  for (const span of s.bootZoneSpans) widen(spans, span.node, span.zone, span);
  for (const b of s.blocks.values()) if (b.zone !== null) widen(spans, b.node, b.zone, blockRange(s, b.index));
  return spans;
}

/** zone_intersects() */
function zoneIntersects(spans: ZoneSpans, node: number, zone: OnlineZone, r: ByteRange): boolean {
  const span = spans.get(spanKey(node, zone));
  return span !== undefined && r.start <= span.end && span.start <= r.end;
}

/**
 * zone_for_pfn_range() with memory_hotplug.online_policy=contig-zones and movable_node off. online_kernel:
 * default_kernel_zone_for_pfn(), the first of DMA, DMA32 the block falls into, else Normal. online: the zone
 * whose span alone covers the block, else that kernel zone.
 */
function zoneFor(s: State, spans: ZoneSpans, b: MemBlock, type: Exclude<OnlinePolicy, 'offline'>): OnlineZone {
  if (type === 'online_movable') return 'Movable';
  const r = blockRange(s, b.index);
  const kernel = (['DMA', 'DMA32'] as const).find((z) => zoneIntersects(spans, b.node, z, r)) ?? 'Normal';
  if (type === 'online_kernel') return kernel;
  const inKernel = zoneIntersects(spans, b.node, kernel, r);
  const inMovable = zoneIntersects(spans, b.node, 'Movable', r);
  return inKernel !== inMovable && inMovable ? 'Movable' : kernel;
}

/** Onlines `indices` in ascending order. `blocks` is `s.blocks`, a fresh map the caller owns, updated in place. */
function onlineInto(s: State, blocks: Map<number, MemBlock>, indices: readonly number[], type: Exclude<OnlinePolicy, 'offline'>): void {
  const spans = zoneSpans(s);
  for (const index of indices) {
    const b = blocks.get(index)!;
    const zone = zoneFor(s, spans, b, type);
    blocks.set(index, { ...b, zone });
    widen(spans, b.node, zone, blockRange(s, index));
  }
}

/**
 * add_memory_driver_managed() of one block-aligned range: its blocks appear offline on `node`, then, unless
 * the online type is `offline`, they are onlined in ascending order (add_memory_resource). The type is
 * auto_online_blocks at kmem probe, or what a kmem `state` write asked for.
 */
export function addMemory(s: State, r: ByteRange, node: number, vmemmapBytes: bigint, type: OnlinePolicy = s.autoOnline): State {
  const blocks = new Map(s.blocks);
  const next: State = { ...s, blocks };
  const indices = blockIndices(s, r);
  for (const index of indices) blocks.set(index, { index, node, nodeLinked: true, zone: null, vmemmapBytes });
  if (type !== 'offline') onlineInto(next, blocks, indices, type);
  return next;
}

/** try_remove_memory() refuses (EBUSY) while any block of the range is online. */
export function removable(s: State, r: ByteRange): boolean {
  return blockIndices(s, r).every((i) => s.blocks.get(i)?.zone === null);
}

export const removeMemory = (s: State, r: ByteRange): State => dropBlocks(s, blockIndices(s, r));

/** What an online block adds to MemTotal: the block minus the pages holding its own memmap. */
export function onlineKiB(s: State, b: MemBlock): bigint {
  return b.zone === null ? 0n : (s.profile.blockSize - b.vmemmapBytes) / 1024n;
}

export function memTotalKiB(s: State): bigint {
  let total = s.memTotalBaselineKiB;
  for (const b of s.blocks.values()) total += onlineKiB(s, b);
  return total;
}

/**
 * offline_pages() may find a page it cannot migrate in a block of a kernel zone (an unmovable allocation
 * landed there: dump_page's "page dumped because: unmovable page", then -EBUSY). Which pages the kernel put
 * where is invisible to user space, so that outcome is allowed, not predicted. ZONE_MOVABLE holds no
 * unmovable allocations, and the harness pins no pages, so its blocks offline.
 */
export function offlineBlock(s: State, b: MemBlock & { zone: OnlineZone }): Step {
  const offlined = succeed(putBlock(s, { ...b, zone: null }));
  if (b.zone === 'Movable') return offlined;
  return orElse(
    offlined,
    {
      id: 'memblock-offline-busy',
      reason: `memory${b.index} is in ZONE_${b.zone.toUpperCase()}, where offline_pages() (mm/memory_hotplug.c) returns EBUSY for a page it cannot migrate`,
      result: fail('EBUSY'),
      next: s,
    },
    offlineInterrupted(s, b),
  );
}

/**
 * A block in a kernel zone may hold a page whose migration keeps failing, and offline_pages() then retries
 * until the writer has a signal pending (the helper sends one: AttrDef.offlinesOn). In ZONE_MOVABLE that
 * would need an unmovable page there, a bug the document names as such, so it stays a divergence.
 */
export function offlineInterrupted(s: State, b: MemBlock & { zone: OnlineZone }): Alternative {
  return {
    id: 'memblock-offline-interrupted',
    reason: `memory${b.index} is in ZONE_${b.zone.toUpperCase()}: offline_pages() (mm/memory_hotplug.c) retried migrating its pages until the harness signalled the writer, and then answers EINTR with the block still online ("memory offlining might retry for a long time (or even forever), until aborted by the user", Documentation/admin-guide/mm/memory-hotplug.rst)`,
    result: fail('EINTR'),
    next: s,
  };
}

/**
 * memoryN/state. Writing the state a block is already in makes device_online/device_offline return 1, which
 * state_store turns into EINVAL.
 */
export function memblockStateAttr(s: State, b: MemBlock): Attr {
  return {
    mode: MEMORY_BLOCK_ATTRS.state.mode,
    show: () => (b.zone === null ? 'offline\n' : 'online\n'),
    store: (input) => {
      const type = onlineTypeFromStr(input);
      if (type === null) return refuse(s, 'EINVAL');
      if (type === 'offline') return b.zone === null ? refuse(s, 'EINVAL') : offlineBlock(s, { ...b, zone: b.zone });
      if (b.zone !== null) return refuse(s, 'EINVAL');
      const blocks = new Map(s.blocks);
      const next: State = { ...s, blocks };
      onlineInto(next, blocks, [b.index], type);
      return succeed(next);
    },
  };
}

export function autoOnlineBlocksAttr(s: State): Attr {
  return {
    mode: 0o644,
    show: () => line(s.autoOnline),
    store: (input) => {
      const type = onlineTypeFromStr(input);
      return type === null ? refuse(s, 'EINVAL') : succeed({ ...s, autoOnline: type });
    },
  };
}
