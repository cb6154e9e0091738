import { bisect as runBisect, checkBisect } from '../../recipe/bisect.ts';
import { DRY_RUN_OPTION } from '../dry-run-flag.ts';
import { ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { say } from '../say.ts';

export const bisect: Command = {
  summary: 'find the first kernel commit where a recipe diverges (git bisect in your tree)',
  usage: '--kernel-tree DIR --good REV --bad REV <recipe> [--topology T] [--strict]',
  help: `Rebuilds DIR at every step with its own .config (make olddefconfig, then bzImage and modules with
-j$(nproc)), replays the recipe with daxh repro, and prints the first bad commit. A commit that does not
build is skipped. Each step costs one incremental kernel build plus one guest boot (about 5 s under TCG).
--dry-run checks the tree, both revisions and the recipe, prints the range, and starts no bisect.`,
  async run(args) {
    const { values, positionals } = parseFlags('bisect', args, { 'kernel-tree': { type: 'string' }, good: { type: 'string' }, bad: { type: 'string' }, topology: { type: 'string' }, strict: { type: 'boolean' }, ...ACCEL_OPTION, ...DRY_RUN_OPTION }, true);
    const tree = values['kernel-tree'];
    if (!tree || !values.good || !values.bad) throw new UsageError('bisect: --kernel-tree, --good and --bad are all required');
    if (positionals.length !== 1) throw new UsageError('bisect: give exactly one recipe file');
    accelFlag(values.accel);
    const extra = [...(values.strict ? ['--strict'] : []), ...(values.accel ? ['--accel', values.accel] : [])];
    const request = { tree, good: values.good, bad: values.bad, recipe: positionals[0]!, ...(values.topology ? { topology: values.topology } : {}), daxh: [process.execPath, process.argv[1]!] as const, extra };
    if (values['dry-run']) {
      const c = await checkBisect(request);
      console.log(`would bisect ${c.good}..${c.bad} in ${c.tree}, replaying ${positionals[0]} at each step`);
      return EXIT.ok;
    }
    const t0 = performance.now();
    const { firstBad, output } = await runBisect(request, say);
    console.log(output.trim());
    say(`bisect took ${((performance.now() - t0) / 60000).toFixed(1)} min`);
    if (!firstBad) {
      console.error('daxh: bisect found no first bad commit (every candidate was skipped, or the bad commit agrees); see the log above');
      return EXIT.error;
    }
    console.log(`first bad commit: ${firstBad}`);
    return EXIT.ok;
  },
};
