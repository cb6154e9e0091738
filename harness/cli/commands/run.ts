import { lstat, rename, symlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { registeredSuites } from '../../runner/catalog.ts';
import { interruption, holdExit, interruptExitCode } from '../../guest/registry.ts';
import { defaultJobs, hostResources, vcpusPerGuest } from '../../lab/host-share.ts';
import { labBooter, plannersFor } from '../../lab/planner.ts';
import { DEFAULT_BOUNDS, DiskShelf } from '../../lab/saved-machines.ts';
import { prepare } from '../../lab/prepare.ts';
import { dryRun } from '../../lab/dry-run.ts';
import { releaseOf } from '../../../images/kernel.ts';
import { FileReporter, checkOutputPath, checkReportPaths, rescueResults, stepSummaryReporter } from '../../report/files.ts';
import { FORMATS } from '../../report/formats.ts';
import type { RunResults } from '../../report/results.ts';
import { MAX_SHARDS } from '../../report/results-schema.ts';
import { recipeOf, writeFindings } from '../../findings/write.ts';
import { collectFindings } from '../../findings/collect.ts';
import { compareRuns, fixVerdict, validationText, type FindingCheck } from '../../findings/validate-fix.ts';
import { readResults } from '../../report/load.ts';
import { replay } from '../../recipe/repro.ts';
import { bootLabGuest } from '../../lab/session.ts';
import { loneGuestVcpus } from '../../lab/host-share.ts';
import { topologyPlanner, type TopologyPlanner } from '../../lab/planner.ts';
import type { Prepared } from '../../lab/prepare.ts';
import { REPORT_HELP, REPORT_OPTIONS, reportersFrom } from '../report-flags.ts';
import { ProgressReporter } from '../../report/progress.ts';
import { ProfileReporter } from '../../report/profile.ts';
import { Multiplexer } from '../../report/reporter.ts';
import { parseFault } from '../../runner/faults.ts';
import { runCases } from '../../runner/runner.ts';
import { GcovCollector, gcovTree } from '../../coverage/gcov.ts';
import { shard } from '../../runner/suite.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, wholeNumber, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { SELECTION_OPTIONS, selectedCases } from '../selection-flags.ts';
import { MACHINE_HELP, MACHINE_OPTIONS, machineChoice } from '../machine-flags.ts';
import { KERNEL_HELP, KERNEL_OPTIONS, kernelArgs, kernelChoice } from '../kernel-flags.ts';
import { kernelList } from '../kernel-list.ts';
import { readRecipeFile, replayTopology } from '../../recipe/load.ts';
import { replayAcross } from '../../recipe/replay-on.ts';
import { say } from '../say.ts';

export function parseShard(v: string): { index: number; count: number } {
  const m = v.match(/^(\d{1,4})\/(\d{1,4})$/);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count || count > MAX_SHARDS) throw new UsageError(`--shard ${v}: use i/n with 1 <= i <= n <= ${MAX_SHARDS}, e.g. --shard 1/2`);
  return { index, count };
}

/** --replay-findings: a finding's recipe on each series, one guest at a time, its progress on stderr. */
function findingReplayer(series: readonly string[], values: Parameters<typeof machineChoice>[0] & { accel?: string }, signal: AbortSignal) {
  return async (file: string) => {
    const recipe = await readRecipeFile(file);
    const { name: topology, planner } = replayTopology(recipe, file, undefined);
    say(`replaying ${file} on ${series.join(', ')}`);
    return replayAcross({ recipe, topology, planner, accel: accelFlag(values.accel), machine: machineChoice(values), strict: false, log: say }, series, (v) => say(`  ${v.series} ${v.release}: ${v.line}`), signal);
  };
}

/** Each finding of the baseline runs replayed on the prepared kernel, one fresh guest each. */
async function replayBaseline(baseline: readonly RunResults[], bases: readonly string[], prepared: Prepared, planners: Map<string, TopologyPlanner>): Promise<FindingCheck[]> {
  const out: FindingCheck[] = [];
  for (const f of collectFindings(baseline)) {
    if (interruption.aborted) break;
    const recipe = await recipeOf(f, bases);
    if (!recipe) {
      out.push(fixVerdict(f, { kind: 'no-recipe' }));
      continue;
    }
    const planner = planners.get(recipe.topology) ?? topologyPlanner(recipe.topology);
    say(`replaying finding ${f.id} (${recipe.steps.length} steps on ${recipe.topology})`);
    const outcome = await replay(recipe, prepared.kernel.release, () => bootLabGuest({ prepared, plan: planner(prepared.kernel.release, loneGuestVcpus()), name: `fix-${recipe.topology}` }), recipe.topology).catch((err: Error) => ({ kind: 'cannot-test' as const, reason: err.message.split('\n')[0]! }));
    out.push(fixVerdict(f, outcome));
  }
  return out;
}

/** Every run leaves results.json and report.html in its directory, besides the reports the flags ask for. */
function runReporters(asked: FileReporter[], outDir: string): FileReporter[] {
  const fixed = [new FileReporter(FORMATS.json, join(outDir, 'results.json')), new FileReporter(FORMATS.html, join(outDir, 'report.html'))].filter((f) => !asked.some((a) => resolve(a.file) === resolve(f.file)));
  checkReportPaths(fixed.map((r) => ['--out', r.file] as const));
  return [...fixed, ...asked];
}

/**
 * The run directory's findings (one folder per bug: report, repro.sh, vm.txt, recipe), the out/latest link
 * for a run in the default place, and the lines that say where to look.
 */
async function finishRunDir(results: RunResults, outDir: string, defaultPlace: boolean): Promise<void> {
  const found = results.cases.some((c) => c.status === 'failed' || c.known?.length) ? await writeFindings({ runs: [results], bases: [] }, join(outDir, 'findings')).catch((err: Error) => (say(`could not write the findings: ${err.message}`), [])) : [];
  if (defaultPlace) await pointLatest(outDir).catch((err: Error) => say(`could not update ${join(dirname(outDir), 'latest')}: ${err.message}`));
  say(`results in ${outDir}: results.json, console logs and recipes${found.length ? `, ${found.length} finding(s) in ${join(outDir, 'findings')}` : ''}`);
  say(`open ${join(outDir, 'report.html')}`);
}

/** out/latest → the newest run directory, replaced atomically (a new link renamed over the old). */
async function pointLatest(outDir: string): Promise<void> {
  const latest = join(dirname(outDir), 'latest');
  const st = await lstat(latest).catch(() => null);
  if (st && !st.isSymbolicLink()) throw new Error('it exists and is not a link; leaving it');
  const tmp = `${latest}.${process.pid}.tmp`;
  await symlink(basename(outDir), tmp);
  await rename(tmp, latest);
}

export const run: Command = {
  summary: 'run the suites on real guests and compare every step with the model',
  usage: '[--suite S]… [--topology T]… [--match GLOB] [--shard i/n] [--jobs N] [--seed N] [reports] [kernel flags]',
  get help() {
    return `  --suite S            only this suite (repeatable): ${registeredSuites().map((s) => s.name).join(', ')}
  --topology T         only cases on this topology (repeatable): a built-in (daxh topologies), with +mom
                       for memmap_on_memory=1, or a .yaml/.json topology file
  --match GLOB         only cases whose name or suite/topology/name matches
  --shard i/n          the i-th of n deterministic parts (whole topologies per part)
  --jobs N             guests at once (default from cores and free memory); each gets cores/N vCPUs (1 or 2)
                       unless its topology sets cpus
  --seed N             seed for randomised cases (default: random, printed)
  --list               print the selected cases and exit
  --cold               boot every guest: resume no saved provisioned guest and save none (daxh cache)
  --profile            after the end table, where the time went: boots and restores per topology, and per
                       suite and topology the round trips to the guest against the time on the host
  --dry-run            print each topology's QEMU and kernel command lines and provisioning, boot nothing
  --out DIR            the run directory (default out/run-<time>, and out/latest then points to it): results.json,
                       report.html, findings/ (one folder per bug found), console logs and recipes
  --replay-findings L  replay each finding's recipe on these Debian series (all, cached, or S,S…) after the
                       cases, and report which it reproduces on (one boot per finding and series)
  --findings F         validate a fix: replay each finding of this baseline run (its results.json; repeatable)
                       on this kernel (fixed / still reproduces / cannot test), then run the selection and say
                       which cases changed against the baseline; with --kernel-tree DIR --build, one command
reports, besides results.json and report.html in the run directory (each written whole, whatever else fails):
${REPORT_HELP}
${ACCEL_HELP}
${MACHINE_HELP}
${KERNEL_HELP}`;
  },
  async run(args) {
    const { values } = parseFlags('run', args, {
      ...KERNEL_OPTIONS,
      ...ACCEL_OPTION,
      ...MACHINE_OPTIONS,
      ...SELECTION_OPTIONS,
      shard: { type: 'string' },
      list: { type: 'boolean' },
      profile: { type: 'boolean' },
      cold: { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      out: { type: 'string' },
      ...REPORT_OPTIONS,
      'replay-findings': { type: 'string' },
      findings: { type: 'string', multiple: true },
    });
    // Every flag is checked before anything is listed, built or booted.
    const kernel = kernelChoice(values);
    const accel = accelFlag(values.accel);
    const machine = machineChoice(values);
    const jobsGiven = values.jobs === undefined ? undefined : wholeNumber('--jobs', values.jobs, 1, 64);
    const seedGiven = values.seed === undefined ? undefined : wholeNumber('--seed', values.seed, 0, 2 ** 31 - 1);
    const { cases: selected, planners } = selectedCases(values, 'run');
    const outDir = values.out ?? join('out', `run-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    checkOutputPath('--out', outDir, 'dir');
    const reporters = runReporters(reportersFrom(values), outDir);
    const sh = values.shard ? parseShard(values.shard) : undefined;
    if (sh && values.coverage) throw new UsageError(`--coverage with --shard ${values.shard}: the shards' per-file coverage does not add up; run --coverage unsharded`);
    const cases = sh ? shard(selected, sh.index, sh.count) : selected;
    if (cases.length === 0) throw new UsageError(`run: --shard ${values.shard} is empty: the selection has ${selected.length} case(s) in fewer topologies than shards; use fewer shards`);
    if (values.list) {
      for (const c of cases) console.log(`${c.suite}/${c.topology}/${c.name}`);
      return EXIT.ok;
    }
    const host = hostResources();
    const jobs = jobsGiven ?? defaultJobs(host);
    const groups = new Set(cases.map((c) => c.topology)).size;
    if (values['dry-run']) {
      console.log(dryRun([...planners].filter(([t]) => cases.some((c) => c.topology === t)), await releaseOf(kernel), vcpusPerGuest(host, Math.min(jobs, groups)), machine, accel));
      return EXIT.ok;
    }
    const replaySeries = values['replay-findings'] === undefined ? undefined : await kernelList(values['replay-findings'], '--replay-findings');
    const baseline = await Promise.all((values.findings ?? []).map(readResults));
    const seed = seedGiven ?? Math.floor(Math.random() * 2 ** 31);
    const fault = process.env.DAXH_TEST_FAULT ? parseFault(process.env.DAXH_TEST_FAULT) : undefined;
    for (const [t, p] of plannersFor(cases.map((c) => c.topology).filter((t) => !planners.has(t)))) planners.set(t, p);

    const release = holdExit();
    try {
      const prepared = await prepare(kernel, accel, say, machine, { coverage: values.coverage === true });
      const coverage = values.coverage ? new GcovCollector(gcovTree(prepared.kernel), join(outDir, 'coverage')) : undefined;
      say(`seed ${seed} (replay with --seed ${seed}) · ${jobs} job(s)`);
      const checks = baseline.length ? await replayBaseline(baseline, (values.findings ?? []).map((f) => dirname(f)), prepared, planners) : undefined;
      const shelf = values.cold ? undefined : new DiskShelf();
      const summary = process.env.GITHUB_STEP_SUMMARY;
      const mux = new Multiplexer([new ProgressReporter(), ...(values.profile ? [new ProfileReporter()] : []), ...reporters, ...(summary ? [stepSummaryReporter(summary)] : [])]);
      const results = await runCases({
        target: { kernel: prepared.kernel.release, image: prepared.image.hash, accel: prepared.accel, profile: prepared.profile },
        cases,
        boot: labBooter(prepared, planners, vcpusPerGuest(host, Math.min(jobs, groups)), outDir, shelf),
        reporter: mux,
        outDir,
        jobs,
        seed,
        signal: interruption,
        reproCommand: (recipe) => ['npx daxh repro', recipe, ...kernelArgs(values)].join(' '),
        ...(sh ? { shard: sh } : {}),
        ...(fault ? { fault } : {}),
        ...(coverage ? { coverage } : {}),
        ...(replaySeries ? { replayFinding: findingReplayer(replaySeries, values, interruption) } : {}),
        ...(checks ? { validate: (run: RunResults) => ({ baseline: values.findings ?? [], findings: checks, ...compareRuns(baseline, run) }) } : {}),
      });
      if (results.validation) console.error(validationText(results.validation.findings, results.validation));
      rescueResults(results, mux.failures, reporters, say);
      await shelf?.prune(DEFAULT_BOUNDS).catch((err: Error) => say(`could not prune the saved guests: ${err.message}`));
      await finishRunDir(results, outDir, values.out === undefined);
      const interrupted = interruptExitCode();
      if (interrupted !== null) return interrupted;
      return results.totals.failed > 0 ? EXIT.failed : EXIT.ok;
    } finally {
      release();
    }
  },
};
