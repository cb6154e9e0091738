import { join } from 'node:path';
import { ALL_SUITES } from '../../../suites/index.ts';
import { interruption, holdExit, interruptExitCode } from '../../guest/registry.ts';
import { defaultJobs, hostResources, vcpusPerGuest } from '../../lab/host-share.ts';
import { labBooter, offersFor, plannersFor } from '../../lab/planner.ts';
import { prepare } from '../../lab/prepare.ts';
import { checkOutputPath, reportersFor, rescueResults } from '../../report/files.ts';
import { ProgressReporter } from '../../report/progress.ts';
import { Multiplexer } from '../../report/reporter.ts';
import { runCases } from '../../runner/runner.ts';
import { instantiate, select, shard } from '../../runner/suite.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelArgs, kernelChoice } from '../kernel-flags.ts';

export function parseShard(v: string): { index: number; count: number } {
  const m = v.match(/^(\d+)\/(\d+)$/);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard ${v}: use i/n with 1 <= i <= n, e.g. --shard 1/2`);
  return { index, count };
}

/** A whole number within bounds, or one line naming the flag. */
export function wholeNumber(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${v}: use a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  return n;
}

export const run: Command = {
  summary: 'run the suites on real guests and compare every step with the model',
  usage: '[--suite S]… [--topology T]… [--match GLOB] [--shard i/n] [--jobs N] [--seed N] [reports] [kernel flags]',
  help: `  --suite S            only this suite (repeatable): ${ALL_SUITES.map((s) => s.name).join(', ')}
  --topology T         only cases on this topology (repeatable): a built-in (daxh topologies), with +mom
                       for memmap_on_memory=1, or a .yaml/.json topology file
  --match GLOB         only cases whose name or suite/topology/name matches
  --shard i/n          the i-th of n deterministic parts (whole topologies per part)
  --jobs N             guests at once (default from cores and free memory); each gets cores/N vCPUs (1 or 2)
                       unless its topology sets cpus
  --seed N             seed for randomised cases (default: random, printed)
  --list               print the selected cases and exit
  --out DIR            console logs and recipes (default out/run-<time>)
  --json F  --junit F  --tap F  --markdown F   reports; the markdown also goes to $GITHUB_STEP_SUMMARY
${ACCEL_HELP}
${KERNEL_HELP}`,
  async run(args) {
    const { values } = parseFlags('run', args, {
      ...KERNEL_OPTIONS,
      ...ACCEL_OPTION,
      suite: { type: 'string', multiple: true },
      topology: { type: 'string', multiple: true },
      match: { type: 'string' },
      shard: { type: 'string' },
      jobs: { type: 'string' },
      seed: { type: 'string' },
      list: { type: 'boolean' },
      out: { type: 'string' },
      json: { type: 'string' },
      junit: { type: 'string' },
      tap: { type: 'string' },
      markdown: { type: 'string' },
    });
    const known = new Set(ALL_SUITES.map((s) => s.name));
    for (const s of values.suite ?? []) if (!known.has(s)) throw new UsageError(`--suite ${s}: no such suite; use one of ${[...known].join(', ')}`);
    // Validate every topology before the first boot, so a bad one costs nothing (and a mistyped name says so).
    const planners = plannersFor(values.topology ?? []);
    let cases = select(instantiate(ALL_SUITES, offersFor(values.topology ?? [])), { suites: values.suite ?? [], topologies: values.topology ?? [], ...(values.match ? { match: values.match } : {}) });
    const sh = values.shard ? parseShard(values.shard) : undefined;
    if (sh) cases = shard(cases, sh.index, sh.count);
    if (cases.length === 0) throw new UsageError('run: the selection matches no case; see daxh run --list');
    if (values.list) {
      for (const c of cases) console.log(`${c.suite}/${c.topology}/${c.name}`);
      return EXIT.ok;
    }
    const host = hostResources();
    const jobs = values.jobs === undefined ? defaultJobs(host) : wholeNumber('--jobs', values.jobs, 1, 64);
    const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber('--seed', values.seed, 0, 2 ** 31 - 1);
    const outDir = values.out ?? join('out', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const reports = { json: values.json, junit: values.junit, tap: values.tap, markdown: values.markdown };
    checkOutputPath('--out', outDir, 'dir');
    for (const [flag, file] of Object.entries(reports)) if (file !== undefined) checkOutputPath(`--${flag}`, file, 'file');
    for (const [t, p] of plannersFor(cases.map((c) => c.topology).filter((t) => !planners.has(t)))) planners.set(t, p);

    const release = holdExit();
    try {
      const prepared = await prepare(kernelChoice(values), accelFlag(values.accel), (l) => console.error(`daxh: ${l}`));
      console.error(`daxh: seed ${seed} (replay with --seed ${seed}) · ${jobs} job(s)`);
      const groups = new Set(cases.map((c) => c.topology)).size;
      const mux = new Multiplexer([new ProgressReporter(), ...reportersFor(reports, process.env.GITHUB_STEP_SUMMARY)]);
      const results = await runCases({
        target: { kernel: prepared.kernel.release, image: prepared.image.hash, accel: prepared.accel },
        cases,
        boot: labBooter(prepared, planners, vcpusPerGuest(host, Math.min(jobs, groups)), outDir),
        reporter: mux,
        outDir,
        jobs,
        seed,
        signal: interruption,
        reproCommand: (recipe) => ['npx daxh repro', recipe, ...kernelArgs(values)].join(' '),
        ...(sh ? { shard: sh } : {}),
      });
      rescueResults(results, mux.failures, reports, (l) => console.error(`daxh: ${l}`));
      console.error(`daxh: console logs and recipes in ${outDir}`);
      const interrupted = interruptExitCode();
      if (interrupted !== null) return interrupted;
      return results.totals.failed > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      release();
    }
  },
};
