// What the harness reads back from a guest, and what the model's observe() must produce: the same shape on
// both sides, so comparing prediction with reality is one structural diff.
import type { DaxDriver, KmemState } from '../abi/attributes.ts';

export type OnlinePolicy = 'offline' | 'online' | 'online_kernel' | 'online_movable';
export type MemblockState = 'online' | 'offline' | 'going-offline';
export type Zone = 'Normal' | 'Movable' | 'DMA32' | 'DMA' | 'none';

export interface ObservedMapping {
  start: bigint;
  end: bigint; // inclusive, as sysfs prints it
  pageOffset: bigint; // in pages
}

export interface ObservedRegion {
  host: string; // sysfs path of the device carrying dax_region/
  id: number;
  size: bigint;
  align: bigint;
  /** null for static regions, which have no available_size/seed/create/delete. */
  dynamic: null | { availableSize: bigint; seed: string | null; create: string | null };
}

export interface ObservedDevice {
  name: string; // daxR.N
  host: string; // region host path
  size: bigint;
  align: bigint;
  targetNode: number | null; // attribute hidden when the region's node is < 0
  numaNode: number;
  resource: bigint;
  modalias: string;
  memmapOnMemory: boolean | null; // null: attribute absent (6.1)
  /** kmem's state file (7.3+, while bound to kmem); null where it does not exist. */
  state: KmemState | null;
  driver: DaxDriver | null;
  /** In range (page_offset) order; the mappingN directory ids may have holes (driver/wire.ts). */
  mappings: ObservedMapping[];
}

/** A /proc/iomem line the dax bus owns: `daxR.N` or `System RAM (kmem)`, with its parent's name (null: top level). */
export interface IomemEntry {
  start: bigint;
  end: bigint;
  name: string;
  parent: string | null;
}

export interface ObservedBlock {
  index: number; // memoryN
  state: MemblockState;
  /**
   * Its nodeN link; null when the block has none: do_register_memory_block_under_node() (drivers/base/node.c)
   * lets a failed sysfs_create_link pass with a dev_err, and the hot-add goes on.
   */
  node: number | null;
  zone: Zone; // from valid_zones when online; 'none' when offline
}

export interface Observation {
  regions: ObservedRegion[]; // sorted by host
  devices: ObservedDevice[]; // sorted by name (natural order: dax0.2 < dax0.10)
  iomem: IomemEntry[]; // in file order
  /** Memory blocks added after boot (by kmem); boot RAM blocks are not the dax bus's business. */
  memoryBlocks: ObservedBlock[]; // sorted by index
  memTotalKiB: bigint;
}

/** Memory blocks (of the observed, hot-added ones) whose start lies in one of the device's ranges. */
export function blocksOfDevice(obs: Observation, dev: ObservedDevice, blockSize: bigint): number[] {
  return obs.memoryBlocks.filter((b) => dev.mappings.some((m) => BigInt(b.index) * blockSize >= m.start && BigInt(b.index) * blockSize <= m.end)).map((b) => b.index);
}
