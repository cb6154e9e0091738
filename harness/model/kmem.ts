// The kmem driver (drivers/dax/kmem.c): probe hot-adds the block-aligned part of each range as System RAM,
// remove hot-removes what it can and leaks the rest until reboot, and (7.3+) the `state` file unplugs and
// re-plugs all of it at once.
import type { KmemState } from '../abi/attributes.ts';
import { iomemBusy } from './iomem.ts';
import { addMemory, blockIndices, offlineInterrupted, removable, removeMemory } from './memory.ts';
import { fail } from './ops.ts';
import { sysfsStreq } from './parse.ts';
import { vmemmapBytesPerBlock } from './profiles.ts';
import { type ByteRange, type Device, type LeakedRange, type MemBlock, type OnlineZone, type State, putDevice, regionOf } from './state.ts';
import { type ProbeOutcome, type Step, orElse, refuse, succeed } from './step.ts';
import { type Attr, line } from './sysfs.ts';

/** dax_kmem_range(): the memory-block-aligned part of a range, or null when no whole block fits. */
export function kmemRange(r: ByteRange, blockSize: bigint): ByteRange | null {
  const start = ((r.start + blockSize - 1n) / blockSize) * blockSize;
  const end = ((r.end + 1n) / blockSize) * blockSize - 1n;
  return start >= end ? null : { start, end };
}

type Kmem = Extract<NonNullable<Device['binding']>, { driver: 'kmem' }>;

/**
 * Requests and hot-adds `ranges` onlined as `type` (dax_kmem_init_resources + dax_kmem_do_hotplug): the first
 * conflict before anything was added is EBUSY, later ones are skipped, because memory already online cannot
 * be taken back.
 */
function hotplug(s: State, d: Device, ranges: readonly ByteRange[], type: KmemState): { ok: true; next: State; added: ByteRange[] } | { ok: false } {
  const node = regionOf(s, d).targetNode!;
  const vmemmap = vmemmapBytesPerBlock(s.profile, d.memmapOnMemory);
  const added: ByteRange[] = [];
  let next = s;
  for (const r of ranges) {
    if (iomemBusy(next, r)) {
      if (added.length > 0) continue;
      return { ok: false };
    }
    added.push(r);
    next = addMemory(next, r, node, vmemmap, type === 'unplugged' ? 'offline' : type);
  }
  return { ok: true, next, added };
}

/** dev_dax_kmem_probe(): kmem's state starts as the online type auto_online_blocks gave at bind. */
export function kmemProbe(s: State, d: Device): ProbeOutcome {
  if (regionOf(s, d).targetNode === null) return { ok: false, errno: 'EINVAL', next: s };
  const ranges = d.ranges.map((r) => kmemRange(r, s.profile.blockSize)).filter((r): r is ByteRange => r !== null);
  if (ranges.length === 0) return { ok: false, errno: 'EINVAL', next: s };
  const out = hotplug(s, d, ranges, s.autoOnline);
  if (!out.ok) return { ok: false, errno: 'EBUSY', next: s };
  return { ok: true, next: putDevice(out.next, { ...d, binding: { driver: 'kmem', ranges, added: out.added, state: s.autoOnline } }) };
}

/**
 * dev_dax_kmem_remove(): never offlines. A range whose blocks are all offline is removed with its resources;
 * otherwise (or without CONFIG_MEMORY_HOTREMOVE) blocks and resources stay for good, and the unbind still
 * succeeds. Ranges appended by `mapping` after probe are not in the probe-time array: the kernel reads past
 * it (zeroed slab slack on a stock kernel, i.e. "never added"), so they are ignored here.
 */
export function kmemRemove(s: State, d: Device): State {
  if (d.binding?.driver !== 'kmem') throw new Error(`model: ${d.name} is not bound to kmem`);
  const parent = regionOf(s, d).iomemParent;
  let next = s;
  const leaked: LeakedRange[] = [];
  for (const r of d.binding.added) {
    if (s.profile.memoryHotremove && removable(next, r)) next = removeMemory(next, r);
    else leaked.push({ start: r.start, end: r.end, name: d.name, parent });
  }
  if (leaked.length > 0) next = { ...next, leaked: [...next.leaked, ...leaked] };
  return putDevice(next, { ...d, binding: null });
}

/**
 * Unplug (state_store "unplugged" → dax_kmem_do_hotremove → offline_and_remove_memory_ranges): every block
 * of every added range is offlined, then every range removed, atomically. A block in a kernel zone may hold
 * an unmovable page: then everything offlined is onlined again and the write fails EBUSY, which the model
 * allows (see memory.ts offlineBlock).
 */
function unplug(s: State, d: Device, b: Kmem): Step {
  if (b.added.length === 0) return succeed(putDevice(s, { ...d, binding: { ...b, state: 'unplugged' } }));
  if (!s.profile.memoryHotremove) return refuse(s, 'EBUSY');
  let next = s;
  for (const r of b.added) next = removeMemory(next, r);
  const done = succeed(putDevice(next, { ...d, binding: { ...b, added: [], state: 'unplugged' } }));
  const kernelZone = b.added
    .flatMap((r) => blockIndices(s, r))
    .map((i) => s.blocks.get(i))
    .find((blk): blk is MemBlock & { zone: OnlineZone } => blk !== undefined && blk.zone !== null && blk.zone !== 'Movable');
  if (!kernelZone) return done;
  const interrupted = offlineInterrupted(s, kernelZone);
  return orElse(
    done,
    {
      id: 'kmem-unplug-busy',
      reason: `memory${kernelZone.index} is in ZONE_${kernelZone.zone.toUpperCase()}, where offline_pages() (mm/memory_hotplug.c) returns EBUSY for a page it cannot migrate; offline_and_remove_memory_ranges() then onlines everything again`,
      result: fail('EBUSY'),
      next: s,
    },
    { ...interrupted, id: 'kmem-unplug-interrupted', reason: `${interrupted.reason}; offline_and_remove_memory_ranges() then onlines everything again` },
  );
}

const WRITABLE: readonly KmemState[] = ['unplugged', 'online', 'online_kernel', 'online_movable'];

/**
 * daxX.Y/state (7.3+; kmem's dev_groups, so it exists only while bound to kmem). Reads what kmem last did;
 * writes take unplugged or an online type (sysfs_streq; "offline" is refused on purpose). The current value
 * is a no-op, and onlining is only allowed from unplugged.
 */
export function kmemStateFile(s: State, d: Device): Pick<Attr, 'show' | 'store'> {
  const b = d.binding;
  if (b?.driver !== 'kmem') throw new Error(`model: ${d.name} has no state file unless bound to kmem`);
  return {
    show: () => line(b.state),
    store: (input) => {
      const want = WRITABLE.find((v) => sysfsStreq(input, v));
      if (want === undefined) return refuse(s, 'EINVAL');
      if (want === b.state) return succeed(s);
      if (want === 'unplugged') return unplug(s, d, b);
      if (b.state !== 'unplugged') return refuse(s, 'EBUSY');
      const out = hotplug(s, d, b.ranges, want);
      if (!out.ok) return refuse(s, 'EBUSY');
      return succeed(putDevice(out.next, { ...d, binding: { ...b, added: out.added, state: want } }));
    },
  };
}
