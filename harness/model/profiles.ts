// What differs between kernels and machines, as data. The ABI features carry the release that introduced
// them, so a release picks its behaviour by version; the machine facts come from the guest's sysfs.
import type { OnlinePolicy } from './observation.ts';

export type Provider = 'pmem' | 'nvdimm' | 'cxl' | 'cxl-pmem' | 'hmem';

/** `memory_hotplug.memmap_on_memory` as /sys/module/memory_hotplug/parameters/memmap_on_memory prints it. */
export type MemmapOnMemoryParam = 'N' | 'Y' | 'force';

export interface KernelAbi {
  /**
   * How dax_bus_match decides. 'type': a `new_id` entry, or the driver type equals the region type
   * (IORESOURCE_DAX_KMEM → kmem, else device_dax). 'device_dax-always': device_dax has match_always, kmem
   * matches only `new_id` entries (6.1).
   */
  readonly matching: 'type' | 'device_dax-always';
  /** Providers whose regions carry IORESOURCE_DAX_KMEM, i.e. whose devices kmem claims by default. */
  readonly kmemRegionProviders: readonly Provider[];
  /** Whether daxR.N/memmap_on_memory exists (and kmem passes MHP_MEMMAP_ON_MEMORY for it). */
  readonly memmapOnMemoryAttr: boolean;
}

export interface KernelProfile {
  readonly release: string;
  readonly abi: KernelAbi;
  readonly memmapOnMemoryParam: MemmapOnMemoryParam;
  /** /sys/devices/system/memory/block_size_bytes */
  readonly blockSize: bigint;
  /** auto_online_blocks when the inventory was taken; the state tracks later writes. */
  readonly autoOnline: OnlinePolicy;
  /** CONFIG_MEMORY_HOTREMOVE: without it kmem unbind never removes memory. */
  readonly memoryHotremove: boolean;
  /** CONFIG_DEV_DAX_KMEM: without it device_dax matches every device (dax_match_type). */
  readonly kmemConfigured: boolean;
}

export interface ProfileFacts {
  memmapOnMemoryParam: MemmapOnMemoryParam;
  blockSize: bigint;
  autoOnline: OnlinePolicy;
  /** Defaults to true (Debian configs). */
  memoryHotremove?: boolean;
  /** Defaults to true (Debian configs). */
  kmemConfigured?: boolean;
}

/** Releases that changed the dax bus ABI, oldest first; a release gets every entry at or below it. */
const ABI_HISTORY: readonly { since: string; change: Partial<KernelAbi> }[] = [
  { since: '6.1', change: { matching: 'device_dax-always', kmemRegionProviders: [], memmapOnMemoryAttr: false } },
  // "dax: Assign RAM regions to memory-hotplug by default" (CXL RAM series).
  { since: '6.3', change: { matching: 'type', kmemRegionProviders: ['hmem', 'cxl'] } },
  // "dax/bus: Introduce a memmap_on_memory sysfs attribute" (v6.8).
  { since: '6.8', change: { memmapOnMemoryAttr: true } },
];

/** Leading `major.minor[.patch]` of a uname release (`6.12.117+deb12-amd64`, `6.1.0-56-amd64`). */
function parseRelease(release: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) throw new Error(`kernel release ${JSON.stringify(release)} does not start with major.minor`);
  return m.slice(1).filter((x) => x !== undefined).map(Number);
}

/** Compares releases component-wise; missing components count as 0. */
export function compareReleases(a: string, b: string): number {
  const x = parseRelease(a);
  const y = parseRelease(b);
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function profileFor(release: string, facts: ProfileFacts): KernelProfile {
  const applicable = ABI_HISTORY.filter((h) => compareReleases(release, h.since) >= 0);
  if (applicable.length === 0) throw new Error(`no dax bus profile for kernel ${release} (oldest modelled: ${ABI_HISTORY[0]!.since})`);
  const abi = Object.assign({}, ...applicable.map((h) => h.change)) as KernelAbi;
  if (facts.blockSize <= 0n || facts.blockSize % 4096n !== 0n) throw new Error(`memory block size ${facts.blockSize} is not a positive multiple of the page size`);
  return {
    release,
    abi,
    memmapOnMemoryParam: facts.memmapOnMemoryParam,
    blockSize: facts.blockSize,
    autoOnline: facts.autoOnline,
    memoryHotremove: facts.memoryHotremove ?? true,
    kmemConfigured: facts.kmemConfigured ?? true,
  };
}

const PAGE = 4096n;
const PAGEBLOCK_PAGES = 512n; // x86_64: pageblock_order = HUGETLB_PAGE_ORDER = 9
const PMD_SIZE = 2n * 1024n * 1024n;
const STRUCT_PAGE = 64n;

/** memory_block_memmap_on_memory_pages(): 'force' rounds the per-block memmap up to whole pageblocks. */
function memmapPagesPerBlock(p: KernelProfile): bigint {
  const pages = (memmapBytes(p) + PAGE - 1n) / PAGE;
  return p.memmapOnMemoryParam === 'force' ? ((pages + PAGEBLOCK_PAGES - 1n) / PAGEBLOCK_PAGES) * PAGEBLOCK_PAGES : pages;
}

/** memory_block_memmap_size() */
function memmapBytes(p: KernelProfile): bigint {
  return (p.blockSize / PAGE) * STRUCT_PAGE;
}

/** mhp_supports_memmap_on_memory() with x86_64's default arch check (vmemmap spans whole PMDs). */
export function memmapOnMemorySupported(p: KernelProfile): boolean {
  if (p.memmapOnMemoryParam === 'N') return false;
  const size = memmapBytes(p);
  const pages = memmapPagesPerBlock(p);
  if (size % PAGE !== 0n) return false;
  if (pages % PAGEBLOCK_PAGES !== 0n) return false;
  if (pages === p.blockSize / PAGE) return false;
  return size % PMD_SIZE === 0n;
}

/**
 * Bytes of each hot-added block that carry its own memmap instead of becoming RAM, for a kmem probe of a
 * device with the given memmap_on_memory flag: kmem requests MHP_MEMMAP_ON_MEMORY only where the attribute
 * exists, and add_memory_resource honours it only if supported (otherwise silently ignored).
 */
export function vmemmapBytesPerBlock(p: KernelProfile, deviceFlag: boolean): bigint {
  return deviceFlag && p.abi.memmapOnMemoryAttr && memmapOnMemorySupported(p) ? memmapPagesPerBlock(p) * PAGE : 0n;
}
