// The five ways memory becomes a dax region, as one registry: what the model needs (static or dynamic,
// whether kmem claims it by default, its memmap_on_memory default), how provisioning brings it up (its
// modules), how the booted guest shows which provider a region came from (the driver bound to the region's
// host device, and the nd bus provider above it), and what the kernel needs for it.
import type { AbiFeature, KernelAbi } from './kernel.ts';

export const PROVIDER_IDS = ['legacy-pmem', 'nvdimm', 'cxl-pmem', 'cxl-ram', 'hmem'] as const;
export type Provider = (typeof PROVIDER_IDS)[number];

export interface ProviderFacts {
  readonly label: string;
  /** Persistent memory goes through dax_pmem (static regions, one fixed device); RAM through hmem/dax_cxl. */
  readonly memory: 'pmem' | 'ram';
  /** !IORESOURCE_DAX_STATIC: devices can be created, resized and deleted. */
  readonly dynamic: boolean;
  /** The device's memmap_on_memory at creation: dax_cxl asks for it (CXL is the slow tier), the others do not. */
  readonly memmapOnMemory: boolean;
  /** The region's host device is bound to this driver (`<host>/driver`). */
  readonly hostDriver: string;
  /** For nd-based regions: the `provider` of the nd bus above the host. */
  readonly ndBus?: string;
  /** The module whose absence means the kernel cannot provide this (capability gating, skip reasons). */
  readonly module: string;
  /** Modules provisioning loads for it (the guest has no udev), in order. */
  readonly modules: readonly string[];
  /** What the kernel's ABI must have for this provider to exist at all. */
  readonly needs?: AbiFeature;
}

// cxl_core and cxl_port are built into Debian's kernels (CONFIG_CXL_BUS=y, CONFIG_CXL_PORT=y), so they are
// not loaded. device_dax comes with every provider: tests rebind kmem devices to it.
export const PROVIDERS: Readonly<Record<Provider, ProviderFacts>> = {
  'legacy-pmem': { label: 'legacy persistent memory (e820 type 12)', memory: 'pmem', dynamic: false, memmapOnMemory: false, hostDriver: 'dax_pmem', ndBus: 'e820', module: 'nd_e820', modules: ['nd_e820', 'dax_pmem', 'device_dax'] },
  nvdimm: { label: 'NVDIMM (ACPI NFIT)', memory: 'pmem', dynamic: false, memmapOnMemory: false, hostDriver: 'dax_pmem', ndBus: 'ACPI.NFIT', module: 'nfit', modules: ['nfit', 'nd_pmem', 'dax_pmem', 'device_dax'] },
  'cxl-pmem': { label: 'CXL persistent memory', memory: 'pmem', dynamic: false, memmapOnMemory: false, hostDriver: 'dax_pmem', ndBus: 'CXL', module: 'cxl_pmem', modules: ['cxl_pmem', 'nd_pmem', 'dax_pmem'] },
  'cxl-ram': { label: 'CXL volatile memory', memory: 'ram', dynamic: true, memmapOnMemory: true, hostDriver: 'cxl_dax_region', module: 'dax_cxl', modules: ['dax_cxl'], needs: 'cxlRamRegions' },
  hmem: { label: 'soft-reserved memory (dax_hmem)', memory: 'ram', dynamic: true, memmapOnMemory: false, hostDriver: 'hmem', module: 'dax_hmem', modules: ['dax_hmem', 'device_dax'] },
};

/** The CXL bus itself, for any CXL provider. */
export const CXL_BUS_MODULES = ['cxl_acpi', 'cxl_pci', 'cxl_mem', 'device_dax'] as const;

/** Whether kmem claims this provider's devices by default on a kernel with this ABI (IORESOURCE_DAX_KMEM). */
export const kmemByDefault = (p: Provider, abi: KernelAbi): boolean => PROVIDERS[p].memory === 'ram' && abi.kmemRegions;

/** Which provider owns a region host, from what the booted guest shows of it; null when none matches. */
export function identifyProvider(host: { driver: string | null; ndBus: string | null }): Provider | null {
  return PROVIDER_IDS.find((p) => PROVIDERS[p].hostDriver === host.driver && (PROVIDERS[p].ndBus ?? null) === host.ndBus) ?? null;
}
