// The model's picture of the dax bus and of the memory kmem hot-added. Immutable: every update returns a new
// State that shares everything it did not touch, so `apply` never mutates its input and costs O(objects
// touched), not O(state).
import type { DaxDriver, KmemState } from '../abi/attributes.ts';
import type { OnlinePolicy, Zone } from './observation.ts';
import { sysfsStreq } from './parse.ts';
import type { KernelProfile, Provider } from './profiles.ts';

/** A physical byte range, `end` inclusive (as sysfs and /proc/iomem print it). */
export interface ByteRange {
  readonly start: bigint;
  readonly end: bigint;
}

/** One extent of a device: `pgoff` is its offset inside the device in pages. */
export interface DevRange extends ByteRange {
  readonly pgoff: bigint;
}

export interface Region {
  /** Sysfs path of the device carrying dax_region/ (the region's key). */
  readonly host: string;
  readonly id: number;
  readonly provider: Provider;
  /** !IORESOURCE_DAX_STATIC: devices can be created, resized and deleted. */
  readonly dynamic: boolean;
  /** IORESOURCE_DAX_KMEM: kmem is the type-matching driver (6.3+). */
  readonly kmemDefault: boolean;
  readonly start: bigint;
  readonly end: bigint;
  readonly align: bigint;
  /** null when the kernel's value is negative (NUMA_NO_NODE): target_node is hidden and kmem refuses. */
  readonly targetNode: number | null;
  /** The host's node, which devices inherit at device_add(). */
  readonly numaNode: number;
  /** Name of the /proc/iomem resource that encloses the region's dax entries; null when they are top-level. */
  readonly iomemParent: string | null;
  readonly seed: string | null;
  readonly youngest: string | null;
}

/** What a bound driver holds. */
export type Binding =
  /** device_dax and fsdev_dax requested one busy `daxR.N` resource per range that existed at probe. */
  | { readonly driver: 'device_dax' | 'fsdev_dax'; readonly claimed: readonly ByteRange[] }
  | {
      readonly driver: 'kmem';
      /** The block-aligned part of each range the device had at probe: kmem's per-range slots (data->res). */
      readonly ranges: readonly ByteRange[];
      /** The ranges hot-added now (each a `daxR.N` ⊃ `System RAM (kmem)` pair). */
      readonly added: readonly ByteRange[];
      /** What kmem last did (its `state` file, 7.3+): the online type it hot-added with, or unplugged. */
      readonly state: KmemState;
    };

export interface Device {
  readonly name: string;
  readonly host: string;
  readonly id: number;
  readonly align: bigint;
  readonly ranges: readonly DevRange[];
  readonly binding: Binding | null;
  readonly memmapOnMemory: boolean;
  readonly numaNode: number;
  /**
   * A device_dax probe of this dynamic device failed after setting dev_dax->pgmap, and no probe has
   * succeeded since. On a kernel with that bug (bugs.ts) the devm-freed pointer stays behind, so every later
   * device_dax probe fails EINVAL until the device is deleted; intended, it is harmless.
   */
  readonly stalePgmap: boolean;
}

export type OnlineZone = Exclude<Zone, 'none'>;

export interface MemBlock {
  readonly index: number;
  readonly node: number;
  /** Whether memoryN shows its nodeN link; false once the kernel failed to create it (ObservedBlock.node). */
  readonly nodeLinked: boolean;
  /** null while offline. */
  readonly zone: OnlineZone | null;
  /** Bytes of the block holding its own memmap (memmap_on_memory), which never count as RAM. */
  readonly vmemmapBytes: bigint;
}

/** kmem memory that an unbind could not remove (a block was online): it stays until reboot. */
export interface LeakedRange extends ByteRange {
  /** The `daxR.N` resource name it was added under. */
  readonly name: string;
  readonly parent: string | null;
}

/** A zone's span on a node from boot memory (/proc/zoneinfo), which hot-added memory may fall inside. */
export interface ZoneSpan extends ByteRange {
  readonly node: number;
  readonly zone: OnlineZone;
}

export interface State {
  readonly profile: KernelProfile;
  readonly regions: ReadonlyMap<string, Region>;
  /** In bus registration order (the order driver_attach walks them). */
  readonly devices: ReadonlyMap<string, Device>;
  readonly newIds: Readonly<Record<DaxDriver, ReadonlySet<string>>>;
  /** Driver registration order on the bus (the order device_attach tries them). */
  readonly driverOrder: readonly DaxDriver[];
  readonly autoprobe: boolean;
  readonly autoOnline: OnlinePolicy;
  /** Memory blocks kmem hot-added (including leaked ones), by index. */
  readonly blocks: ReadonlyMap<number, MemBlock>;
  readonly leaked: readonly LeakedRange[];
  /** MemTotal without the model's online blocks. */
  readonly memTotalBaselineKiB: bigint;
  readonly bootZoneSpans: readonly ZoneSpan[];
}

export const rangeLength = (r: ByteRange): bigint => r.end - r.start + 1n;

export function deviceSize(d: Device): bigint {
  let size = 0n;
  for (const r of d.ranges) size += rangeLength(r);
  return size;
}

export const overlaps = (a: ByteRange, b: ByteRange): boolean => a.start <= b.end && b.start <= a.end;

export function regionOf(s: State, d: Device): Region {
  const r = s.regions.get(d.host);
  if (!r) throw new Error(`model state: ${d.name} belongs to unknown region ${d.host}`);
  return r;
}

export function devicesOf(s: State, host: string): Device[] {
  const out: Device[] = [];
  for (const d of s.devices.values()) if (d.host === host) out.push(d);
  return out;
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V | undefined): ReadonlyMap<K, V> {
  const next = new Map(map);
  if (value === undefined) next.delete(key);
  else next.set(key, value);
  return next;
}

export const putDevice = (s: State, d: Device): State => ({ ...s, devices: withEntry(s.devices, d.name, d) });
export const dropDevice = (s: State, name: string): State => ({ ...s, devices: withEntry(s.devices, name, undefined) });
export const putRegion = (s: State, r: Region): State => ({ ...s, regions: withEntry(s.regions, r.host, r) });
export const putBlock = (s: State, b: MemBlock): State => ({ ...s, blocks: withEntry(s.blocks, b.index, b) });

export function dropBlocks(s: State, indices: readonly number[]): State {
  const blocks = new Map(s.blocks);
  for (const i of indices) blocks.delete(i);
  return { ...s, blocks };
}

/** bus_find_device_by_name / device_find_child_by_name: sysfs_streq over device names. */
export function findDeviceByName(devices: Iterable<Device>, name: string): Device | undefined {
  for (const d of devices) if (sysfsStreq(d.name, name)) return d;
  return undefined;
}
