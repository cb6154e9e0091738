// What a case, a provisioning step or a recipe can require of the kernel under test: a provider, a driver on
// the dax bus, or a feature of the ABI. One vocabulary, so every skip reason reads the same way.
import { DAX_DRIVERS, DAX_DRIVER_NAMES, type DaxDriver } from './attributes.ts';
import { ABI_FEATURES, type AbiFeature } from './kernel.ts';
import { PROVIDER_IDS, PROVIDERS, type Provider } from './providers.ts';

export type Capability = Provider | DaxDriver | AbiFeature;

export const CAPABILITIES: readonly Capability[] = [...PROVIDER_IDS, ...DAX_DRIVER_NAMES, ...ABI_FEATURES];

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
  return c as AbiFeature;
}
