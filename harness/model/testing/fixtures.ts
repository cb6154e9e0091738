// Test-only builders: guests described by their regions (an hmem-like or CXL-like dynamic region, a static
// pmem region), turned into the inventory a real guest would show and then into a model state. Nothing here is
// tied to one topology or device name; every address and size is a parameter.
import { apply } from '../apply.ts';
import { initState } from '../init.ts';
import type { InventoryRegion, ModelInventory } from '../inventory.ts';
import type { IomemEntry, ObservedBlock, ObservedDevice, OnlinePolicy } from '../observation.ts';
import type { AttrRef, DaxDriver, DeviceAttr, DriverAttr, MappingAttr, Op, OpResult, RegionAttr } from '../ops.ts';
import { PROVIDERS } from '../../abi/providers.ts';
import { type MemmapOnMemoryParam, type Provider, profileFor } from '../profiles.ts';
import type { State, ZoneSpan } from '../state.ts';
import type { Step } from '../step.ts';

export const KiB = 1024n;
export const MiB = 1024n * KiB;
export const GiB = 1024n * MiB;
export const R612 = '6.12.117+deb12-amd64';
export const R61 = '6.1.0-56-amd64';

export interface RegionSpec {
  provider: Provider;
  id: number;
  start: bigint;
  size: bigint;
  align?: bigint;
  /** null: no NUMA node (target_node hidden). Default 1. */
  targetNode?: number | null;
  /** The host's node. Default 0. */
  numaNode?: number;
  /** 'full': device R.0 (or R.<staticId>) covers the region; 'empty': size 0 (hmem region_idle). */
  initial?: 'full' | 'empty';
  driver?: DaxDriver | null;
  memmapOnMemory?: boolean;
  host?: string;
  /** null: top-level in /proc/iomem (7.0+ hmem). */
  iomemParent?: string | null;
  /** Static regions: the namespace index that names the device. */
  staticId?: number;
  kmemDefault?: boolean;
}

export interface MachineFacts {
  release?: string;
  blockSize?: bigint;
  memmapOnMemoryParam?: MemmapOnMemoryParam;
  autoOnline?: OnlinePolicy;
  memoryHotremove?: boolean;
  bootMemTotalKiB?: bigint;
  bootZoneSpans?: ZoneSpan[];
  driverOrder?: DaxDriver[];
}

const isStatic = (p: Provider) => !PROVIDERS[p].dynamic;
const defaultParent: Record<Provider, (id: number) => string> = {
  hmem: () => 'Soft Reserved',
  'cxl-ram': (id) => `region${id}`,
  'legacy-pmem': () => 'Persistent Memory (legacy)',
  nvdimm: () => 'Persistent Memory',
  'cxl-pmem': () => 'Persistent Memory',
};

export const hostOf = (spec: RegionSpec): string => spec.host ?? `/sys/devices/test/${spec.provider}${spec.id}`;
export const deviceName = (spec: RegionSpec): string => `dax${spec.id}.${isStatic(spec.provider) ? (spec.staticId ?? 0) : 0}`;

/** An hmem-like region: dynamic, kmem by default, memmap_on_memory 0, under Soft Reserved. */
export const hmem = (o: Partial<RegionSpec> & { start: bigint; size: bigint }): RegionSpec => ({ provider: 'hmem', id: 0, driver: 'kmem', ...o });
/** A CXL RAM region: dynamic, kmem by default, memmap_on_memory 1, under its CXL region resource. */
export const cxl = (o: Partial<RegionSpec> & { start: bigint; size: bigint }): RegionSpec => ({ provider: 'cxl-ram', id: 0, driver: 'kmem', memmapOnMemory: true, ...o });
/** A static legacy pmem region: one device covering it, bound to device_dax. */
export const pmem = (o: Partial<RegionSpec> & { start: bigint; size: bigint }): RegionSpec => ({ provider: 'legacy-pmem', id: 0, driver: 'device_dax', ...o });

/** The inventory a guest with these regions shows right after the providers probed. */
export function inventoryFor(specs: readonly RegionSpec[], m: MachineFacts = {}): ModelInventory {
  const blockSize = m.blockSize ?? 128n * MiB;
  const regions: InventoryRegion[] = [];
  const devices: ObservedDevice[] = [];
  const iomem: IomemEntry[] = [];
  const blocks: ObservedBlock[] = [];
  let onlineKiB = 0n;
  for (const spec of specs) {
    const host = hostOf(spec);
    const end = spec.start + spec.size - 1n;
    const targetNode = spec.targetNode === undefined ? 1 : spec.targetNode;
    const parent = spec.iomemParent === undefined ? defaultParent[spec.provider](spec.id) : spec.iomemParent;
    const full = (spec.initial ?? 'full') === 'full';
    const ks = ((spec.start + blockSize - 1n) / blockSize) * blockSize;
    const ke = ((end + 1n) / blockSize) * blockSize - 1n;
    // The provider's probe of kmem fails (and leaves the device unbound) when no whole block fits.
    const driver = full && !(spec.driver === 'kmem' && (ks >= ke || targetNode === null)) ? (spec.driver ?? null) : null;
    const name = deviceName(spec);
    regions.push({ host, id: spec.id, provider: spec.provider, dynamic: !isStatic(spec.provider), start: spec.start, end, align: spec.align ?? 2n * MiB, targetNode, iomemParent: parent, ...(spec.kmemDefault === undefined ? {} : { kmemDefault: spec.kmemDefault }) });
    devices.push({
      name,
      host,
      size: full ? spec.size : 0n,
      align: spec.align ?? 2n * MiB,
      targetNode,
      numaNode: spec.numaNode ?? 0,
      resource: spec.start,
      modalias: 'dax:t0',
      memmapOnMemory: spec.memmapOnMemory ?? false,
      state: null,
      driver,
      mappings: full ? [{ start: spec.start, end, pageOffset: 0n }] : [],
    });
    if (driver === 'device_dax') iomem.push({ start: spec.start, end, name, parent });
    if (driver === 'kmem') {
      iomem.push({ start: ks, end: ke, name, parent }, { start: ks, end: ke, name: 'System RAM (kmem)', parent: name });
      const policy = m.autoOnline ?? 'online';
      for (let a = ks; a < ke; a += blockSize) {
        const online = policy !== 'offline';
        blocks.push({ index: Number(a / blockSize), state: online ? 'online' : 'offline', node: targetNode ?? 0, zone: online ? (policy === 'online_movable' ? 'Movable' : 'Normal') : 'none' });
        if (online) onlineKiB += blockSize / KiB;
      }
    }
  }
  iomem.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  return {
    regions,
    devices,
    blockSize,
    blocks,
    memTotalKiB: (m.bootMemTotalKiB ?? 2n * GiB / KiB) + onlineKiB,
    iomem,
    driversAutoprobe: true,
    ...(m.driverOrder ? { driverOrder: m.driverOrder } : {}),
    ...(m.bootZoneSpans ? { bootZoneSpans: m.bootZoneSpans } : {}),
  };
}

export function stateFor(specs: readonly RegionSpec[], m: MachineFacts = {}): State {
  const profile = profileFor(m.release ?? R612, {
    memmapOnMemoryParam: m.memmapOnMemoryParam ?? 'N',
    blockSize: m.blockSize ?? 128n * MiB,
    autoOnline: m.autoOnline ?? 'online',
    ...(m.memoryHotremove === undefined ? {} : { memoryHotremove: m.memoryHotremove }),
  });
  return initState(inventoryFor(specs, m), profile);
}

// ---- op builders --------------------------------------------------------------------------------------------

export const regionRef = (spec: RegionSpec | string, attr: RegionAttr): AttrRef => ({ kind: 'region', host: typeof spec === 'string' ? spec : hostOf(spec), attr });
export const devRef = (device: string, attr: DeviceAttr): AttrRef => ({ kind: 'device', device, attr });
export const mapRef = (device: string, index: number, attr: MappingAttr): AttrRef => ({ kind: 'mapping', device, index, attr });
export const drvRef = (driver: DaxDriver, attr: DriverAttr): AttrRef => ({ kind: 'driver', driver, attr });
export const busRef = (attr: 'drivers_autoprobe' | 'drivers_probe'): AttrRef => ({ kind: 'bus', attr });
export const blockRef = (index: number): AttrRef => ({ kind: 'memblock', index, attr: 'state' });
export const autoOnlineRef: AttrRef = { kind: 'memory', attr: 'auto_online_blocks' };

export const w = (ref: AttrRef, value: string): Op => ({ op: 'write', ref, value });
export const r = (ref: AttrRef): Op => ({ op: 'read', ref });

/** Applies ops in order; throws (naming the op) if any fails, since fixtures set up known-good states. */
export function must(s: State, ...ops: Op[]): State {
  let cur = s;
  for (const op of ops) {
    const step = apply(cur, op);
    if (!step.result.ok) throw new Error(`fixture op failed with ${step.result.errno}: ${JSON.stringify(op, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}`);
    cur = step.next;
  }
  return cur;
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;
/** A `mapping` value for [start, start+len-1]. */
export const mappingValue = (start: bigint, len: bigint): string => `${hex(start)}-${hex(start + len - 1n)}`;

/** The result of one op, for assertions. */
export const result = (s: State, op: Op): OpResult => apply(s, op).result;
export const step = (s: State, op: Op): Step => apply(s, op);
export const read = (s: State, ref: AttrRef): string => {
  const res = apply(s, r(ref)).result;
  if (!res.ok || res.value === undefined) throw new Error(`read failed: ${JSON.stringify(res)}`);
  return res.value;
};
