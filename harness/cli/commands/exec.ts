import { loneGuestVcpus } from '../../lab/host-share.ts';
import { topologyPlanner } from '../../lab/planner.ts';
import { prepare } from '../../lab/prepare.ts';
import { withLabGuest } from '../../lab/session.ts';
import { parseFlags, type Command } from '../command.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { UsageError } from '../errors.ts';
import { shellQuote } from '../../util/shell-quote.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelChoice } from '../kernel-flags.ts';
import { say } from '../say.ts';
import { DRY_RUN_HELP, DRY_RUN_OPTION, printDryRun } from '../dry-run-flag.ts';


/**
 * The guest command line for `exec -- ARGS`: one argument is a script, as `sh -c` and `vng --exec` take it;
 * several are an argv, each quoted so the guest shell passes it through unchanged, as `docker exec` does.
 */
export function guestCommand(argv: readonly string[]): string {
  return argv.length === 1 ? argv[0]! : argv.map(shellQuote).join(' ');
}

export const exec: Command = {
  summary: 'boot a guest, run one command in it (stdin, stdout and stderr attached), exit with its status',
  usage: '[--topology T] [kernel flags] [--accel A] -- <command…>',
  help: `  --topology T             a built-in topology (daxh topologies) or a .json/.yaml file; default: none (no dax memory)
One argument is run as a shell script (\`daxh exec -- 'ls /sys/bus/dax | wc -l'\`); several are an argv, passed
through unchanged (\`daxh exec -- printf '[%s]\\n' 'a b' c\`). Output streams as it comes; stdin is forwarded.
${DRY_RUN_HELP}
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values, positionals } = parseFlags('exec', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, ...MACHINE_OPTIONS, ...DRY_RUN_OPTION, topology: { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('exec: no command given; usage: daxh exec [flags] -- <command…>');
    const plan = values.topology === undefined ? null : topologyPlanner(values.topology);
    const [kernel, accel, machine] = [kernelChoice(values), accelFlag(values.accel), machineChoice(values)];
    if (values['dry-run']) return printDryRun(plan ? [[values.topology!, plan]] : [], kernel, machine, accel);
    const prepared = await prepare(kernel, accel, say, machine);
    return withLabGuest({ prepared, plan: plan && plan(prepared.kernel.release, loneGuestVcpus()), name: 'exec' }, ({ guest }) => guest.attach(guestCommand(positionals)));
  },
};
