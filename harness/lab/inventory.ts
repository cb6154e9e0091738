// What came up in a provisioned guest, typed: the regions with their provider and address range, the
// devices, the memory facts. Built once after provisioning; the model starts from it and resets return to it.
import { parseProcModules, parseZoneinfo, type IomemResource, type ZoneinfoSpan } from '../driver/parse-sysfs.ts';
import type { InventoryRegion as ModelInventoryRegion, Provider } from '../model/index.ts';
import type { DaxDriver } from '../model/ops.ts';
import type { InventoryFacts } from '../driver/wire.ts';
import type { ObservedDevice, Observation, OnlinePolicy } from '../model/observation.ts';
import type { Capabilities } from './capabilities.ts';

export type { Provider };

/** The model's region facts, plus the size as dax_region/size reports it. */
export interface InventoryRegion extends ModelInventoryRegion {
  size: bigint;
}

export interface Inventory {
  release: string;
  regions: InventoryRegion[];
  devices: ObservedDevice[];
  observation: Observation;
  blockSize: bigint;
  autoOnline: OnlinePolicy;
  bootBlocks: ReadonlySet<number>;
  mhpMemmapOnMemory: Capabilities['mhpMemmapOnMemory'];
  /** Zone spans of boot memory, which decide the zone hot-added memory next to them joins. */
  zoneSpans: ZoneinfoSpan[];
  /** dax drivers in registration order (built-in first, then module load order): the order probing tries them. */
  driverOrder: DaxDriver[];
}

/** One guest command for what sysfs does not show: boot zone spans and module load order. */
export const MACHINE_PROBE = 'cat /proc/zoneinfo; echo @@modules; cat /proc/modules; echo @@builtin; cat /lib/modules/$(uname -r)/modules.builtin';

export function parseMachineProbe(text: string): { zoneSpans: ZoneinfoSpan[]; driverOrder: DaxDriver[] } {
  const [zoneinfo = '', rest = ''] = text.split('@@modules\n');
  const [modules = '', builtin = ''] = rest.split('@@builtin\n');
  const isBuiltin = (m: string) => new RegExp(`/${m}\\.ko`).test(builtin);
  const loaded = parseProcModules(modules);
  const position = (d: DaxDriver) => (isBuiltin(d) ? -1 : loaded.indexOf(d) === -1 ? Infinity : loaded.indexOf(d));
  const driverOrder = (['device_dax', 'kmem'] as const).filter((d) => position(d) !== Infinity).sort((a, b) => position(a) - position(b));
  return { zoneSpans: parseZoneinfo(zoneinfo), driverOrder };
}

/** The provider is written in the host's sysfs path: the device that carries dax_region/. */
export function providerOf(host: string): Provider {
  if (/\/hmem\.\d+$/.test(host)) return 'hmem';
  if (/\/dax_region\d+$/.test(host)) return 'cxl';
  if (/\/ndbus\d+\//.test(host)) {
    if (/ACPI0017|nvdimm-bridge/.test(host)) return 'cxl-pmem';
    if (/e820_pmem/.test(host)) return 'pmem';
    if (/ACPI0012/.test(host)) return 'nvdimm';
  }
  throw new Error(`cannot tell which provider owns dax region host ${host}`);
}

const DAX_NAME = /^dax\d+\.\d+$/;

/**
 * A region's range is not in sysfs. A zero-size device of a dynamic region reports the region start as its
 * resource; otherwise the region is the /proc/iomem resource of exactly its size that holds its devices
 * (Soft Reserved for hmem, regionN for CXL, the device's own entry for a static pmem region).
 */
export function regionRange(region: { host: string; size: bigint; dynamic: boolean }, devices: readonly ObservedDevice[], iomem: readonly IomemResource[]): { start: bigint; end: bigint; iomemParent: string } {
  const mine = devices.filter((d) => d.host === region.host);
  const anchor = mine.flatMap((d) => d.mappings.map((m) => m.start))[0];
  const matches = anchor === undefined ? [] : iomem.filter((r) => r.end - r.start + 1n === region.size && r.start <= anchor && anchor <= r.end);
  // Several resources can span exactly the region (6.1 nests Soft Reserved inside hmem.N, and kmem puts
  // System RAM (kmem) inside the dax entry): the innermost one above the dax entries is where they hang; a
  // static region may only have its dax entry.
  const aboveDax = (r: IomemResource) => !DAX_NAME.test(r.name) && !r.ancestors.some((a) => DAX_NAME.test(a));
  const container = matches.filter(aboveDax).sort((a, b) => b.ancestors.length - a.ancestors.length)[0];
  if (container) return { start: container.start, end: container.end, iomemParent: container.name };
  const daxEntry = matches[0];
  if (daxEntry) return { start: daxEntry.start, end: daxEntry.end, iomemParent: daxEntry.ancestors.at(-1) ?? '' };
  const empty = region.dynamic ? mine.find((d) => d.size === 0n) : undefined;
  if (empty) {
    const container = iomem.filter((r) => r.start <= empty.resource && empty.resource + region.size - 1n <= r.end).at(-1);
    return { start: empty.resource, end: empty.resource + region.size - 1n, iomemParent: container?.name ?? '' };
  }
  throw new Error(`cannot find the address range of dax region ${region.host} (size ${region.size}) in /proc/iomem`);
}

export function buildInventory(obs: Observation, facts: InventoryFacts, caps: Capabilities, machine: { zoneSpans: ZoneinfoSpan[]; driverOrder: DaxDriver[] }): Inventory {
  const regions = obs.regions.map((r): InventoryRegion => {
    const dynamic = r.dynamic !== null;
    const range = regionRange({ host: r.host, size: r.size, dynamic }, obs.devices, facts.iomem);
    const targetNode = obs.devices.find((d) => d.host === r.host)?.targetNode ?? null;
    return { host: r.host, id: r.id, provider: providerOf(r.host), dynamic, size: r.size, align: r.align, targetNode, ...range };
  });
  return {
    release: caps.release,
    regions,
    devices: obs.devices,
    observation: obs,
    blockSize: facts.blockSizeBytes,
    autoOnline: facts.autoOnline,
    bootBlocks: facts.bootBlocks,
    mhpMemmapOnMemory: caps.mhpMemmapOnMemory,
    ...machine,
  };
}
