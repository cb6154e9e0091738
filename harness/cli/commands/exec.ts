import { loneGuestVcpus } from '../../lab/host-share.ts';
import { prepare } from '../../lab/prepare.ts';
import { withLabGuest } from '../../lab/session.ts';
import { topologyPlanner } from '../topology-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { EXIT, UsageError } from '../errors.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelChoice } from '../kernel-flags.ts';

export const exec: Command = {
  summary: 'boot a guest, run one command in it, print its output, exit with its status',
  usage: '[--topology T] [kernel flags] [--accel A] -- <command…>',
  help: `  --topology T             a built-in topology (daxh topologies) or a .json/.yaml file; default: none (no dax memory)
${ACCEL_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values, positionals } = parseFlags('exec', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, topology: { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('exec: no command given; usage: daxh exec [flags] -- <command…>');
    const plan = values.topology === undefined ? null : topologyPlanner(values.topology);
    const prepared = await prepare(kernelChoice(values), accelFlag(values.accel), (l) => console.error(`daxh: ${l}`));
    return withLabGuest({ prepared, plan: plan && plan(prepared, loneGuestVcpus()), name: 'exec' }, async ({ guest }) => {
      const r = await guest.exec(positionals.join(' '), { timeoutMs: 3_600_000 });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code ?? EXIT.failed;
    });
  },
};
