import { loneGuestVcpus } from '../../lab/host-share.ts';
import { prepare } from '../../lab/prepare.ts';
import { withLabGuest } from '../../lab/session.ts';
import { topologyPlanner } from '../../lab/planner.ts';
import { parseFlags, type Command } from '../command.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelChoice } from '../kernel-flags.ts';
import { say } from '../say.ts';
import { DRY_RUN_HELP, DRY_RUN_OPTION, printDryRun } from '../dry-run-flag.ts';

export const shell: Command = {
  summary: 'boot a guest and open a root shell in it; exits with the shell\'s status',
  usage: '[--topology T] [kernel flags] [--accel A]',
  help: `  --topology T             a built-in topology or a topology file; default: none
${DRY_RUN_HELP}
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values } = parseFlags('shell', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, ...MACHINE_OPTIONS, ...DRY_RUN_OPTION, topology: { type: 'string' } });
    const plan = values.topology === undefined ? null : topologyPlanner(values.topology);
    const [kernel, accel, machine] = [kernelChoice(values), accelFlag(values.accel), machineChoice(values)];
    if (values['dry-run']) return printDryRun(plan ? [[values.topology!, plan]] : [], kernel, machine, accel);
    const prepared = await prepare(kernel, accel, say, machine);
    return withLabGuest({ prepared, plan: plan && plan(prepared.kernel.release, loneGuestVcpus()), name: 'shell' }, async ({ guest, provisioning }) => {
      for (const s of provisioning) say(`${s.step}: ${s.status === 'done' ? 'done' : `skipped (${s.reason})`}`);
      return guest.attach(null);
    });
  },
};
