// The kernel command-line words a topology needs: e820 ranges and memory-hotplug policy.
import { abiFor, featureSince } from '../harness/abi/kernel.ts';
import { seriesOf } from '../harness/abi/release.ts';
import { formatSize } from './size.ts';
import { TopologyError, type GuestTopology } from './validate.ts';

/** e820 type numbers for memmap=SIZE%START-OLD+NEW: usable RAM becomes soft reserved (EFI_MEMORY_SP). */
const E820_RAM = '1';
const E820_SOFT_RESERVED = '0xefffffff';

const MHP_MEMMAP_ON_MEMORY = { N: '0', Y: '1', force: 'force' } as const;

export function kernelCmdline(t: GuestTopology, release: string): string[] {
  const ranges = [
    ...t.pmem.map((r) => ({ start: r.start, word: `memmap=${formatSize(r.size)}!${formatSize(r.start)}` })),
    ...t.hmem.map((r) => ({ start: r.start, word: `memmap=${formatSize(r.size)}%${formatSize(r.start)}-${E820_RAM}+${E820_SOFT_RESERVED}` })),
  ].sort((a, b) => (a.start < b.start ? -1 : 1));
  const mom = t.boot.memmapOnMemory;
  if (mom === 'force' && !abiFor(release).mhpMemmapOnMemoryForce) {
    throw new TopologyError('boot.memmapOnMemory', `force needs kernel ${featureSince('mhpMemmapOnMemoryForce')} or later; ${seriesOf(release)} parses it as N. Use Y`);
  }
  return [
    ...ranges.map((r) => r.word),
    ...(mom ? [`memory_hotplug.memmap_on_memory=${MHP_MEMMAP_ON_MEMORY[mom]}`] : []),
    ...(t.boot.online?.via === 'memhp_default_state' ? [`memhp_default_state=${t.boot.online.policy}`] : []),
    ...t.boot.cmdline,
  ];
}
