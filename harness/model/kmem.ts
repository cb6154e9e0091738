// The kmem driver (drivers/dax/kmem.c): probe hot-adds the block-aligned part of each range as System RAM,
// remove hot-removes what it can and leaks the rest until reboot.
import { iomemBusy } from './iomem.ts';
import { addMemory, removable, removeMemory } from './memory.ts';
import { vmemmapBytesPerBlock } from './profiles.ts';
import { type ByteRange, type Device, type LeakedRange, type State, putDevice, regionOf } from './state.ts';
import type { ProbeOutcome } from './step.ts';

/** dax_kmem_range(): the memory-block-aligned part of a range, or null when no whole block fits. */
export function kmemRange(r: ByteRange, blockSize: bigint): ByteRange | null {
  const start = ((r.start + blockSize - 1n) / blockSize) * blockSize;
  const end = ((r.end + 1n) / blockSize) * blockSize - 1n;
  return start >= end ? null : { start, end };
}

/** dev_dax_kmem_probe() */
export function kmemProbe(s: State, d: Device): ProbeOutcome {
  const region = regionOf(s, d);
  const node = region.targetNode;
  if (node === null) return { ok: false, errno: 'EINVAL', next: s };
  const usable = d.ranges.map((r) => kmemRange(r, s.profile.blockSize));
  if (usable.every((r) => r === null)) return { ok: false, errno: 'EINVAL', next: s };

  const vmemmap = vmemmapBytesPerBlock(s.profile, d.memmapOnMemory);
  const added: ByteRange[] = [];
  let next = s;
  for (const r of usable) {
    if (r === null) continue;
    if (iomemBusy(next, r)) {
      // Once some memory is online it cannot be taken back, so later conflicts are skipped, not failed.
      if (added.length > 0) continue;
      return { ok: false, errno: 'EBUSY', next: s };
    }
    added.push(r);
    next = addMemory(next, r, node, vmemmap);
  }
  return { ok: true, next: putDevice(next, { ...d, binding: { driver: 'kmem', added } }) };
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
