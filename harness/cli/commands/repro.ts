import { loneGuestVcpus } from '../../lab/host-share.ts';
import { prepare } from '../../lab/prepare.ts';
import { bootLabGuest } from '../../lab/session.ts';
import { readRecipeFile, replayTopology } from '../../recipe/load.ts';
import { REPRO_EXIT, replay, type ReproOutcome } from '../../recipe/repro.ts';
import { debianPin, pinCached, type KernelChoice } from '../../../images/kernel.ts';
import { DEBIAN_KERNELS } from '../../../images/pins.ts';
import { parseKernelList } from './matrix.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelArgs, kernelChoice } from '../kernel-flags.ts';

export const repro: Command = {
  summary: 'replay a recipe; exit 0 agrees with the model, 1 diverges, 125 cannot test (git bisect run)',
  usage: '<recipe.json|yaml> [--topology T] [--strict] [--kernels all|cached|S,S…] [kernel flags]',
  help: `  --topology T     replay on another topology than the recipe names
  --strict         count known kernel divergences as divergences (to bisect a known bug)
  --kernels L      replay on each of these Debian series (all, cached: the ones already downloaded, or a
                   comma list) and say which it reproduces on; exit 1 if it diverges on any
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values, positionals } = parseFlags('repro', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, ...MACHINE_OPTIONS, topology: { type: 'string' }, strict: { type: 'boolean' }, kernels: { type: 'string' } }, true);
    if (positionals.length !== 1) throw new UsageError('repro: give exactly one recipe file');
    const file = positionals[0]!;
    const recipe = await readRecipeFile(file);
    const { name: topology, planner } = replayTopology(recipe, file, values.topology);
    const log = (l: string) => console.error(`daxh: ${l}`);
    const once = async (choice: KernelChoice) => {
      const prepared = await prepare(choice, accelFlag(values.accel), log, machineChoice(values));
      const outcome = await replay(recipe, prepared.kernel.release, () => bootLabGuest({ prepared, plan: planner(prepared.kernel.release, loneGuestVcpus()), name: `repro-${topology}` }), topology);
      return { release: prepared.kernel.release, ...verdict(outcome, values.strict === true) };
    };
    if (values.kernels === undefined) {
      const v = await once(kernelChoice(values));
      console.log(v.detail ? `${v.detail}\n${v.line} on ${v.release}` : `${v.line} on ${v.release}`);
      return v.exit;
    }
    if (kernelArgs(values).length) throw new UsageError('--kernels replays on Debian series: leave out --debian-kernel, --kernel, --modules and --kernel-tree');
    const series = values.kernels === 'cached' ? await cachedSeries() : parseKernelList(values.kernels);
    if (!series.length) throw new UsageError('--kernels cached: no Debian kernel is cached yet; daxh kernels lists them, --kernels all fetches them');
    const lines: string[] = [];
    const by: Record<'agrees' | 'diverges' | 'cannot-test', string[]> = { agrees: [], diverges: [], 'cannot-test': [] };
    for (const s of series) {
      const v = await once({ kind: 'debian', series: s });
      by[v.kind].push(s);
      lines.push(`${s.padEnd(6)} ${v.release}: ${v.line}`);
      console.log(lines.at(-1));
    }
    console.log(`reproduces on: ${by.diverges.join(', ') || 'none'} · agrees on: ${by.agrees.join(', ') || 'none'}${by['cannot-test'].length ? ` · cannot test: ${by['cannot-test'].join(', ')}` : ''}`);
    return by.diverges.length ? REPRO_EXIT.diverges : by.agrees.length ? REPRO_EXIT.agrees : REPRO_EXIT['cannot-test'];
  },
};

/** One replay's verdict as an exit code and a line (known divergences named; --strict makes them divergences). */
function verdict(outcome: ReproOutcome, strict: boolean): { kind: keyof typeof REPRO_EXIT; exit: number; line: string; detail?: string } {
  switch (outcome.kind) {
    case 'agrees': {
      const known = outcome.known.map((k) => `known divergence ${k.id} at ${k.step}: ${k.reason}`).join('\n');
      if (strict && outcome.known.length) return { kind: 'diverges', exit: REPRO_EXIT.diverges, line: `diverges (known, --strict: ${[...new Set(outcome.known.map((k) => k.id))].join(', ')})`, detail: known };
      return { kind: 'agrees', exit: REPRO_EXIT.agrees, line: `agrees with the model (${outcome.checks} checks${outcome.known.length ? `; known: ${[...new Set(outcome.known.map((k) => k.id))].join(', ')}` : ''})`, ...(known ? { detail: known } : {}) };
    }
    case 'diverges':
      return { kind: 'diverges', exit: REPRO_EXIT.diverges, line: 'diverges', detail: outcome.report };
    case 'cannot-test':
      return { kind: 'cannot-test', exit: REPRO_EXIT['cannot-test'], line: `cannot test: ${outcome.reason}` };
  }
}

async function cachedSeries(): Promise<string[]> {
  const out: string[] = [];
  for (const k of DEBIAN_KERNELS) if (await pinCached(debianPin(k.series))) out.push(k.series);
  return out;
}
