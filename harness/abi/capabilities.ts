// What a case, a provisioning step or a recipe can require of the kernel under test: a provider, a driver on
// the dax bus, or a feature of the ABI. One vocabulary, so every skip reason reads the same way.
import { DAX_DRIVERS, DAX_DRIVER_NAMES, type DaxDriver } from './attributes.ts';
import { ABI_FEATURES, type AbiFeature } from './kernel.ts';
import { PROVIDER_IDS, PROVIDERS, type Provider } from './providers.ts';

/**
 * What a kernel's build may add beyond the dax bus, each found in the guest by a shell test: the file its
 * option creates. failslab: /proc/<tid>/fail-nth (CONFIG_FAULT_INJECTION) and failslab's debugfs knobs.
 * fs_dax: fs/dax.c's exported functions in kallsyms (it is built for CONFIG_FS_DAX only).
 */
export const BUILD_FEATURES = {
  failslab: {
    test: '[ -e /proc/self/fail-nth ] && [ -d /sys/kernel/debug/failslab ]',
    label: 'failslab fault injection (CONFIG_FAILSLAB, CONFIG_FAULT_INJECTION_DEBUG_FS; a --debug build has it)',
  },
  fs_dax: {
    test: 'grep -qw dax_iomap_rw /proc/kallsyms',
    label: 'CONFIG_FS_DAX, without which S_DAX is 0 and device-dax refuses every mmap (check_vma: "vma is not DAX capable"; Debian, --debug and --coverage builds have it)',
  },
} as const;
export type BuildFeature = keyof typeof BUILD_FEATURES;
const BUILD_FEATURE_NAMES = Object.keys(BUILD_FEATURES) as BuildFeature[];
export const isBuildFeature = (c: Capability): c is BuildFeature => (BUILD_FEATURE_NAMES as readonly string[]).includes(c);

export type Capability = Provider | DaxDriver | AbiFeature | BuildFeature;

export const CAPABILITIES: readonly Capability[] = [...PROVIDER_IDS, ...DAX_DRIVER_NAMES, ...ABI_FEATURES, ...BUILD_FEATURE_NAMES];

export const isCapability = (v: string): v is Capability => (CAPABILITIES as readonly string[]).includes(v);

/** The module a provider or driver capability needs; features need none. */
export function moduleOf(c: Capability): string | null {
  if ((PROVIDER_IDS as readonly string[]).includes(c)) return PROVIDERS[c as Provider].module;
  if ((DAX_DRIVER_NAMES as readonly string[]).includes(c)) return DAX_DRIVERS[c as DaxDriver].module;
  return null;
}

/** The ABI feature a provider or driver also needs (dax_cxl needs CXL RAM regions, fsdev its driver). */
export function featureOf(c: Capability): AbiFeature | null {
  if ((PROVIDER_IDS as readonly string[]).includes(c)) return PROVIDERS[c as Provider].needs ?? null;
  if ((DAX_DRIVER_NAMES as readonly string[]).includes(c)) return (DAX_DRIVERS[c as DaxDriver] as { needs?: AbiFeature }).needs ?? null;
  if (isBuildFeature(c)) return null;
  return c as AbiFeature;
}
