import { readRecipeFile, replayTopology } from '../../recipe/load.ts';
import { REPRO_EXIT } from '../../recipe/repro.ts';
import { replayAcross, replayOn, type ReplaySetup } from '../../recipe/replay-on.ts';
import type { VerdictKind } from '../../report/results.ts';
import { spreadLine } from '../../report/facts.ts';
import { kernelList } from '../kernel-list.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelArgs, kernelChoice } from '../kernel-flags.ts';
import { say } from '../say.ts';
import { DRY_RUN_HELP, DRY_RUN_OPTION, printDryRun } from '../dry-run-flag.ts';
import { printable } from '../../util/terminal.ts';

export const repro: Command = {
  summary: 'replay a recipe; exit 0 agrees with the model, 1 diverges, 125 cannot test (git bisect run)',
  usage: '<recipe.json|yaml> [--topology T] [--strict] [--kernels all|cached|S,S…] [kernel flags]',
  help: `  --topology T     replay on another topology than the recipe names
  --strict         count known kernel divergences as divergences (to bisect a known bug)
  --kernels L      replay on each of these Debian series (all, cached: the ones already downloaded, or a
                   comma list) and say which it reproduces on; exit 1 if it diverges on any
${DRY_RUN_HELP}
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values, positionals } = parseFlags('repro', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, ...MACHINE_OPTIONS, topology: { type: 'string' }, strict: { type: 'boolean' }, kernels: { type: 'string' }, ...DRY_RUN_OPTION }, true);
    if (positionals.length !== 1) throw new UsageError('repro: give exactly one recipe file');
    const file = positionals[0]!;
    const recipe = await readRecipeFile(file);
    const { name: topology, planner } = replayTopology(recipe, file, values.topology);
    const setup: ReplaySetup = { recipe, topology, planner, accel: accelFlag(values.accel), machine: machineChoice(values), strict: values.strict === true, log: say };
    const kernel = kernelChoice(values);
    const series = values.kernels === undefined ? undefined : await kernelList(values.kernels);
    if (series && kernelArgs(values).length) throw new UsageError('--kernels replays on Debian series: leave out --debian-kernel, --kernel, --modules and --kernel-tree');
    if (values['dry-run']) return printDryRun([[topology, planner]], kernel, setup.machine, setup.accel);
    if (series === undefined) {
      const v = await replayOn(setup, kernel);
      console.log(printable(v.detail ? `${v.detail}\n${v.line} on ${v.release}` : `${v.line} on ${v.release}`));
      return v.exit;
    }
    const verdicts = await replayAcross(setup, series, (v) => console.log(printable(`${v.series.padEnd(6)} ${v.release}: ${v.line}`)));
    console.log(spreadLine(verdicts));
    const has = (k: VerdictKind) => verdicts.some((v) => v.kind === k);
    return has('diverges') ? REPRO_EXIT.diverges : has('agrees') ? REPRO_EXIT.agrees : REPRO_EXIT['cannot-test'];
  },
};
