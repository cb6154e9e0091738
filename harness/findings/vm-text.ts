// vm.txt: the VM a finding's repro.sh runs in, for a reader with their own tools (run_qemu, virtme-ng, plain
// QEMU): the QEMU and kernel command lines of its topology, what to load before running it, and the kernel
// options it needs. Pure, from the topology's plan and the harness's config table.
import { dryRun } from '../lab/dry-run.ts';
import { plannersFor } from '../lab/planner.ts';
import { DEFAULT_MACHINE } from '../lab/prepare.ts';
import { DEBUG_CONFIG, HARNESS_CONFIG } from '../../images/kconfig.ts';
import { wrap } from './report-text.ts';

export function vmText(topology: string, release: string, needs?: string): string {
  const relevant = HARNESS_CONFIG.filter((c) => /DAX|NVDIMM|ND_|PMEM|CXL|MEMORY_HOTPLUG|MEMORY_HOTREMOVE|HMEM|NUMA|FS_DAX|SPARSEMEM/.test(c.option));
  return [
    wrap(`The VM that repro.sh was written for: topology "${topology}" of dax-harness, as it boots kernel ${release}. Any VM with the same memory layout and modules will do; the paths in <…> are yours (a bzImage, an initramfs with a root shell, busybox or coreutils, awk and dmesg).`),
    '',
    dryRun([...plannersFor([topology])], release, 2, DEFAULT_MACHINE, 'tcg'),
    '',
    wrap('Before running repro.sh, load the modules the provisioning lines above name (modprobe -a …) and wait until the dax devices appear under /sys/bus/dax/devices.'),
    '',
    `Kernel options (${needs ? `and ${needs}` : 'a distribution kernel has them'}):`,
    ...relevant.map((c) => `  ${c.option}=${c.value}  # ${c.why}`),
    ...(needs ? ['', 'For the fault injection and debug reports:', ...DEBUG_CONFIG.map((c) => `  ${c.option}=${c.value}  # ${c.why}`)] : []),
    '',
  ].join('\n');
}
