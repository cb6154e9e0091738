// A region's dax_region/ attribute files: create/delete of devices in dynamic regions, the seed and youngest
// bookkeeping, and the read-only size/align/id/available_size.
import { availableSize, lowestFreeId } from './allocator.ts';
import { REGION_ATTRS, visibleMode } from '../abi/attributes.ts';
import type { RegionAttr } from './ops.ts';
import { kstrtoint } from './parse.ts';
import { type Device, type Region, type State, deviceSize, devicesOf, dropDevice, findDeviceByName, putDevice, putRegion } from './state.ts';
import { type Step, refuse, succeed } from './step.ts';
import { type Attr, line } from './sysfs.ts';

/**
 * create_store: exactly 1, and only while the region has free space. The new device has size 0, so the
 * probe device_add triggers fails ENXIO silently; it becomes the seed only if there is none.
 */
function storeCreate(s: State, r: Region, input: string): Step {
  const v = kstrtoint(input, 0);
  if (!v.ok) return refuse(s, v.errno);
  if (v.value !== 1) return refuse(s, 'EINVAL');
  if (availableSize(s, r) === 0n) return refuse(s, 'ENOSPC');
  return succeed(addCreatedDevice(s, r, lowestFreeId(s, r.host)));
}

/** What a successful create_store leaves: a size-0 device with id `id`, the seed if there is none, the youngest. */
export function addCreatedDevice(s: State, r: Region, id: number): State {
  const d: Device = {
    name: `dax${r.id}.${id}`,
    host: r.host,
    id,
    align: r.align,
    ranges: [],
    binding: null,
    memmapOnMemory: false,
    numaNode: r.numaNode,
    stalePgmap: false,
  };
  return putRegion(putDevice(s, d), { ...r, seed: r.seed ?? d.name, youngest: d.name });
}

/** delete_store: a child of this host, unbound, size 0 and not id 0; seed/youngest pointing at it are cleared. */
function storeDelete(s: State, r: Region, input: string): Step {
  const victim = findDeviceByName(devicesOf(s, r.host), input);
  if (!victim) return refuse(s, 'ENXIO');
  if (victim.binding !== null || deviceSize(victim) !== 0n || victim.id === 0) return refuse(s, 'EBUSY');
  const clear = (x: string | null) => (x === victim.name ? null : x);
  return succeed(putRegion(dropDevice(s, victim.name), { ...r, seed: clear(r.seed), youngest: clear(r.youngest) }));
}

const REGION_FILES: Record<RegionAttr, (s: State, r: Region) => Pick<Attr, 'show' | 'store'>> = {
  id: (_s, r) => ({ show: () => line(r.id) }),
  size: (_s, r) => ({ show: () => line(r.end - r.start + 1n) }),
  align: (_s, r) => ({ show: () => line(r.align) }),
  available_size: (s, r) => ({ show: () => line(availableSize(s, r)) }),
  seed: (_s, r) => ({ show: () => line(r.seed ?? '') }),
  create: (s, r) => ({ show: () => line(r.youngest ?? ''), store: (v) => storeCreate(s, r, v) }),
  delete: (s, r) => ({ store: (v) => storeDelete(s, r, v) }),
};

/** dax_region_visible(): static regions show only id, size and align (harness/abi/attributes.ts). */
export function regionAttr(s: State, r: Region, attr: RegionAttr): Attr | null {
  const mode = visibleMode(REGION_ATTRS[attr], { dynamic: r.dynamic, abi: s.profile.abi });
  return mode === null ? null : { mode, ...REGION_FILES[attr](s, r) };
}
