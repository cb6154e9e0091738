// What came up in a provisioned guest, typed: the regions with their provider and address range, the
// devices, the memory facts. Built once after provisioning; the model starts from it and resets return to it.
import { DEVICE_NAME } from '../abi/device-name.ts';
import { DAX_DRIVER_NAMES, type DaxDriver } from '../abi/attributes.ts';
import type { KernelAbi } from '../abi/kernel.ts';
import { identifyProvider, type Provider } from '../abi/providers.ts';
import { parseProcModules, parseZoneinfo, type IomemResource, type ZoneinfoSpan } from '../driver/parse-sysfs.ts';
import type { InventoryFacts } from '../driver/wire.ts';
import type { InventoryRegion } from '../model/index.ts';
import type { ObservedDevice, Observation, OnlinePolicy } from '../model/observation.ts';
import { HOST_DRIVER_OF_H, NDBUS_PROVIDER_OF_H } from '../../qemu/guest-shell.ts';
import type { Capabilities } from './capabilities.ts';

export type { Provider };

/** A provisioned region: the model's region facts, plus the size as dax_region/size reports it. */
export interface ProvisionedRegion extends InventoryRegion {
  size: bigint;
}

export interface Inventory {
  release: string;
  regions: ProvisionedRegion[];
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
  /** What the guest showed of the ABI itself (lab/probe.ts), over the table's row for its release. */
  abi: Partial<KernelAbi>;
  cxl: CxlFabric;
}

/** The CXL port tree as /sys/bus/cxl shows it (lists are empty without CXL). */
export interface CxlFabric {
  /** Each type-3 device's endpoint by the device's serial, with the CXL ports above it, host bridge first. */
  endpoints: { serial: number; ports: string[] }[];
  /** Each region's mode, interleave ways, and the host bridge ports its targets sit below. */
  regions: { name: string; mode: string; ways: number; hostBridges: string[] }[];
}

/** What a region's host device shows of its provider: its driver, and the nd bus provider above it. */
export interface RegionHost {
  host: string;
  driver: string | null;
  ndBus: string | null;
}

export interface MachineProbe {
  zoneSpans: ZoneinfoSpan[];
  driverOrder: DaxDriver[];
  hosts: RegionHost[];
  /** /proc/sys/kernel/tainted */
  tainted: number;
  cxl: CxlFabric;
}

/**
 * One guest command for what sysfs observation does not cover: boot zone spans, module load order, what
 * built-in modules there are (a tree may lack modules.builtin), each region host's provider evidence, taint.
 */
export const MACHINE_PROBE = [
  'cat /proc/zoneinfo',
  'echo @@modules; cat /proc/modules',
  'echo @@builtin; cat /lib/modules/$(uname -r)/modules.builtin 2>/dev/null',
  'echo @@hosts',
  `for d in /sys/bus/dax/devices/*; do [ -e "$d" ] || continue; h=$(dirname "$(realpath "$d")"); echo "$h ${HOST_DRIVER_OF_H} ${NDBUS_PROVIDER_OF_H}"; done | sort -u`,
  'echo @@tainted; cat /proc/sys/kernel/tainted',
  // A port's device nests in its parent's: root0/port1/port3/endpoint4 is an endpoint below a host bridge
  // port and a switch port. A region's targetN holds an endpoint decoder's name.
  'echo @@cxl',
  'for e in /sys/bus/cxl/devices/endpoint*; do [ -e "$e" ] || continue; echo "endpoint $(cat "$(readlink -f "$e/uport")/serial") $(realpath "$e")"; done',
  'for r in /sys/bus/cxl/devices/region*; do [ -e "$r/interleave_ways" ] || continue; printf "region %s %s %s" "${r##*/}" "$(cat "$r/mode" 2>/dev/null || echo ?)" "$(cat "$r/interleave_ways")"; for t in "$r"/target*; do d=$(cat "$t"); [ -n "$d" ] && printf " %s" "$(realpath "/sys/bus/cxl/devices/$d")"; done; echo; done',
].join('; ');

function section(text: string, name: string): string {
  const start = text.indexOf(`@@${name}\n`);
  if (start < 0) return '';
  const rest = text.slice(start + name.length + 3);
  const end = rest.indexOf('\n@@');
  return end < 0 ? rest : rest.slice(0, end + 1);
}

export function parseMachineProbe(text: string): MachineProbe {
  const zoneinfo = text.slice(0, Math.max(0, text.indexOf('@@modules\n')));
  const builtin = section(text, 'builtin');
  const isBuiltin = (m: string) => new RegExp(`/${m}\\.ko`).test(builtin);
  const loaded = parseProcModules(section(text, 'modules'));
  const position = (d: DaxDriver) => (isBuiltin(d) ? -1 : loaded.indexOf(d) === -1 ? Infinity : loaded.indexOf(d));
  const driverOrder = DAX_DRIVER_NAMES.filter((d) => position(d) !== Infinity).sort((a, b) => position(a) - position(b));
  const hosts = section(text, 'hosts')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [host = '', driver = '', ndBus = ''] = l.split(' ');
      return { host, driver: driver || null, ndBus: ndBus || null };
    });
  return { zoneSpans: parseZoneinfo(zoneinfo), driverOrder, hosts, tainted: Number(section(text, 'tainted').trim() || 0), cxl: parseCxlFabric(section(text, 'cxl')) };
}

/** The CXL ports of a sysfs path below root0, in order (host bridge port first). */
const portsIn = (path: string) => path.split('/').filter((c) => /^port\d+$/.test(c));

export function parseCxlFabric(text: string): CxlFabric {
  const fabric: CxlFabric = { endpoints: [], regions: [] };
  for (const line of text.split('\n')) {
    const [kind, ...f] = line.trim().split(' ');
    if (kind === 'endpoint' && f.length === 2) fabric.endpoints.push({ serial: Number(f[0]), ports: portsIn(f[1]!) });
    if (kind === 'region' && f.length >= 3) fabric.regions.push({ name: f[0]!, mode: f[1]!, ways: Number(f[2]), hostBridges: [...new Set(f.slice(3).map((p) => portsIn(p)[0] ?? '?'))] });
  }
  fabric.endpoints.sort((a, b) => a.serial - b.serial);
  return fabric;
}

export class InventoryError extends Error {}

/** The provider of a region host, from the driver bound to it and the nd bus above it (harness/abi/providers.ts). */
export function providerOf(host: string, hosts: readonly RegionHost[]): Provider {
  const h = hosts.find((x) => x.host === host);
  const p = h ? identifyProvider(h) : null;
  if (!p) throw new InventoryError(`cannot tell which provider owns dax region host ${host} (driver ${h?.driver ?? 'none'}${h?.ndBus ? `, nd bus ${h.ndBus}` : ''})`);
  return p;
}

/**
 * A region's address range is not in sysfs. In order of certainty:
 * - a zero-size device of a dynamic region reports the region start as its resource;
 * - a /proc/iomem resource of exactly the region's size that holds its devices' ranges and is not itself a
 *   dax entry (Soft Reserved for hmem before 7.0, regionN for CXL) is the region, and their parent;
 * - a static region is its one device's range;
 * - devices whose ranges together cover the region without a gap (7.0+ hmem: no Soft Reserved line, the
 *   daxR.N entries are top-level) span it exactly.
 */
export function regionRange(region: { host: string; size: bigint; dynamic: boolean }, devices: readonly ObservedDevice[], iomem: readonly IomemResource[]): { start: bigint; end: bigint; iomemParent: string | null } {
  const mine = devices.filter((d) => d.host === region.host);
  const ranges = mine.flatMap((d) => d.mappings).sort((a, b) => (a.start < b.start ? -1 : 1));
  const anchor = ranges[0]?.start;
  const parentOf = (start: bigint, end: bigint): string | null => {
    // The innermost non-dax resource that encloses the range (6.1 nests Soft Reserved inside hmem.N).
    const outer = iomem.filter((r) => r.start <= start && end <= r.end && !DEVICE_NAME.test(r.name) && !r.ancestors.some((a) => DEVICE_NAME.test(a)) && r.name !== 'System RAM (kmem)');
    return outer.sort((a, b) => b.ancestors.length - a.ancestors.length)[0]?.name ?? null;
  };
  const empty = region.dynamic ? mine.find((d) => d.size === 0n) : undefined;
  if (empty) return { start: empty.resource, end: empty.resource + region.size - 1n, iomemParent: parentOf(empty.resource, empty.resource + region.size - 1n) };
  if (anchor !== undefined) {
    const container = iomem.filter((r) => r.end - r.start + 1n === region.size && r.start <= anchor && anchor <= r.end && !DEVICE_NAME.test(r.name) && !r.ancestors.some((a) => DEVICE_NAME.test(a)));
    const inner = container.sort((a, b) => b.ancestors.length - a.ancestors.length)[0];
    if (inner) return { start: inner.start, end: inner.end, iomemParent: inner.name };
    const last = ranges.at(-1)!;
    const contiguous = ranges.every((r, i) => i === 0 || r.start === ranges[i - 1]!.end + 1n);
    if (contiguous && last.end - anchor + 1n === region.size) return { start: anchor, end: last.end, iomemParent: parentOf(anchor, last.end) };
  }
  throw new InventoryError(`cannot find the address range of dax region ${region.host} (size ${region.size}): no empty device, no /proc/iomem resource of that size, and its devices do not cover it`);
}

/** What the guest shows of its ABI in the inventory itself (attribute present, iomem shape). */
export function observedAbi(obs: Observation, iomem: readonly IomemResource[], regions: readonly { provider: Provider }[]): Partial<KernelAbi> {
  const abi: { -readonly [K in keyof KernelAbi]?: KernelAbi[K] } = {};
  if (obs.devices.length) abi.memmapOnMemoryAttr = obs.devices.some((d) => d.memmapOnMemory !== null);
  const kmemBound = obs.devices.filter((d) => d.driver === 'kmem');
  if (kmemBound.length) abi.kmemState = kmemBound.some((d) => d.state !== null);
  if (regions.some((r) => r.provider === 'hmem')) abi.softReservedInIomem = iomem.some((r) => r.name === 'Soft Reserved');
  return abi;
}

export function buildInventory(obs: Observation, facts: InventoryFacts, caps: Capabilities, machine: MachineProbe, probedAbi: Partial<KernelAbi> = {}): Inventory {
  const regions = obs.regions.map((r): ProvisionedRegion => {
    const dynamic = r.dynamic !== null;
    const range = regionRange({ host: r.host, size: r.size, dynamic }, obs.devices, facts.iomem);
    const targetNode = obs.devices.find((d) => d.host === r.host)?.targetNode ?? null;
    return { host: r.host, id: r.id, provider: providerOf(r.host, machine.hosts), dynamic, size: r.size, align: r.align, targetNode, ...range };
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
    zoneSpans: machine.zoneSpans,
    driverOrder: machine.driverOrder,
    abi: { ...observedAbi(obs, facts.iomem, regions), ...probedAbi },
    cxl: machine.cxl,
  };
}
