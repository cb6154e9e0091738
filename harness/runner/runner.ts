// Runs selected cases: one provisioned guest per topology group, cases in order on it, the guest returned
// to its provisioned state between cases (or rebooted when that fails or the kernel complained). Guest
// crashes fail the case with the console excerpt; the run goes on with a fresh guest.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Checker, DivergenceError } from '../compare/checker.ts';
import { initModel, type ModelOverrides } from '../compare/init-model.ts';
import { SEVERE, type CrashEvent } from '../guest/console-scan.ts';
import { GuestUnresponsiveError } from '../guest/ssh.ts';
import type { Prepared } from '../lab/prepare.ts';
import { vcpusPerGuest, type HostResources } from '../lab/host-share.ts';
import { bootLabGuest, type LabGuest } from '../lab/session.ts';
import type { Op } from '../model/ops.ts';
import { makeRecipe } from '../recipe/recipe.ts';
import type { Reporter } from '../report/reporter.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type GuestCounts, type RunResults } from '../report/results.ts';
import type { GuestPlan } from '../../qemu/plan.ts';
import { GroupGuest } from './group-guest.ts';
import { resetGuest } from './reset.ts';
import { SkipCase, type CaseInstance } from './suite.ts';

export interface RunOptions {
  prepared: Prepared;
  cases: readonly CaseInstance[];
  /** How to plan a topology's guest, given that guest's vCPUs when the topology leaves them open. */
  planFor: (topology: string, vcpus: number) => (workDir: string) => GuestPlan;
  reporters: readonly Reporter[];
  outDir: string;
  jobs: number;
  /** The host the guests share: with `jobs`, it sets each guest's vCPUs. */
  host: HostResources;
  seed: number;
  shard?: { index: number; count: number };
  /** Model settings that differ from what the guest reports (used to show the comparator catches a mismatch). */
  modelOverrides?: ModelOverrides;
}

export async function runCases(opts: RunOptions): Promise<RunResults> {
  const started = new Date();
  const t0 = performance.now();
  const info = { kernel: opts.prepared.kernel.release, image: opts.prepared.image.hash, accel: opts.prepared.accel, totalCases: opts.cases.length };
  for (const r of opts.reporters) r.onRunStart?.(info);
  const order = new Map(opts.cases.map((c, i) => [c, i]));
  const results: (CaseResult | undefined)[] = Array(opts.cases.length);
  const groups = groupByTopology(opts.cases);
  const workers = Math.max(1, Math.min(opts.jobs, groups.length));
  const vcpus = vcpusPerGuest(opts.host, workers);
  const guests: GuestCounts = { boots: 0, restores: 0 };
  let next = 0;
  const worker = async () => {
    while (next < groups.length) {
      const group = groups[next++]!;
      await runGroup(opts, vcpus, group, guests, (c, r) => {
        const i = order.get(c)!;
        results[i] = r;
        for (const rep of opts.reporters) rep.onCaseEnd?.(r, i);
      });
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  const cases = results.filter((r): r is CaseResult => r !== undefined);
  const run: RunResults = {
    schema: RESULTS_SCHEMA,
    kernel: info.kernel,
    image: info.image,
    accel: info.accel,
    startedAt: started.toISOString(),
    durationMs: performance.now() - t0,
    ...(opts.shard ? { shard: opts.shard } : {}),
    totals: totalsOf(cases),
    checks: cases.reduce((n, c) => n + c.checks, 0),
    guests,
    cases,
  };
  for (const r of opts.reporters) await r.onRunEnd?.(run);
  return run;
}

function groupByTopology(cases: readonly CaseInstance[]): CaseInstance[][] {
  const m = new Map<string, CaseInstance[]>();
  for (const c of cases) m.set(c.topology, [...(m.get(c.topology) ?? []), c]);
  return [...m.values()];
}

async function runGroup(opts: RunOptions, vcpus: number, group: CaseInstance[], counts: GuestCounts, done: (c: CaseInstance, r: CaseResult) => void): Promise<void> {
  const topology = group[0]!.topology;
  const guests = new GroupGuest(
    (name, snapshots) => bootLabGuest({ prepared: opts.prepared, plan: opts.planFor(topology, vcpus), name, keepConsoleIn: opts.outDir, snapshots }),
    topology,
  );
  let bootFailure: string | null = null;
  let renewBeforeNext = false;
  try {
    for (const c of group) {
      const t0 = performance.now();
      const base = { suite: c.suite, topology: c.topology, name: c.name };
      let current: LabGuest;
      try {
        if (bootFailure) throw new Error(bootFailure);
        current = renewBeforeNext ? await guests.renew() : await guests.current();
        renewBeforeNext = false;
      } catch (err) {
        // A guest that cannot be provisioned fails every case of its group with the same reason, booted once.
        bootFailure = (err as Error).message;
        done(c, { ...base, status: 'failed', checks: 0, durationMs: performance.now() - t0, failure: `guest for ${topology} did not come up: ${bootFailure}` });
        continue;
      }
      const missing = (c.def.requires ?? []).filter((cap) => !current.caps.has.has(cap));
      if (missing.length) {
        done(c, { ...base, status: 'skipped', checks: 0, durationMs: 0, skipReason: missing.map((m) => current.caps.why(m)).join('; ') });
        continue;
      }
      let mark = current.guest.console.mark();
      const newChecker = () => new Checker(current.driver, initModel(current.inventory, current.caps, opts.modelOverrides), { topology, kernel: opts.prepared.kernel.release }, current.inventory.observation);
      const checkers = [newChecker()];
      const last = () => checkers.at(-1)!;
      let recipe: string | undefined;
      let outcome: Pick<CaseResult, 'status'> & Partial<CaseResult>;
      try {
        await c.def.run({
          get lab() {
            return current;
          },
          get inventory() {
            return current.inventory;
          },
          get checker() {
            return last();
          },
          topology,
          seed: opts.seed,
          skip: (reason) => {
            throw new SkipCase(reason);
          },
          fresh: async () => {
            // A reset that cannot be proven means a fresh guest; the case goes on with it, unless the old
            // guest's kernel broke, which is this case's result.
            if (!(await resetGuest(current, last().history).catch(() => false))) {
              const crash = current.guest.console.eventsSince(mark).find((e) => SEVERE.has(e.kind));
              if (crash) throw new Error(`guest kernel ${crash.kind}: ${crash.line.trim()}\n${current.guest.console.excerptAt(crash)}`);
              current = await guests.renew();
              mark = current.guest.console.mark();
            }
            checkers.push(newChecker());
            return last();
          },
          saveRecipe: (ops) => {
            recipe = saveRecipe(opts, c, ops, current.caps.release);
          },
        });
        const known = checkers.flatMap((k) => k.known);
        outcome = { status: known.length ? 'known' : 'passed', ...(known.length ? { known } : {}) };
      } catch (err) {
        if (err instanceof SkipCase) outcome = { status: 'skipped', skipReason: err.message };
        else {
          if (!recipe && err instanceof DivergenceError) recipe = saveRecipe(opts, c, last().history, current.caps.release);
          outcome = { status: 'failed', failure: failureText(err, topology), ...(recipe ? { recipe } : {}) };
        }
      }
      const events = current.guest.console.eventsSince(mark);
      const severe = events.filter((e) => SEVERE.has(e.kind));
      const broken = severe.length > 0 || !current.guest.alive;
      let result: CaseResult = { ...base, checks: checkers.reduce((n, k) => n + k.checks, 0), durationMs: 0, ...outcome };
      if (broken) result = crashResult(result, severe, current);
      result.durationMs = performance.now() - t0;
      writeCaseConsole(opts.outDir, c, current.guest.console.linesSince(mark));
      done(c, result);
      // After a kernel warning (even a predicted one) the guest is suspect: the next case gets a renewed one.
      const warned = events.some((e) => e.kind === 'warning');
      renewBeforeNext = broken || warned || !(await resetGuest(current, last().history).catch(() => false));
    }
  } finally {
    await guests.discard();
    counts.boots += guests.counts.boots;
    counts.restores += guests.counts.restores;
  }
}

/** The guest console while this case ran, one file per case, so a report links each case to its kernel output. */
function writeCaseConsole(outDir: string, c: CaseInstance, lines: readonly string[]): void {
  const dir = join(outDir, 'console');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, caseFileName(c, '.log')), lines.join('\n') + (lines.length ? '\n' : ''));
}

function caseFileName(c: CaseInstance, ext: string): string {
  return `${c.suite}--${c.topology}--${c.name}`.replace(/[^\w.+-]+/g, '_') + ext;
}

function saveRecipe(opts: RunOptions, c: CaseInstance, ops: readonly Op[], kernel: string): string {
  const dir = join(opts.outDir, 'recipes');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, caseFileName(c, '.json'));
  const recipe = makeRecipe({
    topology: c.topology,
    capabilities: [...(c.def.requires ?? [])],
    ...(opts.modelOverrides ? { model: opts.modelOverrides } : {}),
    steps: ops,
    origin: { suite: c.suite, case: c.name, seed: opts.seed, kernel, savedAt: new Date().toISOString() },
  });
  writeFileSync(file, JSON.stringify(recipe, null, 2) + '\n');
  return file;
}

function failureText(err: unknown, topology: string): string {
  if (err instanceof DivergenceError) return err.message;
  if (err instanceof GuestUnresponsiveError) return `guest for ${topology} hung: ${err.message}`;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}

function crashResult(r: CaseResult, crashes: CrashEvent[], lab: LabGuest): CaseResult {
  const first = crashes[0];
  const what = first ? `guest kernel ${first.kind}: ${first.line.trim()}` : 'guest stopped running (QEMU exited)';
  const excerpt = first ? lab.guest.console.excerptAt(first) : lab.guest.console.tail(40);
  return { ...r, status: 'failed', failure: [r.failure, what].filter(Boolean).join('\n'), console: excerpt };
}
