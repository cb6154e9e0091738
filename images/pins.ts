// Every default package the guest is made of, pinned here and only here. The userland comes from trixie
// through a private apt state, because bookworm's ndctl predates the CXL region commands and
// memmap_on_memory support.

/** One .deb of a kernel, by content: its SHA256 is the cache key and what every download is checked against. */
export interface PinnedPackage {
  name: string;
  version: string;
  sha256: string;
  /**
   * Set when the suite's index no longer lists the package (trixie-backports dropped linux-modules and
   * linux-base 6.19-7.1 once linux 7.2 superseded them, while their signed linux-binary stayed): it is fetched
   * from the mirror's pool by this path and checked against the SHA256 pinned here, measured from the
   * archive on 2026-12-01. The guest kernel, which does come from the index, then verifies every module's
   * signature as it loads it (lab/capabilities.ts refuses a guest tainted by an unverified module).
   */
  pool?: string;
}

export interface DebianKernelPin {
  /** What `--debian-kernel` accepts. */
  series: string;
  /** bookworm kernels come through the host's own apt state; everything else through a private one. */
  suite: 'bookworm' | 'trixie-backports';
  /** uname -r */
  release: string;
  /**
   * Up to 6.18, linux-image-R holds vmlinuz, config and modules. From 6.19 on it is a meta package over
   * linux-binary-R (vmlinuz), linux-modules-R (modules) and linux-base-R (config, modules.builtin, modules.order).
   */
  packages: readonly PinnedPackage[];
  /**
   * Debian's linux-source-S of the same version, which `--debug` and `--coverage` build with the harness's
   * config (images/source-build.ts). Only where the suite's index still lists it: the others fail with a fix.
   */
  source?: PinnedPackage;
}

const pool = (name: string, version: string) => `pool/main/l/linux/${name}_${version}_amd64.deb`;

/** A split kernel: its signed binary from the index, modules and base either from the index or the pool. */
function split(release: string, version: string, sha: { binary: string; modules: string; base: string }, fromPool: boolean): PinnedPackage[] {
  return (['binary', 'modules', 'base'] as const).map((part) => {
    const name = `linux-${part}-${release}`;
    return { name, version, sha256: sha[part], ...(fromPool && part !== 'binary' ? { pool: pool(name, version) } : {}) };
  });
}

export const DEBIAN_KERNELS: readonly DebianKernelPin[] = [
  { series: '6.1', suite: 'bookworm', release: '6.1.0-56-amd64', packages: [{ name: 'linux-image-6.1.0-56-amd64', version: '6.1.192-2', sha256: 'a86e2049672f52354c4536a089203b6c82639420424d31c91cf31a181fd4d8f1' }], source: { name: 'linux-source-6.1', version: '6.1.192-2', sha256: 'ae95fe63d4c553f8d0e6c86cb1ab566f3894a43743eb19ab585cd97d82f26514' } },
  { series: '6.12', suite: 'bookworm', release: '6.12.117+deb12-amd64', packages: [{ name: 'linux-image-6.12.117+deb12-amd64', version: '6.12.117-1~deb12u1', sha256: '803d36a7cda13355ae8152122470288b2636f19f1cb58162dd9d8b408af9b1b4' }], source: { name: 'linux-source-6.12', version: '6.12.117-1~deb12u1', sha256: 'e849faf31ca3555757f3a8877cb01af92122f744f75d1f3102734651c4e14703' } },
  { series: '6.16', suite: 'trixie-backports', release: '6.16.12+deb13-amd64', packages: [{ name: 'linux-image-6.16.12+deb13-amd64', version: '6.16.12-1~bpo13+1', sha256: 'a54583c502202b9ec1709d6dc952870cd32eb92b29a32756f0fd240b514ed1f2' }] },
  { series: '6.17', suite: 'trixie-backports', release: '6.17.13+deb13-amd64', packages: [{ name: 'linux-image-6.17.13+deb13-amd64', version: '6.17.13-1~bpo13+1', sha256: '4c0643e5db69d9248f4139ec0c765671a2585aa53fc498dcc49b102fd5766696' }] },
  { series: '6.18', suite: 'trixie-backports', release: '6.18.15+deb13-amd64', packages: [{ name: 'linux-image-6.18.15+deb13-amd64', version: '6.18.15-1~bpo13+1', sha256: 'd38a7af6260782a47cd615ad717347a528b45f076245b4deabb3f1ecf8459186' }] },
  {
    series: '6.19',
    suite: 'trixie-backports',
    release: '6.19.14+deb13-amd64',
    packages: split('6.19.14+deb13-amd64', '6.19.14-1~bpo13+1', { binary: '64a48046a3fa5f894a5a40dc36f2e42a67a7193e2266e43c09143a769aeab8e3', modules: 'bea4d9513e8055d8f98644ef866dc30b70568b46b63843197404399d5e47b8ab', base: 'f12c1bdb44f0d820e6b740638cf88dfc570854938a250bfe58376250fe337590' }, true),
  },
  {
    series: '7.0',
    suite: 'trixie-backports',
    release: '7.0.13+deb13-amd64',
    packages: split('7.0.13+deb13-amd64', '7.0.13-1~bpo13+1', { binary: '108e1c0e8e36a5cb13d62fc3f03c05f23448b7801657553c6e9880591c4f97d3', modules: '787ac652f5fac4805092ed951a6ae617d448684f5f399659f0e5dcfa544fabf4', base: '3771568c09e1265030da34c0b998fb81d92b933667db0ec5d018c158a86f3706' }, true),
  },
  {
    series: '7.1',
    suite: 'trixie-backports',
    release: '7.1.13+deb13-amd64',
    packages: split('7.1.13+deb13-amd64', '7.1.13-1~bpo13+1', { binary: '454df41f72dbc25c02c7941055d1c8d2a0deb891b8d962241423e8ca4ab81d1e', modules: '613b3e774eec036688ea3b3693d33de4ccb8d721ae10ab8697eb2854a99aadc8', base: '7676c768de8ac2e8936e402f72c577adff64080c099a5dea246112c7ae7710b2' }, true),
  },
  {
    series: '7.2',
    suite: 'trixie-backports',
    release: '7.2.12+deb13-amd64',
    packages: split('7.2.12+deb13-amd64', '7.2.12-1~bpo13+1', { binary: '0d916c7f1310a7cb0567f235785d1c4511d894eb95e9810a2bc1f67e7ec18c2f', modules: 'abd8aad34e82ae541ec596eafa9ac84bbcddf943c5de051d330516c3dff395d6', base: '51c6a66bf190239492b16354c6212969d597220c3dbec1deacdab9dc151916f0' }, false),
    source: { name: 'linux-source-7.2', version: '7.2.12-1~bpo13+1', sha256: '73ca6c22599ba411ab3179642d33501ca2c90174e13c3c8d86e996ea1cbf2a8f' },
  },
  {
    series: '7.3',
    suite: 'trixie-backports',
    release: '7.3.4+deb13-amd64',
    packages: split('7.3.4+deb13-amd64', '7.3.4-1~bpo13+1', { binary: '7e3248d03a84dcdda88c567aa8c4038f2e7795d2dd167b112c56f8901b6f513f', modules: 'b3ea01922c9f133767a83cf6891c19b3693858ded617bf22d1e34f95382c08ea', base: '5663505495b5c90be94af42105c7b28629802516779102dac48d5a00cc00fccf' }, false),
    source: { name: 'linux-source-7.3', version: '7.3.4-1~bpo13+1', sha256: '703e369ddd4cce971452f5a593ee55df3a5c10c83caf0fa0df039633ed181ee3' },
  },
];

export const DEFAULT_KERNEL_SERIES = '6.12';

/** `--debian-kernel latest`: the newest series pinned. */
export const LATEST_KERNEL_SERIES = DEBIAN_KERNELS.at(-1)!.series;

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
  'fsdev_dax',
  'dax_hmem',
  'dax_cxl',
  'cxl_acpi',
  'cxl_pci',
  'cxl_mem',
  'cxl_pmem',
  'cxl_port',
  'nfit',
] as const;
