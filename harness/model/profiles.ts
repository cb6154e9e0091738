// What differs between kernels and machines, as data. The ABI comes from the one table by release
// (harness/abi/kernel.ts), overridden where the booted guest showed otherwise; the machine facts come from
// the guest's sysfs.
import { abiFor, type KernelAbi } from '../abi/kernel.ts';
import type { Provider } from '../abi/providers.ts';
import type { OnlinePolicy } from './observation.ts';
import type { KernelBug } from './bugs.ts';

export type { KernelAbi, Provider };

/** `memory_hotplug.memmap_on_memory` as /sys/module/memory_hotplug/parameters/memmap_on_memory prints it. */
export type MemmapOnMemoryParam = 'N' | 'Y' | 'force';

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
  /** Known bugs the model acts out (bugs.ts); none: the intended behaviour. */
  readonly bugs?: ReadonlySet<KernelBug>;
}

export interface ProfileFacts {
  memmapOnMemoryParam: MemmapOnMemoryParam;
  blockSize: bigint;
  autoOnline: OnlinePolicy;
  /** Defaults to true (Debian configs). */
  memoryHotremove?: boolean;
  /** Defaults to true (Debian configs). */
  kmemConfigured?: boolean;
  /** What the booted guest showed of the ABI, over the table's row for its release. */
  abi?: Partial<KernelAbi>;
}

export { compareReleases } from '../abi/release.ts';

export function profileFor(release: string, facts: ProfileFacts): KernelProfile {
  const abi = { ...abiFor(release), ...facts.abi };
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
