// What changed in the dax bus's user-visible behaviour between releases, as data: one row per change, with
// the release it appeared in and its source. The model profile, provisioning, inventory expectations and
// capability gating all read this table; a new series is a row here plus model code only for behaviour
// that is genuinely new. Where the booted guest can show a fact itself (an attribute present, a driver
// registered), lab/probe.ts reads it and the probe wins over the table (a user's tree may carry backports).
//
// Releases were verified on real guests for every Debian series 6.1, 6.12, 6.16-6.19, 7.0-7.3 (Debian
// carries no dax backports): a change's `since` is the first of those series that shows it, and `source`
// names the upstream commit or the function it comes from.
import { atLeast } from './release.ts';

export interface KernelAbi {
  /**
   * How dax_bus_match decides. 'type': a `new_id` entry, or the driver type equals the region type
   * (IORESOURCE_DAX_KMEM regions → kmem, else device_dax). 'device_dax-always': device_dax has
   * match_always, kmem matches only `new_id` entries.
   */
  readonly matching: 'type' | 'device_dax-always';
  /** Providers of RAM-like memory (hmem, CXL RAM) mark their regions IORESOURCE_DAX_KMEM. */
  readonly kmemRegions: boolean;
  /** dax_cxl exists: CXL RAM regions become dax regions. */
  readonly cxlRamRegions: boolean;
  /** daxR.N/memmap_on_memory exists (and kmem passes MHP_MEMMAP_ON_MEMORY for it). */
  readonly memmapOnMemoryAttr: boolean;
  /** memory_hotplug.memmap_on_memory=force parses (older kernels read it as a bool, N). */
  readonly mhpMemmapOnMemoryForce: boolean;
  /** kstrtobool also takes e/E as true and d/D as false ("enable"/"disable"). */
  readonly kstrtoboolEnableDisable: boolean;
  /** x86 puts e820 soft-reserved ranges in /proc/iomem ("Soft Reserved"), above hmem's daxR.N entries. */
  readonly softReservedInIomem: boolean;
  /** The fsdev_dax driver exists (binds only devices named in its new_id). */
  readonly fsdevDriver: boolean;
  /** dax_cxl registers its driver from a work item, after `modprobe dax_cxl` has returned. */
  readonly asyncDaxCxl: boolean;
  /** kmem gives its devices a `state` attribute (unplugged / online / online_kernel / online_movable). */
  readonly kmemState: boolean;
}

export interface AbiChange {
  readonly since: string;
  readonly change: Partial<KernelAbi>;
  readonly source: string;
}

/** Oldest first; a release gets every row at or below it. The first row sets every field. */
export const ABI_CHANGES: readonly AbiChange[] = [
  {
    since: '6.1',
    change: {
      matching: 'device_dax-always',
      kmemRegions: false,
      cxlRamRegions: false,
      memmapOnMemoryAttr: false,
      mhpMemmapOnMemoryForce: false,
      kstrtoboolEnableDisable: false,
      softReservedInIomem: true,
      fsdevDriver: false,
      asyncDaxCxl: false,
      kmemState: false,
    },
    source: 'the oldest series modelled (Debian bookworm)',
  },
  { since: '6.3', change: { matching: 'type', kmemRegions: true, cxlRamRegions: true }, source: '"dax: Assign RAM regions to memory-hotplug by default" and drivers/dax/cxl.c (CXL RAM series, v6.3)' },
  { since: '6.6', change: { mhpMemmapOnMemoryForce: true }, source: '"mm/memory_hotplug: support memmap_on_memory when memmap is not aligned to pageblocks" (v6.6): memmap_on_memory=force' },
  { since: '6.8', change: { memmapOnMemoryAttr: true }, source: '"dax/bus: Introduce a memmap_on_memory sysfs attribute" (v6.8)' },
  { since: '6.16', change: { kstrtoboolEnableDisable: true }, source: 'ae5b3500856f "kstrtox: add support for enabled and disabled in kstrtobool()" (lib/kstrtox.c)' },
  { since: '7.0', change: { softReservedInIomem: false }, source: 'bc62f5b308cb "dax/hmem, e820, resource: Defer Soft Reserved insertion until hmem is ready" (arch/x86/kernel/e820.c e820__reserve_resources_late)' },
  { since: '7.1', change: { fsdevDriver: true, asyncDaxCxl: true }, source: '"dax: add fsdev.c driver for fs-dax on character dax" (drivers/dax/fsdev.c); "dax/cxl, hmem: Initialize hmem early and defer dax_cxl binding" (drivers/dax/cxl.c)' },
  { since: '7.3', change: { kmemState: true }, source: '"dax/kmem: atomic whole-device hotplug via sysfs" (drivers/dax/kmem.c state_show/state_store)' },
];

export function abiFor(release: string): KernelAbi {
  const rows = ABI_CHANGES.filter((c) => atLeast(release, c.since));
  if (rows.length === 0) throw new Error(`no dax bus ABI for kernel ${release} (oldest modelled: ${ABI_CHANGES[0]!.since})`);
  return Object.assign({}, ...rows.map((r) => r.change)) as KernelAbi;
}

/** The oldest release the model knows the dax bus of. */
export const OLDEST_MODELLED = (): string => ABI_CHANGES[0]!.since;

/**
 * Whether a release, as a kernel tree or module directory names it, is one the harness can test; else why
 * not, for a one-line error (a tree whose kernel.release is `foo`, empty, or 5.4.0).
 */
export function untestableRelease(release: string): string | undefined {
  if (!/^\d+\.\d+(\.\d+)?([-+.~_a-zA-Z0-9]*)$/.test(release)) return `release ${JSON.stringify(release)} is not a kernel release (major.minor[.patch][-local])`;
  if (!atLeast(release, OLDEST_MODELLED())) return `release ${release} is older than ${OLDEST_MODELLED()}, the oldest dax bus the model knows`;
  return undefined;
}

/** The release a feature first appeared in (for skip reasons: "predates … (6.8)"). */
export function featureSince(feature: keyof KernelAbi): string | undefined {
  return ABI_CHANGES.find((c, i) => i > 0 && c.change[feature] !== undefined)?.since;
}

/** How reports name each feature ("kernel 6.1 predates the dax memmap_on_memory attribute (6.8)"). */
export const ABI_LABELS: Readonly<Record<keyof KernelAbi, string>> = {
  matching: 'type-based dax driver matching',
  kmemRegions: 'kmem as the default driver of RAM-like dax regions',
  cxlRamRegions: 'dax_cxl (CXL RAM regions as dax regions)',
  memmapOnMemoryAttr: 'the dax memmap_on_memory attribute',
  mhpMemmapOnMemoryForce: 'memory_hotplug.memmap_on_memory=force',
  kstrtoboolEnableDisable: 'kstrtobool accepting enable/disable',
  softReservedInIomem: 'Soft Reserved ranges in /proc/iomem',
  fsdevDriver: 'the fsdev_dax driver',
  asyncDaxCxl: 'asynchronous dax_cxl registration',
  kmemState: "kmem's state attribute",
};

/** The ABI facts that are yes/no: a case or recipe may require one. */
export type AbiFeature = { [K in keyof KernelAbi]: KernelAbi[K] extends boolean ? K : never }[keyof KernelAbi];
export const ABI_FEATURES = (Object.keys(ABI_LABELS) as (keyof KernelAbi)[]).filter((k): k is AbiFeature => typeof ABI_CHANGES[0]!.change[k] === 'boolean');
