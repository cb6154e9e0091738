// What a write whose Nth slab allocation failed (Op.failNth: the task's fail-nth, lib/fault-inject.c,
// through failslab, the way syzkaller drives these paths) may do. Either the kernel copes and the write
// does what it would have (the ordinary prediction), or it fails and leaves no trace.
import type { Errno } from './errno.ts';
import type { Op } from './ops.ts';
import { blockIndices } from './memory.ts';
import { sysfsStreq } from './parse.ts';
import { type State, putBlock, putDevice, regionOf } from './state.ts';

/**
 * ENOMEM; or, where the allocation was a resource, the errno its caller gives any failure: __request_region()
 * returns NULL for a conflict and an allocation failure alike, and kmem's request_mem_region names it EBUSY,
 * register_memory_resource() (mm/memory_hotplug.c, under add_memory_driver_managed) EEXIST.
 */
export const ALLOCATION_FAILURE_ERRNOS: readonly Errno[] = ['ENOMEM', 'EBUSY', 'EEXIST'];

/**
 * What a write leaves when it failed on an allocation: the state, and a WARNING it may print. One trace is
 * kernel behaviour the model keeps (divergences.ts): dev_dax_probe() stores its new page map in
 * dev_dax->pgmap before its later allocations (the iomem requests, devm_memremap_pages, cdev_add), and a
 * failure there leaves the pointer stale, so the device's later device_dax probes are EINVAL. Which
 * allocation failed is not visible, so a failed device_dax bind of a dynamic device is taken as stale; a
 * case that goes on binding it deletes it first. A bind hot-adds pages (memremap_pages for device_dax,
 * add_memory for kmem, as kmem's state file does too), and x86's add_pages() WARNs once per boot on any
 * failure of __add_pages (arch/x86/mm/init_64.c: WARN_ON_ONCE(ret)), an allocation failure included.
 */
export function allocationFailed(s: State, op: Op): { next: State; warning?: string } {
  if (op.op !== 'write') return { next: s };
  const warning = 'add_pages: __add_pages failed (arch/x86/mm/init_64.c WARN_ON_ONCE)';
  // kmem's state file hot-adds on any value but unplugged (state_store → dax_kmem_do_hotplug).
  if (op.ref.kind === 'device' && op.ref.attr === 'state') return sysfsStreq(op.value, 'unplugged') ? { next: s } : { next: s, warning };
  if (op.ref.kind !== 'driver' || (op.ref.attr !== 'bind' && op.ref.attr !== 'new_id')) return { next: s };
  const d = s.devices.get(op.value.trim());
  if (op.ref.driver !== 'device_dax' || op.ref.attr !== 'bind' || !d || d.binding !== null || !regionOf(s, d).dynamic) return { next: s, warning };
  return { next: putDevice(s, { ...d, stalePgmap: true }), warning };
}

/** A state a write may leave when the kernel let its failed allocation pass, and why. */
export interface ToleratedFailure {
  id: 'node-link-lost' | 'onlining-stopped';
  reason: string;
  next: State;
}

/**
 * The states besides the ordinary one that a write may leave when one of its allocations failed and it
 * succeeded all the same (fail-nth fails one allocation, so one of these at a time):
 * - add_memory() links each new block to its node in do_register_memory_block_under_node()
 *   (drivers/base/node.c), which logs a failed sysfs_create_link and goes on: one new block lacks its link;
 * - add_memory_resource() (mm/memory_hotplug.c) ignores what onlining its blocks returns, and
 *   walk_memory_blocks() stops at the first block that fails to online (a memory notifier's allocation,
 *   KASAN's shadow among them): that block and the rest of its range stay offline.
 */
export function toleratedFailures(before: State, next: State): ToleratedFailure[] {
  const out: ToleratedFailure[] = [];
  // New blocks come only from kmem's ranges, one add_memory() each.
  for (const d of next.devices.values()) {
    for (const range of d.binding?.driver === 'kmem' ? d.binding.added : []) {
      const run = blockIndices(next, range).filter((i) => !before.blocks.has(i)).map((i) => next.blocks.get(i)!);
      run.forEach((b, k) => {
        if (b.nodeLinked) out.push({ id: 'node-link-lost', reason: `memory${b.index}'s link to its node failed, which do_register_memory_block_under_node() (drivers/base/node.c) lets pass`, next: putBlock(next, { ...b, nodeLinked: false }) });
        if (b.zone !== null) {
          out.push({
            id: 'onlining-stopped',
            reason: `onlining memory${b.index} failed, and add_memory_resource() (mm/memory_hotplug.c) ignores that: it and the rest of its range stay offline`,
            next: run.slice(k).reduce((s, x) => putBlock(s, { ...x, zone: null }), next),
          });
        }
      });
    }
  }
  return out;
}
