import { loneGuestVcpus } from '../../lab/host-share.ts';
import { prepare } from '../../lab/prepare.ts';
import { bootLabGuest } from '../../lab/session.ts';
import { readRecipeFile, replayTopology } from '../../recipe/load.ts';
import { REPRO_EXIT, replay } from '../../recipe/repro.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelChoice } from '../kernel-flags.ts';

export const repro: Command = {
  summary: 'replay a recipe; exit 0 agrees with the model, 1 diverges, 125 cannot test (git bisect run)',
  usage: '<recipe.json|yaml> [--topology T] [--strict] [kernel flags]',
  help: `  --topology T     replay on another topology than the recipe names
  --strict         count known kernel divergences as divergences (to bisect a known bug)
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values, positionals } = parseFlags('repro', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, ...MACHINE_OPTIONS, topology: { type: 'string' }, strict: { type: 'boolean' } }, true);
    if (positionals.length !== 1) throw new UsageError('repro: give exactly one recipe file');
    const file = positionals[0]!;
    const recipe = await readRecipeFile(file);
    const { name: topology, planner } = replayTopology(recipe, file, values.topology);
    const prepared = await prepare(kernelChoice(values), accelFlag(values.accel), (l) => console.error(`daxh: ${l}`), machineChoice(values));
    const outcome = await replay(recipe, prepared.kernel.release, () => bootLabGuest({ prepared, plan: planner(prepared.kernel.release, loneGuestVcpus()), name: `repro-${topology}` }), topology);
    switch (outcome.kind) {
      case 'agrees':
        for (const k of outcome.known) console.log(`known divergence ${k.id} at ${k.step}: ${k.reason}`);
        if (values.strict && outcome.known.length) {
          console.log(`diverges (known, --strict) on ${prepared.kernel.release}`);
          return REPRO_EXIT.diverges;
        }
        console.log(`agrees with the model on ${prepared.kernel.release} (${recipe.steps.length} steps, ${outcome.checks} checks)`);
        return REPRO_EXIT.agrees;
      case 'diverges':
        console.log(outcome.report);
        return REPRO_EXIT.diverges;
      case 'cannot-test':
        console.log(`cannot test: ${outcome.reason}`);
        return REPRO_EXIT['cannot-test'];
    }
  },
};
