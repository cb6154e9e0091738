// Every sysfs file of the dax bus the harness reads or writes, as one table: its mode, when it is visible,
// and how it is read back after every step. The operation types, the recipe schema, the guest helper's
// observation request, the observation parser and the suites all come from here; the model supplies the
// behaviour of each file's show and store.
import type { AbiFeature, KernelAbi } from './kernel.ts';

/** How an observed file's text is read (harness/driver/parse-sysfs.ts has one parser per format). */
export type AttrFormat = 'decimal' | 'int' | 'hex' | 'bool01' | 'devname' | 'line' | 'kmem-state';

export interface AttrDef {
  /** The file mode the kernel gives it; static regions make some device files read-only. */
  readonly mode: number;
  readonly staticMode?: number;
  /** Only dynamic regions (and their devices) have it. */
  readonly dynamicOnly?: boolean;
  /** Only on kernels whose ABI has this. */
  readonly needs?: AbiFeature;
  /** Only while the device is bound to this driver (a driver's dev_groups). */
  readonly whileBound?: 'kmem';
  /** Hidden while the region's NUMA node is negative (dev_dax_visible). */
  readonly hiddenWithoutNode?: boolean;
  /**
   * Writing this value offlines memory in the writer's own context, and offline_pages() (mm/memory_hotplug.c)
   * retries a page it cannot migrate until the writer has a signal pending, "for a long time (or even
   * forever), until aborted by the user" (Documentation/admin-guide/mm/memory-hotplug.rst). The guest helper
   * signals such a write that outlives its patience, as that document's `timeout` does; it then answers EINTR.
   */
  readonly offlinesOn?: string;
  /** Read back after every step: how to read it. Files without it are write-only or not observed. */
  readonly observed?: AttrFormat;
  /** Where the kernel defines it. */
  readonly source: string;
}

/**
 * The dax page sizes an `align` may take: dax_align_valid() in drivers/dax/bus.c on x86_64, where PAGE_SIZE,
 * PMD_SIZE (PSE) and PUD_SIZE (PUD THP) are all available. Also what ndctl -a accepts for a devdax namespace.
 */
export const DAX_ALIGNS: readonly bigint[] = [4n << 10n, 2n << 20n, 1n << 30n];

export const REGION_ATTRS = {
  id: { mode: 0o444, observed: 'int', source: 'id_show (drivers/dax/bus.c)' },
  size: { mode: 0o444, observed: 'decimal', source: 'region_size_show' },
  align: { mode: 0o400, observed: 'decimal', source: 'region_align_show' },
  available_size: { mode: 0o444, dynamicOnly: true, observed: 'decimal', source: 'available_size_show; dax_region_visible hides it on static regions' },
  seed: { mode: 0o444, dynamicOnly: true, observed: 'devname', source: 'seed_show' },
  create: { mode: 0o644, dynamicOnly: true, observed: 'devname', source: 'create_show/create_store' },
  delete: { mode: 0o200, dynamicOnly: true, source: 'delete_store' },
} as const satisfies Record<string, AttrDef>;

export const DEVICE_ATTRS = {
  size: { mode: 0o644, staticMode: 0o444, observed: 'decimal', source: 'size_show/size_store; dev_dax_visible makes it 0444 on static regions' },
  align: { mode: 0o644, staticMode: 0o444, observed: 'decimal', source: 'align_show/align_store' },
  mapping: { mode: 0o200, dynamicOnly: true, source: 'mapping_store' },
  target_node: { mode: 0o444, hiddenWithoutNode: true, observed: 'int', source: 'target_node_show; dev_dax_visible hides it when the node is < 0' },
  numa_node: { mode: 0o444, observed: 'int', source: 'numa_node_show' },
  resource: { mode: 0o400, observed: 'hex', source: 'resource_show' },
  modalias: { mode: 0o444, observed: 'line', source: 'modalias_show' },
  memmap_on_memory: { mode: 0o644, needs: 'memmapOnMemoryAttr', observed: 'bool01', source: 'memmap_on_memory_show/store (v6.8)' },
  state: { mode: 0o644, needs: 'kmemState', whileBound: 'kmem', observed: 'kmem-state', offlinesOn: 'unplugged', source: 'drivers/dax/kmem.c state_show/state_store (kmem dev_groups, v7.3); unplugged → offline_and_remove_memory_ranges' },
} as const satisfies Record<string, AttrDef>;

export const MAPPING_ATTRS = {
  start: { mode: 0o400, observed: 'hex', source: 'start_show (dax_mapping_attributes)' },
  end: { mode: 0o400, observed: 'hex', source: 'end_show' },
  page_offset: { mode: 0o400, observed: 'hex', source: 'pgoff_show' },
} as const satisfies Record<string, AttrDef>;

export const DRIVER_ATTRS = {
  bind: { mode: 0o200, source: 'bind_store (drivers/base/bus.c)' },
  unbind: { mode: 0o200, source: 'unbind_store' },
  new_id: { mode: 0o200, source: 'new_id_store → do_id_store (drivers/dax/bus.c)' },
  remove_id: { mode: 0o200, source: 'remove_id_store → do_id_store' },
} as const satisfies Record<string, AttrDef>;

export const BUS_ATTRS = {
  drivers_autoprobe: { mode: 0o644, source: 'drivers_autoprobe_show/store (drivers/base/bus.c)' },
  drivers_probe: { mode: 0o200, source: 'drivers_probe_store' },
} as const satisfies Record<string, AttrDef>;

/** A memory block's file the harness writes (drivers/base/memory.c), beside the dax bus's own. */
export const MEMORY_BLOCK_ATTRS = {
  state: { mode: 0o644, offlinesOn: 'offline', source: 'state_store → device_offline → offline_pages (drivers/base/memory.c)' },
} as const satisfies Record<string, AttrDef>;

export type RegionAttr = keyof typeof REGION_ATTRS;
export type DeviceAttr = keyof typeof DEVICE_ATTRS;
export type MappingAttr = keyof typeof MAPPING_ATTRS;
export type DriverAttr = keyof typeof DRIVER_ATTRS;
export type BusAttr = keyof typeof BUS_ATTRS;

const keys = <T extends object>(o: T) => Object.keys(o) as (keyof T)[];
export const REGION_ATTR_NAMES = keys(REGION_ATTRS);
export const DEVICE_ATTR_NAMES = keys(DEVICE_ATTRS);
export const MAPPING_ATTR_NAMES = keys(MAPPING_ATTRS);
export const DRIVER_ATTR_NAMES = keys(DRIVER_ATTRS);
export const BUS_ATTR_NAMES = keys(BUS_ATTRS);

/** The names of a table's files that are read back after every step. */
export type ObservedName<T> = { [K in keyof T]: T[K] extends { observed: AttrFormat } ? K : never }[keyof T] & string;

/** The observed files of a table, in table order: what the guest helper is asked to read. */
export function observedNames<T extends Record<string, AttrDef>>(table: T): ObservedName<T>[] {
  return (Object.keys(table) as ObservedName<T>[]).filter((k) => table[k]!.observed !== undefined);
}

/** Whether an attribute file exists, and its mode (dax_region_visible, dev_dax_visible, driver dev_groups). */
export function visibleMode(def: AttrDef, where: { dynamic: boolean; abi: KernelAbi; boundTo?: string | null; hasNode?: boolean }): number | null {
  if (def.dynamicOnly && !where.dynamic) return null;
  if (def.needs && !where.abi[def.needs]) return null;
  if (def.whileBound && where.boundTo !== def.whileBound) return null;
  if (def.hiddenWithoutNode && where.hasNode === false) return null;
  return !where.dynamic && def.staticMode !== undefined ? def.staticMode : def.mode;
}

/** The drivers on the dax bus. `type`: the region type it matches by (dax_match_type); fsdev matches none. */
export const DAX_DRIVERS = {
  device_dax: { module: 'device_dax', type: 'device', source: 'drivers/dax/device.c' },
  kmem: { module: 'kmem', type: 'kmem', source: 'drivers/dax/kmem.c' },
  fsdev_dax: { module: 'fsdev_dax', type: 'fsdev', needs: 'fsdevDriver', source: 'drivers/dax/fsdev.c (DAXDRV_FSDEV_TYPE)' },
} as const satisfies Record<string, { module: string; type: string; needs?: AbiFeature; source: string }>;

export type DaxDriver = keyof typeof DAX_DRIVERS;
export const DAX_DRIVER_NAMES = keys(DAX_DRIVERS);

/** kmem's state values (mhp_online_type_to_str, and "unplugged" for nothing hot-added). */
export const KMEM_STATES = ['unplugged', 'offline', 'online', 'online_kernel', 'online_movable'] as const;
export type KmemState = (typeof KMEM_STATES)[number];
