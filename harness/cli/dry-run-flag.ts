// --dry-run for every command that boots or builds: everything is checked as for a real run, then what would
// boot is printed (the QEMU and kernel command lines, the provisioning) and nothing starts.
import { releaseOf, type KernelChoice } from '../../images/kernel.ts';
import type { Accel } from '../../qemu/base-args.ts';
import { dryRun } from '../lab/dry-run.ts';
import { loneGuestVcpus } from '../lab/host-share.ts';
import type { TopologyPlanner } from '../lab/planner.ts';
import type { MachineChoice } from '../lab/prepare.ts';

export const DRY_RUN_OPTION = { 'dry-run': { type: 'boolean' } } as const;
export const DRY_RUN_HELP = '  --dry-run                check everything, print what would boot (QEMU and kernel command lines, provisioning), boot nothing';

/** Prints the plan of each topology on the kernel the choice names (found without downloading or building). */
export async function printDryRun(planners: readonly (readonly [string, TopologyPlanner])[], kernel: KernelChoice, machine: MachineChoice, accel: Accel | 'auto'): Promise<number> {
  const release = await releaseOf(kernel);
  console.log(planners.length ? dryRun(planners, release, loneGuestVcpus(), machine, accel) : `kernel ${release}; a guest without dax memory (no --topology)`);
  return 0;
}
