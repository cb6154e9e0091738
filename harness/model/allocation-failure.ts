// What a write whose Nth slab allocation failed (Op.failNth: the task's fail-nth, lib/fault-inject.c,
// through failslab, the way syzkaller drives these paths) may do. Either the kernel copes and the write
// does what it would have (the ordinary prediction), or it fails and leaves no trace.
import type { Errno } from './errno.ts';
import type { Op } from './ops.ts';
import { type State, putDevice, regionOf } from './state.ts';

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
 * add_memory for kmem), and x86's add_pages() WARNs once per boot on any failure of __add_pages
 * (arch/x86/mm/init_64.c: WARN_ON_ONCE(ret)), an allocation failure included.
 */
export function allocationFailed(s: State, op: Op): { next: State; warning?: string } {
  if (op.op !== 'write' || op.ref.kind !== 'driver' || (op.ref.attr !== 'bind' && op.ref.attr !== 'new_id')) return { next: s };
  const warning = 'add_pages: __add_pages failed (arch/x86/mm/init_64.c WARN_ON_ONCE)';
  const d = s.devices.get(op.value.trim());
  if (op.ref.driver !== 'device_dax' || op.ref.attr !== 'bind' || !d || d.binding !== null || !regionOf(s, d).dynamic) return { next: s, warning };
  return { next: putDevice(s, { ...d, stalePgmap: true }), warning };
}

/**
 * The states besides the ordinary one that a write may leave when one of its allocations failed and it
 * succeeded all the same: failures the kernel lets pass. add_memory() links each new block to its node in
 * do_register_memory_block_under_node() (drivers/base/node.c), which logs a failed sysfs_create_link and goes
 * on, so one block the write added may lack its nodeN link. fail-nth fails one allocation, so one block.
 */
export function toleratedFailures(before: State, next: State): State[] {
  const added = [...next.blocks.values()].filter((b) => b.nodeLinked && !before.blocks.has(b.index));
  return added.map((b) => ({ ...next, blocks: new Map(next.blocks).set(b.index, { ...b, nodeLinked: false }) }));
}
