// What the dax bus should show once a topology is booted and provisioned on a given kernel, derived from
// the topology's providers and the kernel's behaviour per provider (shared/reference/dax-bus-abi.md §1.2, §8).
import { formatVersion, featureSince, kernelHas, type KernelFeature, type KernelVersion } from './kernel.ts';
import { regionSize, type GuestTopology } from './validate.ts';

export type DaxProvider = 'legacy_pmem' | 'nvdimm' | 'cxl_pmem' | 'cxl_ram' | 'hmem';
export type DaxDriver = 'device_dax' | 'kmem';

export interface ExpectedRegion {
  provider: DaxProvider;
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
  totals: Record<DaxProvider, { regions: number; devices: number }>;
  /** Topology entries this kernel cannot turn into a dax region, and why. */
  unsupported: { provider: DaxProvider; source: string; reason: string }[];
  /** What /sys/module/memory_hotplug/parameters/memmap_on_memory should read. */
  mhpMemmapOnMemory: 'N' | 'Y' | 'force';
}

interface ProviderTraits {
  /** Persistent memory goes through dax_pmem (static regions, device_dax); RAM through hmem/dax_cxl. */
  memory: 'pmem' | 'ram';
  /** dax_cxl asks for memmap_on_memory because CXL memory is the slow tier; the others do not. */
  memmapOnMemory: 0 | 1;
  needs?: KernelFeature;
}

const PROVIDERS: Record<DaxProvider, ProviderTraits> = {
  legacy_pmem: { memory: 'pmem', memmapOnMemory: 0 },
  nvdimm: { memory: 'pmem', memmapOnMemory: 0 },
  cxl_pmem: { memory: 'pmem', memmapOnMemory: 0 },
  hmem: { memory: 'ram', memmapOnMemory: 0 },
  cxl_ram: { memory: 'ram', memmapOnMemory: 1, needs: 'cxl_ram_region' },
};

type Source = Pick<ExpectedRegion, 'provider' | 'source' | 'size'>;

export function expectedInventory(t: GuestTopology, kernel: KernelVersion): ExpectedInventory {
  const cxlDevices = new Map((t.cxl?.devices ?? []).map((d) => [d.id, d]));
  const sources: Source[] = [
    ...t.pmem.map((_, i): Source => ({ provider: 'legacy_pmem', source: `pmem[${i}]`, size: null })),
    ...t.nvdimms.flatMap((nv, i) => nv.namespaces.map((_, k): Source => ({ provider: 'nvdimm', source: `nvdimms[${i}].namespaces[${k}]`, size: null }))),
    ...(t.cxl?.regions ?? []).flatMap((r, i): Source[] =>
      r.type === 'ram'
        ? [{ provider: 'cxl_ram', source: `cxl.regions[${i}]`, size: regionSize(r, cxlDevices) }]
        : r.namespaces.map((_, k) => ({ provider: 'cxl_pmem', source: `cxl.regions[${i}].namespaces[${k}]`, size: null })),
    ),
    ...t.hmem.map((r, i): Source => ({ provider: 'hmem', source: `hmem[${i}]`, size: r.size })),
  ];
  const regions: ExpectedRegion[] = [];
  const unsupported: ExpectedInventory['unsupported'] = [];
  for (const s of sources) {
    const traits = PROVIDERS[s.provider];
    if (traits.needs && !kernelHas(kernel, traits.needs)) {
      unsupported.push({ provider: s.provider, source: s.source, reason: `${s.provider} needs kernel ${formatVersion(featureSince(traits.needs))} or later (${traits.needs})` });
      continue;
    }
    const ramKmem = traits.memory === 'ram' && kernelHas(kernel, 'kmem_default_for_ram');
    regions.push({
      ...s,
      kind: traits.memory === 'pmem' ? 'static' : 'dynamic',
      devices: 1,
      driver: ramKmem ? 'kmem' : 'device_dax',
      memmapOnMemory: kernelHas(kernel, 'memmap_on_memory_attr') ? traits.memmapOnMemory : null,
    });
  }
  const totals = Object.fromEntries(
    (Object.keys(PROVIDERS) as DaxProvider[]).map((p) => {
      const mine = regions.filter((r) => r.provider === p);
      return [p, { regions: mine.length, devices: mine.reduce((n, r) => n + r.devices, 0) }];
    }),
  ) as ExpectedInventory['totals'];
  return { regions, totals, unsupported, mhpMemmapOnMemory: t.boot.memmapOnMemory ?? 'N' };
}
