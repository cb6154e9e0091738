// What the model needs to know about a guest to start from it: the regions' provider-side facts that sysfs
// does not show (start address, provider, iomem parent), and everything else as the observer reads it.
import type { DaxDriver } from '../abi/attributes.ts';
import type { IomemEntry, ObservedBlock, ObservedDevice, Observation } from './observation.ts';
import type { Provider } from './profiles.ts';
import type { ZoneSpan } from './state.ts';

export interface InventoryRegion {
  /** Sysfs path of the device carrying dax_region/. */
  host: string;
  id: number;
  provider: Provider;
  dynamic: boolean;
  start: bigint;
  /** Inclusive. */
  end: bigint;
  align: bigint;
  /** null when the kernel's value is negative (daxR.N/target_node hidden). */
  targetNode: number | null;
  /** The /proc/iomem resource enclosing the region's `daxR.N` entries (`Soft Reserved`, `region0`, …); null: top level. */
  iomemParent: string | null;
  /** dax_region/seed and dax_region/create; empty for a region fresh from its provider. */
  seed?: string | null;
  youngest?: string | null;
  /** IORESOURCE_DAX_KMEM when it differs from the provider default (hmem with dax_hmem.region_idle=1). */
  kmemDefault?: boolean;
}

export interface ModelInventory {
  regions: InventoryRegion[];
  /** Every device on the bus; the list order stands for the bus registration order. */
  devices: ObservedDevice[];
  /** /sys/devices/system/memory/block_size_bytes */
  blockSize: bigint;
  /** Memory blocks present now that were not present at boot (kmem hot-adds, including leaked ones). */
  blocks: ObservedBlock[];
  memTotalKiB: bigint;
  /** The `daxR.N` and `System RAM (kmem)` lines of /proc/iomem with their parents, in file order. */
  iomem: IomemEntry[];
  driversAutoprobe: boolean;
  /** Driver registration order on the dax bus (module load order); defaults to device_dax, kmem. */
  driverOrder?: DaxDriver[];
  /** Boot zone spans of the nodes dax memory may join (/proc/zoneinfo); defaults to none. */
  bootZoneSpans?: ZoneSpan[];
}

/** Region facts sysfs does not carry (dax_region/ has no start address, provider or iomem parent). */
export interface RegionFacts {
  provider: Provider;
  start: bigint;
  iomemParent: string | null;
  kmemDefault?: boolean;
}

/**
 * An inventory from an observation plus the facts it lacks. A region's target node and host node are read
 * off its devices (every region has at least one: id 0, or the namespace's device).
 */
export function modelInventoryFromObservation(
  obs: Observation,
  regionFacts: ReadonlyMap<string, RegionFacts>,
  machine: { blockSize: bigint; driversAutoprobe: boolean; driverOrder?: DaxDriver[]; bootZoneSpans?: ZoneSpan[] },
): ModelInventory {
  const regions = obs.regions.map((r): InventoryRegion => {
    const facts = regionFacts.get(r.host);
    if (!facts) throw new Error(`no region facts for ${r.host}`);
    const first = obs.devices.find((d) => d.host === r.host);
    if (!first) throw new Error(`region ${r.host} has no device to read its nodes from`);
    return {
      host: r.host,
      id: r.id,
      provider: facts.provider,
      dynamic: r.dynamic !== null,
      start: facts.start,
      end: facts.start + r.size - 1n,
      align: r.align,
      targetNode: first.targetNode,
      iomemParent: facts.iomemParent,
      seed: r.dynamic?.seed ?? null,
      youngest: r.dynamic?.create ?? null,
      ...(facts.kmemDefault === undefined ? {} : { kmemDefault: facts.kmemDefault }),
    };
  });
  return {
    regions,
    devices: obs.devices,
    blockSize: machine.blockSize,
    blocks: obs.memoryBlocks,
    memTotalKiB: obs.memTotalKiB,
    iomem: obs.iomem,
    driversAutoprobe: machine.driversAutoprobe,
    ...(machine.driverOrder ? { driverOrder: machine.driverOrder } : {}),
    ...(machine.bootZoneSpans ? { bootZoneSpans: machine.bootZoneSpans } : {}),
  };
}
