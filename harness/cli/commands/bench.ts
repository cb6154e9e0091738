import { execa } from 'execa';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BENCH_TOPOLOGIES, GENERATOR_TOPOLOGIES, benchTable, runBench, type MatrixFigure } from '../../../bench/bench.ts';
import { figure } from '../../../bench/stats.ts';
import { matrixSummarySchema } from '../../matrix/summary.ts';
import { plannersFor, topologyPlanner } from '../../lab/planner.ts';
import { prepare } from '../../lab/prepare.ts';
import { checkReportPaths, writeReportFile } from '../../report/files.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, wholeNumber, type Command } from '../command.ts';
import { EXIT } from '../errors.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelArgs, kernelChoice } from '../kernel-flags.ts';
import { say } from '../say.ts';
import { DRY_RUN_HELP, DRY_RUN_OPTION, printDryRun } from '../dry-run-flag.ts';

export const bench: Command = {
  summary: 'measure boot, provisioning, SSH, step, reset and model speed (median and spread)',
  usage: '[--runs N] [--topology T]… [--generators T,T|none] [--full] [--json F] [kernel flags]',
  help: `  --runs N         repetitions per figure (default 5)
  --topology T     boot-to-provisioned only for these (default: every built-in)
  --generators L   the model-based and concurrency cases' rates (operations and races per second) on these
                   topologies (default ${GENERATOR_TOPOLOGIES.join(',')}; a few minutes each), or none
  --full           also time one whole default \`daxh run\` (minutes)
  --matrix         also time a whole daxh matrix (every Debian kernel: an hour or more); without it, the
                   matrix figure is the one the last npm run matrix (out/matrix-*/matrix.json) measured
  --json F         write the figures as JSON
${DRY_RUN_HELP}
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values } = parseFlags('bench', args, { ...KERNEL_OPTIONS, ...ACCEL_OPTION, ...MACHINE_OPTIONS, runs: { type: 'string' }, topology: { type: 'string', multiple: true }, generators: { type: 'string' }, full: { type: 'boolean' }, matrix: { type: 'boolean' }, json: { type: 'string' }, ...DRY_RUN_OPTION });
    const runs = values.runs === undefined ? 5 : wholeNumber('--runs', values.runs, 1, 1000);
    // Checked before the first boot: a mistyped topology or a bad --json path costs nothing.
    const planners = plannersFor(values.topology ?? BENCH_TOPOLOGIES());
    const generators = values.generators === 'none' ? [] : (values.generators?.split(',') ?? [...GENERATOR_TOPOLOGIES]);
    for (const g of generators) topologyPlanner(g, '--generators');
    checkReportPaths({ json: values.json });
    const [kernel, accel, machine] = [kernelChoice(values), accelFlag(values.accel), machineChoice(values)];
    if (values['dry-run']) return printDryRun([...planners], kernel, machine, accel);
    const prepared = await prepare(kernel, accel, say, machine);
    const figures = await runBench({
      prepared,
      runs,
      topologies: values.topology ?? BENCH_TOPOLOGIES(),
      generators,
      log: say,
      matrix: values.matrix
        ? async () => {
            const out = join('out', `matrix-bench-${Date.now()}`);
            await execa(process.execPath, [process.argv[1]!, 'matrix', '--out', out, '--accel', prepared.accel], { stdio: 'inherit', reject: false });
            return matrixFigure(join(out, 'matrix.json'), 'daxh bench --matrix');
          }
        : async () => {
            const last = await latestMatrix('out');
            return last ? matrixFigure(last, 'the last npm run matrix') : null;
          },
      ...(values.full
        ? {
            fullRun: async () => {
              const t0 = performance.now();
              await execa(process.execPath, [process.argv[1]!, 'run', ...kernelArgs(values), '--accel', prepared.accel], { stdio: 'inherit', reject: false });
              return (performance.now() - t0) / 1000;
            },
          }
        : {}),
    });
    console.log(benchTable(figures));
    if (!figures.matrix_s) console.log('matrix_s: not measured on this machine yet; npm run matrix measures it (or daxh bench --matrix)');
    if (values.json) await writeReportFile(values.json, JSON.stringify(figures, null, 2) + '\n');
    return EXIT.ok;
  },
};

/** The newest out/matrix-* summary, if a matrix ran here. */
async function latestMatrix(dir: string): Promise<string | null> {
  const runs = (await readdir(dir).catch(() => [])).filter((d) => d.startsWith('matrix-')).sort();
  for (const d of runs.reverse()) {
    const f = join(dir, d, 'matrix.json');
    if (await stat(f).catch(() => null)) return f;
  }
  return null;
}

async function matrixFigure(file: string, how: string): Promise<MatrixFigure | null> {
  const parsed = matrixSummarySchema.safeParse(JSON.parse(await readFile(file, 'utf8').catch(() => 'null')));
  if (!parsed.success) return null;
  const s = parsed.data;
  return { ...figure([s.wallS]), kernels: s.entries.length, measuredAt: s.startedAt, source: `${how}, ${file}` };
}
