// What the dax bus should show once a topology is booted and provisioned on a given kernel, derived from
// the topology's providers, the provider registry and the kernel's ABI table (harness/abi/).
import type { DaxDriver } from '../harness/abi/attributes.ts';
import { ABI_LABELS, abiFor, featureSince } from '../harness/abi/kernel.ts';
import { PROVIDERS, kmemByDefault, type Provider } from '../harness/abi/providers.ts';
import { regionSize, type GuestTopology } from './validate.ts';
import { attachment } from './cxl-fabric.ts';
import { cxlSerial } from './qemu-args.ts';

export interface ExpectedRegion {
  provider: Provider;
  /** The topology entry it comes from, e.g. nvdimms[0].namespaces[1]. */
  source: string;
  /** Static regions (dax_pmem) have one fixed device; dynamic ones (hmem, CXL RAM) allow create/resize/delete. */
  kind: 'static' | 'dynamic';
  devices: number;
  /** The driver the device binds to when it appears (kmem is loaded during provisioning). */
  driver: DaxDriver;
  /** The device's memmap_on_memory attribute at creation; null on kernels without the attribute. */
  memmapOnMemory: 0 | 1 | null;
  /** Region size where the topology fixes it; null for pmem, whose info block and alignment decide. */
  size: bigint | null;
}

export interface ExpectedInventory {
  regions: ExpectedRegion[];
  /** Topology entries this kernel cannot turn into a dax region, and why. */
  unsupported: { provider: Provider; source: string; reason: string }[];
  /** What /sys/module/memory_hotplug/parameters/memmap_on_memory should read. */
  mhpMemmapOnMemory: 'N' | 'Y' | 'force';
  cxl: ExpectedCxlFabric;
}

/**
 * The CXL fabric as the kernel's port tree shows it: how many CXL ports lie between the root and each
 * type-3 device's endpoint (its host bridge, and its switch if any), and each region's ways and host bridges.
 */
export interface ExpectedCxlFabric {
  endpoints: { serial: number; ports: number }[];
  regions: { mode: 'ram' | 'pmem'; ways: number; hostBridges: number }[];
}

type Source = Pick<ExpectedRegion, 'provider' | 'source' | 'size'>;

/** Every dax region a topology asks for, by provider, in topology order. */
export function topologySources(t: GuestTopology): Source[] {
  const cxlDevices = new Map((t.cxl?.devices ?? []).map((d) => [d.id, d]));
  return [
    ...t.pmem.map((_, i): Source => ({ provider: 'legacy-pmem', source: `pmem[${i}]`, size: null })),
    ...t.nvdimms.flatMap((nv, i) => nv.namespaces.map((_, k): Source => ({ provider: 'nvdimm', source: `nvdimms[${i}].namespaces[${k}]`, size: null }))),
    ...(t.cxl?.regions ?? []).flatMap((r, i): Source[] =>
      r.type === 'ram'
        ? [{ provider: 'cxl-ram', source: `cxl.regions[${i}]`, size: regionSize(r, cxlDevices) }]
        : r.namespaces.map((_, k) => ({ provider: 'cxl-pmem', source: `cxl.regions[${i}].namespaces[${k}]`, size: null })),
    ),
    ...t.hmem.map((r, i): Source => ({ provider: 'hmem', source: `hmem[${i}]`, size: r.size })),
  ];
}

export function expectedInventory(t: GuestTopology, release: string): ExpectedInventory {
  const abi = abiFor(release);
  const regions: ExpectedRegion[] = [];
  const unsupported: ExpectedInventory['unsupported'] = [];
  for (const s of topologySources(t)) {
    const facts = PROVIDERS[s.provider];
    if (facts.needs && !abi[facts.needs]) {
      unsupported.push({ provider: s.provider, source: s.source, reason: `${s.provider} needs ${ABI_LABELS[facts.needs]} (kernel ${featureSince(facts.needs) ?? '?'} or later)` });
      continue;
    }
    regions.push({
      ...s,
      kind: facts.dynamic ? 'dynamic' : 'static',
      devices: 1,
      driver: kmemByDefault(s.provider, abi) ? 'kmem' : 'device_dax',
      memmapOnMemory: abi.memmapOnMemoryAttr ? (facts.memmapOnMemory ? 1 : 0) : null,
    });
  }
  return { regions, unsupported, mhpMemmapOnMemory: t.boot.memmapOnMemory ?? 'N', cxl: expectedFabric(t, unsupported) };
}

function expectedFabric(t: GuestTopology, unsupported: ExpectedInventory['unsupported']): ExpectedCxlFabric {
  const cxl = t.cxl;
  if (!cxl) return { endpoints: [], regions: [] };
  const byId = new Map(cxl.devices.map((d) => [d.id, d]));
  const hostBridgeOf = (id: string) => attachment(cxl, byId.get(id)!)!.hostBridge;
  return {
    endpoints: cxl.devices.map((d) => ({ serial: cxlSerial(cxl, d.id), ports: attachment(cxl, d)!.switch ? 2 : 1 })),
    // A RAM region is created only where the kernel has CXL RAM regions (provisioning skips it otherwise).
    regions: cxl.regions
      .filter((r, i) => r.type === 'pmem' || !unsupported.some((u) => u.source === `cxl.regions[${i}]`))
      .map((r) => ({ mode: r.type, ways: r.devices.length, hostBridges: new Set(r.devices.map(hostBridgeOf)).size })),
  };
}

/** What a topology offers cases, whatever the kernel: its regions' providers and kinds. */
export function topologyOffer(t: GuestTopology): { name: string; regions: { provider: Provider; kind: 'static' | 'dynamic' }[] } {
  return { name: t.name, regions: topologySources(t).map((s) => ({ provider: s.provider, kind: PROVIDERS[s.provider].dynamic ? 'dynamic' : 'static' })) };
}
