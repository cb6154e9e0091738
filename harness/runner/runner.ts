// Runs selected cases: one fixture-owned guest per topology group, cases in order on it, every event on one
// typed stream to the reporters. A surprise in one case fails that case, one in a group fails that group's
// remaining cases, and the run goes on; an interrupted run still ends with every report written.
import { appendFileSync } from 'node:fs';
import { Checker, DivergenceError, type StepRecord } from '../compare/checker.ts';
import { initModel, type ModelOverrides } from '../compare/init-model.ts';
import { judgeCaseConsole } from '../compare/judge.ts';
import { mergeCoverage } from '../compare/op-coverage.ts';
import { opsOf } from '../model/ops.ts';
import { GuestSetupError } from '../guest/errors.ts';
import { blockedTasks } from '../lab/blocked-tasks.ts';
import type { LabGuest } from '../lab/session.ts';
import type { Reporter } from '../report/reporter.ts';
import { findingGroups } from '../report/facts.ts';
import { RESULTS_SCHEMA, caseId, sumGuestCounts, totalsOf, type GuestCounts, type Finding, type RunIdentity, type SeriesVerdict, type Validation, type CaseResult, type GuestLoss, type RunResults, type SkippedProvisioning } from '../report/results.ts';
import { CaseOutput } from './case-output.ts';
import { faultAfterFirstCall, type Fault } from './faults.ts';
import { GuestFixture, type BeforeLeave, type BootGuest } from './fixture.ts';
import type { CoverageSink } from '../coverage/gcov.ts';
import { SkipCase, regionFits, type CaseContext, type CaseInstance } from './suite.ts';
import { CrashedError, caseVerdict, failureOf, type CaseEnd, type CaseEvidence } from '../verdict/case-verdict.ts';
import { printable } from '../util/terminal.ts';
import { caseTiming, timedDriver, type GuestTime } from './timed-driver.ts';

export interface RunOptions {
  target: RunIdentity;
  cases: readonly CaseInstance[];
  /** Boots and provisions a guest of a topology. */
  boot: (topology: string, name: string, snapshots: boolean) => Promise<LabGuest>;
  reporter: Reporter;
  /** Console logs and recipes go here. */
  outDir: string;
  jobs: number;
  seed: number;
  shard?: { index: number; count: number };
  /** Model settings that differ from what the guest reports (used to show the comparator catches a mismatch). */
  modelOverrides?: ModelOverrides;
  /** Aborted: the case in flight ends as interrupted and no further case starts. */
  signal?: AbortSignal;
  /** The command that replays a saved recipe on this run's kernel. */
  reproCommand?: (recipe: string) => string;
  /** For the fault tests only (DAXH_TEST_FAULT): a real fault injected into one case's guest. */
  fault?: Fault;
  /** Seam for tests: how a group's fixture is made (a cheating fixture must be caught). */
  fixture?: (boot: BootGuest, topology: string, onGuest: Reporter['onGuest'], beforeLeave?: BeforeLeave) => GuestFixture;
  /** Kernel coverage (--coverage): read from each guest before its state goes and at each change of suite. */
  coverage?: CoverageSink;
  /** Replays a finding's saved recipe on other kernels (--replay-findings): the series it reproduces on. */
  replayFinding?: (recipe: string) => Promise<SeriesVerdict[]>;
  /** Judges the finished run against a baseline (--findings): the validation the results carry. */
  validate?: (run: RunResults) => Validation;
}

export async function runCases(opts: RunOptions): Promise<RunResults> {
  const started = new Date();
  const t0 = performance.now();
  opts.reporter.onRunStart?.({ ...opts.target, seed: opts.seed, totalCases: opts.cases.length });
  const order = new Map(opts.cases.map((c, i) => [c, i]));
  const results: (CaseResult | undefined)[] = Array(opts.cases.length);
  const losses: GuestLoss[] = [];
  const skippedProvisioning: SkippedProvisioning[] = [];
  const skippedTopologies = new Set<string>();
  const groups = groupByTopology(opts.cases);
  const counts: GuestCounts[] = [];
  const output = new CaseOutput(opts.outDir);
  let next = 0;
  const worker = async () => {
    while (next < groups.length && !opts.signal?.aborted) {
      const group = groups[next++]!;
      // The suite whose cases the guest's counters are running for: groups run side by side, each with its own.
      const at = { suite: group[0]!.suite };
      const coverage = opts.coverage;
      const fixture = (opts.fixture ?? ((b, t, g, l) => new GuestFixture(b, t, g, l)))(
        (name, snapshots) => opts.boot(group[0]!.topology, name, snapshots),
        group[0]!.topology,
        (e) => {
          if (e.kind === 'lost') losses.push(e.loss);
          // Every boot of a topology provisions alike; the first one's skips stand for the group.
          if (e.kind === 'boot' && !skippedTopologies.has(e.topology)) {
            skippedTopologies.add(e.topology);
            skippedProvisioning.push(...e.skipped);
          }
          opts.reporter.onGuest?.(e);
        },
        coverage ? (lab, reset) => coverage.collect(lab.guest, at.suite, reset) : undefined,
      );
      try {
        await runGroup(opts, fixture, group, order, output, at, (c, r) => {
          const i = order.get(c)!;
          results[i] = r;
          opts.reporter.onCaseEnd?.(r, i);
        });
      } finally {
        await fixture.close().catch(() => {});
        counts.push(fixture.counts);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, groups.length)) }, worker));
  const cases = results.filter((r): r is CaseResult => r !== undefined);
  const kernelCoverage = await opts.coverage?.finish();
  const findings = await findingsOf(cases, opts);
  const run: RunResults = {
    schema: RESULTS_SCHEMA,
    ...opts.target,
    seed: opts.seed,
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    ...(opts.shard ? { shard: opts.shard } : {}),
    totals: totalsOf(cases),
    checks: cases.reduce((n, c) => n + c.checks, 0),
    guests: { ...sumGuestCounts(counts), ...(losses.length ? { lost: losses } : {}), ...(skippedProvisioning.length ? { skippedProvisioning } : {}) },
    ...(opts.signal?.aborted ? { interrupted: true } : {}),
    ...(output.lost.length ? { unwritten: output.lost } : {}),
    ...(kernelCoverage ? { kernelCoverage } : {}),
    ...(findings.length ? { findings } : {}),
    cases,
  };
  if (opts.validate) run.validation = opts.validate(run);
  await opts.reporter.onRunEnd?.(run);
  return run;
}

/**
 * The failures as distinct bugs (report/facts.ts findingKey), each with the cases that hit it and the first
 * recipe; with replayFinding, also the kernels that recipe reproduces on. A replay that fails is noted on the
 * finding, never the run's end.
 */
async function findingsOf(cases: readonly CaseResult[], opts: RunOptions): Promise<Finding[]> {
  const out: Finding[] = [];
  for (const { key, hits } of findingGroups(cases)) {
    const first = hits.find((c) => c.recipe);
    const finding: Finding = { key, cases: hits.map(caseId), ...(first?.recipe ? { recipe: first.recipe } : {}), ...(first?.repro ? { repro: first.repro } : {}) };
    if (first?.recipe && opts.replayFinding && !opts.signal?.aborted) {
      try {
        finding.replays = await opts.replayFinding(first.recipe);
      } catch (err) {
        finding.replayError = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      }
    }
    out.push(finding);
  }
  return out;
}

function groupByTopology(cases: readonly CaseInstance[]): CaseInstance[][] {
  const m = new Map<string, CaseInstance[]>();
  for (const c of cases) m.set(c.topology, [...(m.get(c.topology) ?? []), c]);
  return [...m.values()];
}

type Done = (c: CaseInstance, r: CaseResult) => void;

async function runGroup(opts: RunOptions, fixture: GuestFixture, group: readonly CaseInstance[], order: ReadonlyMap<CaseInstance, number>, output: CaseOutput, at: { suite: string }, done: Done): Promise<void> {
  let last: string | undefined;
  for (const c of group) {
    if (opts.signal?.aborted) return;
    if (opts.coverage && c.suite !== at.suite) {
      await fixture.checkpoint();
      at.suite = c.suite;
    }
    const base = { suite: c.suite, topology: c.topology, name: c.name };
    let result: CaseResult;
    try {
      result = await runCase(opts, fixture, c, order.get(c)!, output, last);
    } catch (err) {
      // Anything the case machinery itself did not expect: this case fails with it, the group goes on.
      result = { ...base, status: 'failed', checks: 0, durationMs: 0, failureKind: 'harness-error', failure: harnessError(output, c, err) };
    }
    done(c, result);
    last = `${c.suite}/${c.name}`;
  }
}

/** A case on its group's guest: acquire it, see that the case can run there, run it, judge it, settle the guest. */
async function runCase(opts: RunOptions, fixture: GuestFixture, c: CaseInstance, index: number, output: CaseOutput, lastCase: string | undefined): Promise<CaseResult> {
  const base = { suite: c.suite, topology: c.topology, name: c.name };
  const setupStart = performance.now();
  let lab: LabGuest;
  try {
    lab = await fixture.acquire(lastCase);
  } catch (err) {
    if (!(err instanceof GuestSetupError)) throw err;
    // Ctrl-C ends the QEMU of a guest still booting: that is the interruption, not a guest that failed.
    if (opts.signal?.aborted) return { ...base, status: 'interrupted', checks: 0, durationMs: 0 };
    return { ...base, status: 'failed', checks: 0, durationMs: 0, failureKind: 'guest-setup', failure: err.message };
  }
  const setupMs = Math.round(performance.now() - setupStart);
  const unfit = whyNot(c, lab);
  if (unfit) return { ...base, status: 'skipped', checks: 0, durationMs: 0, setupMs, skipReason: unfit };

  const ran = await runBody(opts, fixture, c, index, output, lab);
  const { outcome, suspect } = caseVerdict(ran.evidence);
  const consoleFile = output.console(c, ran.evidence.console, ran.evidence.steps);
  const { checkers } = ran;
  // A known bug or a failure is a finding: its recipe replays it (daxh repro, daxh findings).
  const history = checkers.flatMap((k) => k.history);
  const recipe = ran.recipe ?? ((outcome.status === 'known' || outcome.status === 'failed') && history.length ? output.recipe(c, history, opts, ran.evidence.release) : undefined);
  const branches = checkers.flatMap((k) => k.branches);
  const fixed = [...new Set(checkers.flatMap((k) => k.fixed))];
  const timing = caseTiming(ran.time);
  const result: CaseResult = {
    ...base,
    checks: checkers.reduce((n, k) => n + k.checks, 0),
    operations: checkers.reduce((n, k) => n + k.history.reduce((m, a) => m + opsOf(a).length, 0), 0),
    ...(checkers.some((k) => k.races) ? { races: checkers.reduce((n, k) => n + k.races, 0) } : {}),
    coverage: mergeCoverage(checkers.map((k) => k.coverage.entries())),
    durationMs: ran.durationMs,
    setupMs,
    ...(timing ? { timing } : {}),
    ...outcome,
    ...(branches.length ? { branches } : {}),
    ...(fixed.length ? { fixed } : {}),
    ...(recipe ? { recipe, ...(opts.reproCommand ? { repro: opts.reproCommand(recipe) } : {}) } : {}),
    ...(consoleFile ? { consoleFile } : {}),
    steps: [...ran.evidence.steps],
  };
  if (!opts.signal?.aborted) await fixture.settle(history, suspect);
  return result;
}

/** Why the case cannot run on this guest (a capability the kernel lacks, no region of the kind it needs). */
function whyNot(c: CaseInstance, lab: LabGuest): string | undefined {
  const missing = (c.def.needs.requires ?? []).filter((cap) => !lab.caps.has.has(cap));
  if (missing.length) return missing.map((m) => lab.caps.why(m)).join('; ');
  if (!c.def.needs.wholeGuest && !lab.inventory.regions.some((r) => regionFits(c.def.needs, r))) return noRegion(c, lab);
  return undefined;
}

interface BodyRun {
  evidence: CaseEvidence;
  /** One checker per guest the case used (a mid-case renewal starts a new one). */
  checkers: Checker[];
  durationMs: number;
  /** Of durationMs, the round trips to the guest helper and the fresh starts mid-case. */
  time: GuestTime;
  recipe?: string;
}

/** The case's own code on the guest, and the evidence the verdict needs: how it ended, its steps, its console. */
async function runBody(opts: RunOptions, fixture: GuestFixture, c: CaseInstance, index: number, output: CaseOutput, first: LabGuest): Promise<BodyRun> {
  let lab = first;
  const region = lab.inventory.regions.find((r) => regionFits(c.def.needs, r));
  const ref = { suite: c.suite, topology: c.topology, name: c.name, index };
  opts.reporter.onCaseStart?.(ref);
  const t0 = performance.now();
  let mark = lab.guest.console.mark();
  const consoleSeen: string[] = [];
  const steps: StepRecord[] = [];
  const onStep = (s: StepRecord) => {
    steps.push(s);
    opts.reporter.onStep?.(ref, s);
  };
  const time: GuestTime = { roundTrips: 0, guestMs: 0, freshStarts: 0, freshMs: 0 };
  // The test fault lands in the case's first guest only.
  let fault = opts.fault?.caseNumber === index + 1 ? opts.fault : undefined;
  const driverOf = (g: LabGuest) => {
    const timed = timedDriver(g.driver, time);
    if (!fault) return timed;
    const f = fault;
    fault = undefined;
    return faultAfterFirstCall(timed, f, g.guest, (l) => process.stderr.write(`daxh: ${printable(l)}\n`));
  };
  const newChecker = () => new Checker(driverOf(lab), initModel(lab.inventory, lab.caps, opts.modelOverrides), { topology: c.topology, kernel: opts.target.kernel }, lab.inventory.observation, onStep);
  const checkers = [newChecker()];
  const current = () => checkers.at(-1)!;
  let recipe: string | undefined;
  const ctx: CaseContext = {
    get lab() {
      return lab;
    },
    get inventory() {
      return lab.inventory;
    },
    get checker() {
      return current();
    },
    topology: c.topology,
    get region() {
      if (!region) throw new Error(`case ${c.name} asked for no region (wholeGuest) but uses one`);
      return region;
    },
    seed: opts.seed,
    skip: (reason) => {
      throw new SkipCase(reason);
    },
    fresh: async () => {
      // A guest replaced mid-case cannot take a kernel crash with it: the crash fails the case first.
      consoleSeen.push(...lab.guest.console.linesSince(mark));
      const verdict = judgeCaseConsole(consoleSeen);
      if (verdict.kind === 'crash') throw new CrashedError(verdict.report);
      const f0 = performance.now();
      lab = await fixture.freshNow(current().history);
      time.freshStarts++;
      time.freshMs += performance.now() - f0;
      mark = lab.guest.console.mark();
      checkers.push(newChecker());
      return current();
    },
    saveRecipe: (ops) => {
      recipe = output.recipe(c, ops, opts, lab.caps.release);
    },
  };
  let end: CaseEnd;
  try {
    await c.def.run(ctx);
    end = { kind: 'completed' };
  } catch (err) {
    if (err instanceof SkipCase) end = { kind: 'skipped', reason: err.message };
    else if (opts.signal?.aborted) end = { kind: 'interrupted' };
    else {
      if (!recipe && err instanceof DivergenceError) recipe = output.recipe(c, current().history, opts, lab.caps.release);
      end = { kind: 'failed', failure: failureOf(err) ?? { failureKind: 'harness-error', failure: harnessError(output, c, err) } };
    }
  }
  const durationMs = Math.round(performance.now() - t0);
  consoleSeen.push(...lab.guest.console.linesSince(mark));
  // A hung step leaves the guest up, with the blocked tasks' stacks in its kernel log.
  const blocked = end.kind === 'failed' && end.failure.failureKind === 'guest-hang' && lab.guest.alive ? await blockedTasks(lab.guest) : [];
  if (blocked.length) consoleSeen.push('--- kernel log after the hang (dmesg, with sysrq w) ---', ...blocked);
  const guest = lab.guest;
  const evidence: CaseEvidence = { release: lab.caps.release, end, known: checkers.flatMap((k) => k.known), steps, console: consoleSeen, blocked, guestAlive: guest.alive, consoleTail: () => guest.console.tail(40) };
  return { evidence, checkers, durationMs, time, ...(recipe ? { recipe } : {}) };
}

/** Why the guest has no region the case needs: usually the kernel cannot provide it (the plan says which). */
function noRegion(c: CaseInstance, lab: LabGuest): string {
  const { region = 'any', providers } = c.def.needs;
  const why = lab.plan?.expect.unsupported.filter((u) => !providers || providers.includes(u.provider)).map((u) => u.reason) ?? [];
  return `topology ${c.topology} has no ${region === 'any' ? '' : `${region} `}dax region${providers ? ` from ${providers.join(' or ')}` : ''}${why.length ? ` here: ${why.join('; ')}` : ''}`;
}

/** The message for the report; the stack, which only a harness developer needs, goes to a log file. */
function harnessError(output: CaseOutput, c: CaseInstance, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const file = output.harnessErrorLog();
  try {
    appendFileSync(file, `${c.suite}/${c.topology}/${c.name}: ${err instanceof Error ? (err.stack ?? message) : message}\n\n`);
    return `${message} (stack in ${file})`;
  } catch {
    return message;
  }
}
