// Every default package the guest is made of, pinned here and only here. Kernels come from the host's own
// bookworm sources (bookworm-security carries 6.12); the userland comes from trixie through a private apt
// state, because bookworm's ndctl predates the CXL region commands and memmap_on_memory support.

export interface DebianKernelPin {
  /** What `--debian-kernel` accepts. */
  series: '6.12' | '6.1';
  package: string;
  version: string;
}

export const DEBIAN_KERNELS: readonly DebianKernelPin[] = [
  { series: '6.12', package: 'linux-image-6.12.117+deb12-amd64', version: '6.12.117-1~deb12u1' },
  { series: '6.1', package: 'linux-image-6.1.0-56-amd64', version: '6.1.192-2' },
];

export const DEFAULT_KERNEL_SERIES = '6.12';

export const USERLAND_SUITE = 'trixie';

/** Top-level guest packages; apt resolves their closure (no recommends, no pre-depends). */
export const USERLAND_PACKAGES = ['busybox-static', 'kmod', 'dropbear-bin', 'ndctl', 'daxctl', 'cxl'] as const;

/** ndctl/daxctl/cxl must be this release: the harness parses their JSON and relies on `cxl create-region -t ram`. */
export const NDCTL_MAJOR = 81;

/** Modules the guest may load; their dependencies are added automatically. Absent or built-in ones are fine. */
export const GUEST_MODULES = [
  'virtio_pci',
  'virtio_net',
  'virtio_rng',
  'nd_pmem',
  'nd_e820',
  'nd_btt',
  'dax_pmem',
  'device_dax',
  'kmem',
  'dax_hmem',
  'dax_cxl',
  'cxl_acpi',
  'cxl_pci',
  'cxl_mem',
  'cxl_pmem',
  'cxl_port',
  'nfit',
] as const;
