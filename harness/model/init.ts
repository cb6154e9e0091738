// Builds the model's starting state from a guest inventory. Who holds which /proc/iomem resource is
// reconstructed from names and extents: a `daxR.N` with a `System RAM (kmem)` child is kmem memory (the bound
// device's if it matches one of its ranges' block-aligned part, else leaked), one without is device_dax's.
import { parseDeviceName } from '../abi/device-name.ts';
import { kmemByDefault } from '../abi/providers.ts';
import type { InventoryRegion, ModelInventory } from './inventory.ts';
import { type DaxResource, KMEM_RESOURCE_NAME, daxResources } from './iomem.ts';
import { kmemRange } from './kmem.ts';
import { onlineKiB } from './memory.ts';
import type { IomemEntry, ObservedDevice } from './observation.ts';
import { type KernelProfile, vmemmapBytesPerBlock } from './profiles.ts';
import type { Binding, ByteRange, Device, LeakedRange, MemBlock, Region, State } from './state.ts';

const sameExtent = (a: ByteRange, b: ByteRange): boolean => a.start === b.start && a.end === b.end;

function toRegion(r: InventoryRegion, devices: readonly ObservedDevice[], profile: KernelProfile): Region {
  const first = devices.find((d) => d.host === r.host);
  if (!first) throw new Error(`inventory: region ${r.host} has no device (its host node is read off one)`);
  return {
    host: r.host,
    id: r.id,
    provider: r.provider,
    dynamic: r.dynamic,
    kmemDefault: r.kmemDefault ?? kmemByDefault(r.provider, profile.abi),
    start: r.start,
    end: r.end,
    align: r.align,
    targetNode: r.targetNode,
    numaNode: first.numaNode,
    iomemParent: r.iomemParent,
    seed: r.seed ?? null,
    youngest: r.youngest ?? null,
  };
}

function daxEntries(iomem: readonly IomemEntry[]): DaxResource[] {
  const out: DaxResource[] = [];
  for (const e of iomem) {
    if (e.name === KMEM_RESOURCE_NAME) continue;
    const systemRam = iomem.some((c) => c.name === KMEM_RESOURCE_NAME && c.parent === e.name && sameExtent(c, e));
    out.push({ start: e.start, end: e.end, name: e.name, parent: e.parent, systemRam });
  }
  return out;
}

function toBinding(d: ObservedDevice, ranges: readonly ByteRange[], entries: readonly DaxResource[], profile: KernelProfile): Binding | null {
  const mine = entries.filter((e) => e.name === d.name);
  if (d.driver === 'device_dax' || d.driver === 'fsdev_dax') return { driver: d.driver, claimed: mine.filter((e) => !e.systemRam).map(({ start, end }) => ({ start, end })) };
  if (d.driver === 'kmem') {
    // Assumes every range existed at probe (a `mapping` appended later is indistinguishable).
    const usable = ranges.map((r) => kmemRange(r, profile.blockSize)).filter((r): r is ByteRange => r !== null);
    const added = usable.filter((u) => mine.some((e) => e.systemRam && sameExtent(e, u)));
    // Before 7.3 there is no state file; what kmem did at bind is then the online policy of the inventory.
    return { driver: 'kmem', ranges: usable, added, state: d.state ?? (added.length ? profile.autoOnline : 'unplugged') };
  }
  return null;
}

function toDevice(d: ObservedDevice, entries: readonly DaxResource[], profile: KernelProfile): Device {
  const m = parseDeviceName(d.name);
  if (!m) throw new Error(`inventory: device name ${d.name} is not daxR.N`);
  const ranges = d.mappings.map((x) => ({ start: x.start, end: x.end, pgoff: x.pageOffset }));
  return {
    name: d.name,
    host: d.host,
    id: m[1],
    align: d.align,
    ranges,
    binding: toBinding(d, ranges, entries, profile),
    memmapOnMemory: d.memmapOnMemory ?? false,
    numaNode: d.numaNode,
    // A stale page map from a failed probe before the inventory cannot be seen from user space.
    stalePgmap: false,
  };
}

/**
 * The memmap bytes each block at `start` carries: those of the kmem-bound device that added it. Leaked
 * memory's memmap placement is not visible from user space; it is taken as not in the block.
 */
function vmemmapOfBlock(devices: Iterable<Device>, start: bigint, profile: KernelProfile): bigint {
  for (const d of devices) {
    const b = d.binding;
    if (b?.driver === 'kmem' && b.added.some((r) => r.start <= start && start <= r.end)) return vmemmapBytesPerBlock(profile, d.memmapOnMemory);
  }
  return 0n;
}

export function initState(inv: ModelInventory, profile: KernelProfile): State {
  if (inv.blockSize !== profile.blockSize) throw new Error(`inventory block size ${inv.blockSize} differs from the profile's ${profile.blockSize}`);
  const regions = new Map(inv.regions.map((r) => [r.host, toRegion(r, inv.devices, profile)]));
  const entries = daxEntries(inv.iomem);
  const devices = new Map<string, Device>();
  for (const od of inv.devices) {
    if (!regions.has(od.host)) throw new Error(`inventory: ${od.name} belongs to unknown region ${od.host}`);
    devices.set(od.name, toDevice(od, entries, profile));
  }

  const state: State = {
    profile,
    regions,
    devices,
    newIds: { device_dax: new Set(), kmem: new Set(), fsdev_dax: new Set() }, // new_id lists cannot be read back; assumed empty
    driverOrder: inv.driverOrder ?? ['device_dax', 'kmem'],
    autoprobe: inv.driversAutoprobe,
    autoOnline: profile.autoOnline,
    blocks: new Map(),
    leaked: [],
    memTotalBaselineKiB: 0n,
    bootZoneSpans: inv.bootZoneSpans ?? [],
  };
  // Whatever the bindings do not account for must be kmem memory an earlier unbind could not remove.
  const key = (e: DaxResource) => `${e.name} ${e.start} ${e.end} ${e.systemRam}`;
  const held = new Set([...daxResources(state)].map(key));
  const leaked: LeakedRange[] = [];
  for (const e of entries) {
    if (held.has(key(e))) continue;
    if (!e.systemRam) throw new Error(`inventory: iomem ${e.name} ${e.start.toString(16)}-${e.end.toString(16)} is not held by a device_dax- or fsdev_dax-bound device`);
    leaked.push({ start: e.start, end: e.end, name: e.name, parent: e.parent });
  }

  const B = profile.blockSize;
  const blocks = new Map<number, MemBlock>();
  for (const ob of inv.blocks) {
    if (ob.state === 'online' && ob.zone === 'none') throw new Error(`inventory: online memory${ob.index} has no single zone`);
    // Only a write with an injected allocation failure loses a link, and inventories come from fresh boots.
    if (ob.node === null) throw new Error(`inventory: memory${ob.index} has no nodeN link`);
    const start = BigInt(ob.index) * B;
    const vmemmapBytes = vmemmapOfBlock(devices.values(), start, profile);
    blocks.set(ob.index, { index: ob.index, node: ob.node, nodeLinked: true, zone: ob.state === 'online' && ob.zone !== 'none' ? ob.zone : null, vmemmapBytes });
  }

  const withMemory: State = { ...state, blocks, leaked };
  let online = 0n;
  for (const b of blocks.values()) online += onlineKiB(withMemory, b);
  return { ...withMemory, memTotalBaselineKiB: inv.memTotalKiB - online };
}
