// The page-mapping drivers' probes: device_dax (drivers/dax/device.c) and fsdev_dax (drivers/dax/fsdev.c).
// Their remove always succeeds and only releases what probe took.
import { bugOn } from './bugs.ts';
import { iomemBusy } from './iomem.ts';
import { fail, ok, type OpResult } from './ops.ts';
import { type Device, type State, deviceSize, putDevice, rangeLength, regionOf } from './state.ts';
import type { ProbeOutcome } from './step.ts';

const PAGES_PER_SUBSECTION = 512n;

/** check_pfn_span() under SPARSEMEM_VMEMMAP: start pfn and page count must be whole subsections. */
function subsectionAligned(start: bigint, length: bigint): boolean {
  return ((start >> 12n) | (length >> 12n)) % PAGES_PER_SUBSECTION === 0n;
}

/**
 * dev_dax_probe() and fsdev_dax_probe() (drivers/dax/fsdev.c, 7.1+), which check the same things in the same
 * order. Static devices use the provider's page map (one range only), which the provider already mapped
 * once, so only the iomem request can fail. A dynamic device gets a new devm page map. device_dax stores it
 * in dev_dax->pgmap before anything can fail, and a failure frees it without clearing the pointer: the device
 * is marked stale (see State), and on a kernel with that bug every later device_dax or fsdev probe is EINVAL
 * ("dynamic-dax with pre-populated page map"). Intended, as fsdev does it since "dax/fsdev: don't leave a
 * dangling dev_dax->pgmap on probe failure", the pointer is set only once everything succeeded, and a later
 * probe starts afresh. Then every range is requested (conflict → EBUSY) and memremapped
 * (misaligned → EINVAL with WARNINGs from __add_pages and add_pages). Not modelled: pagemap_range's
 * "Conflicting mapping in same section" (ENOMEM), reachable only with ranges that share a page, i.e.
 * `mapping` writes at sub-page addresses.
 */
function mapPages(s: State, d: Device, driver: 'device_dax' | 'fsdev_dax'): ProbeOutcome {
  const region = regionOf(s, d);
  if (!region.dynamic && d.ranges.length > 1) return { ok: false, errno: 'EINVAL', next: s };
  if (region.dynamic && d.stalePgmap && bugOn(s, 'device-dax-probe-keeps-stale-pgmap')) return { ok: false, errno: 'EINVAL', next: s };
  const poisons = driver === 'device_dax' && region.dynamic;
  const failed = (errno: 'EBUSY' | 'EINVAL', warning?: string): ProbeOutcome => ({
    ok: false,
    errno,
    next: poisons ? putDevice(s, { ...d, stalePgmap: true }) : s,
    ...(warning === undefined ? {} : { warning }),
  });
  if (d.ranges.some((r) => iomemBusy(s, r))) return failed('EBUSY');
  const misaligned = region.dynamic ? d.ranges.find((r) => !subsectionAligned(r.start, rangeLength(r))) : undefined;
  if (misaligned) {
    const pfn = misaligned.start >> 12n;
    const last = pfn + (rangeLength(misaligned) >> 12n) - 1n;
    return failed('EINVAL', `WARNING in __add_pages: Misaligned __add_pages start: 0x${pfn.toString(16)} end: 0x${last.toString(16)}`);
  }
  const claimed = d.ranges.map((r) => ({ start: r.start, end: r.end }));
  return { ok: true, next: putDevice(s, { ...d, stalePgmap: false, binding: { driver, claimed } }) };
}

export const devdaxProbe = (s: State, d: Device): ProbeOutcome => mapPages(s, d, 'device_dax');
export const fsdevProbe = (s: State, d: Device): ProbeOutcome => mapPages(s, d, 'fsdev_dax');

/**
 * open + mmap(length, MAP_SHARED, read/write) + a write to the first and last byte of /dev/daxX.Y
 * (drivers/dax/device.c): the node opens only while device_dax (or fsdev_dax) has added its cdev
 * (chrdev_open: ENXIO), and
 * check_vma() refuses a mapping whose ends are not aligned to the device's align (EINVAL;
 * dax_get_unmapped_area places it aligned). A fault past the device's size finds no range
 * (dax_pgoff_to_phys) and is SIGBUS, which the helper answers EFAULT. A deleted device has no node.
 */
export function mmapResult(s: State, name: string, length: bigint): OpResult {
  const d = s.devices.get(name);
  if (!d) return fail('ENOENT');
  // fsdev_dax's cdev opens (fsdev_open) but has no mmap, which do_mmap() answers ENODEV (drivers/dax/fsdev.c fsdev_fops).
  if (d.binding?.driver === 'fsdev_dax') return fail('ENODEV');
  if (d.binding?.driver !== 'device_dax') return fail('ENXIO');
  if (length % d.align !== 0n) return fail('EINVAL');
  return length > deviceSize(d) ? fail('EFAULT') : ok();
}
