// The kernel releases that changed what a topology turns into. Plans and expectations ask these
// instead of comparing versions inline, so a newly found cut-over is one line here.

export type KernelVersion = readonly [major: number, minor: number];

export type KernelFeature =
  /** CXL volatile regions (cxl create-region -t ram) and dax_cxl turning them into dax regions. */
  | 'cxl_ram_region'
  /** dax regions of RAM-like providers (hmem, CXL RAM) default to kmem; before, device_dax took every device. */
  | 'kmem_default_for_ram'
  /** The per-device dax memmap_on_memory attribute. */
  | 'memmap_on_memory_attr'
  /** memory_hotplug.memmap_on_memory=force (older kernels parse it as a bool and read N). */
  | 'mhp_memmap_on_memory_force';

// 6.1 (Debian's older kernel) lacks all of these and 6.12 has all of them: both verified in guests.
// The exact releases come from the upstream merges: dax_cxl and the KMEM default in 6.3, force in 6.6,
// the attribute in 6.8.
const SINCE: Record<KernelFeature, KernelVersion> = {
  cxl_ram_region: [6, 3],
  kmem_default_for_ram: [6, 3],
  memmap_on_memory_attr: [6, 8],
  mhp_memmap_on_memory_force: [6, 6],
};

export function kernelHas(version: KernelVersion, feature: KernelFeature): boolean {
  const [major, minor] = SINCE[feature];
  return version[0] > major || (version[0] === major && version[1] >= minor);
}

export function featureSince(feature: KernelFeature): KernelVersion {
  return SINCE[feature];
}

export function formatVersion(v: KernelVersion): string {
  return `${v[0]}.${v[1]}`;
}
