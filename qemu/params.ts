// Kernel parameters as the kernel reads them, and the ones the harness keeps for itself. Pure.

/**
 * Kernel parameters the harness sets itself, for --append and a topology's boot.cmdline alike: a second copy
 * would fight it. Matched as the kernel matches names (parameq, kernel/params.c): "-" and "_" are the same.
 */
const HARNESS_PARAMS: Readonly<Record<string, string>> = {
  console: 'the harness reads the kernel log from console=ttyS0',
  panic: 'the harness sets panic=-1 so a panic stops the guest for the report',
  memmap: 'memmap= comes from pmem and hmem; describe the range there',
  memory_hotplug_memmap_on_memory: 'set boot.memmapOnMemory (or a +mom topology) instead',
  memhp_default_state: 'set boot.online (or a +movable topology) instead',
};

/** The name of a kernel parameter as the kernel compares it: the part before "=", "-" as "_". */
export const paramName = (word: string): string => word.split('=')[0]!.replace(/-/g, '_');

/** Why the harness keeps `word` for itself, or undefined. */
export const harnessParam = (word: string): string | undefined => HARNESS_PARAMS[paramName(word).replace(/\./g, '_')];
