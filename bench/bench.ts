// The speed figures: each measured over real guests (or the model alone), printed as a table with median
// and spread, and written as JSON for CI to track. Targets live in the README and the issues, not in tests.
import { Guest } from '../harness/guest/guest.ts';
import { bootLabGuest, withLabGuest, type LabGuest } from '../harness/lab/session.ts';
import type { Prepared } from '../harness/lab/prepare.ts';
import { Checker } from '../harness/compare/checker.ts';
import { initModel } from '../harness/compare/init-model.ts';
import { GuestFixture } from '../harness/runner/fixture.ts';
import { resetGuest } from '../harness/runner/reset.ts';
import { benchModelOpsPerSecond } from '../harness/model/bench.ts';
import { benchLinearizeMicrosPerRace } from '../harness/compare/bench.ts';
import { loneGuestVcpus } from '../harness/lab/host-share.ts';
import { plainMachine, type GuestPlan } from '../qemu/plan.ts';
import { builtinTopologyNames } from '../qemu/load.ts';
import type { Op } from '../harness/model/ops.ts';
import { figure, type Figure } from './stats.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskShelf } from '../harness/lab/saved-machines.ts';
import { labBooter, offersFor, plannersFor, topologyPlanner } from '../harness/lab/planner.ts';
import { registeredSuites } from '../harness/runner/catalog.ts';
import { instantiate, select } from '../harness/runner/suite.ts';
import { runCases } from '../harness/runner/runner.ts';
import { Multiplexer } from '../harness/report/reporter.ts';
import type { CaseResult } from '../harness/report/results.ts';

export interface BenchOptions {
  prepared: Prepared;
  runs: number;
  topologies: readonly string[];
  /** Topologies to measure the generators' rates on (minutes each); none: not measured. */
  generators?: readonly string[];
  /** Also time a whole default `daxh run` (minutes). */
  fullRun?: () => Promise<number>;
  /** The kernel matrix's wall time: measured now (`--matrix`, an hour or more) or read from the last `npm run matrix`. */
  matrix?: () => Promise<MatrixFigure | null>;
  log: (line: string) => void;
}

export interface BenchFigures {
  boot_to_ssh_s: Figure;
  boot_to_provisioned_s: Record<string, Figure>;
  ssh_roundtrip_ms: Figure;
  step_ms: Figure;
  reset_s: Figure;
  /** What a case that leaves the guest unusable costs instead of a reboot: loadvm, SSH reconnect, proof. */
  restore_s: Figure;
  /** savevm of the provisioned guest per topology: what a group pays once before its renewals get cheap. */
  snapshot_s: Record<string, Figure>;
  full_run_s?: Figure;
  matrix_s?: MatrixFigure;
  model_ops_per_s: Figure;
  linearize_us_per_race: Figure;
  /** Resuming a saved provisioned guest instead of booting it (harness/lab/saved-machines.ts). */
  resume_s?: Figure;
  /** The generators on real guests, per topology: model-based operations and concurrency races per second of case time. */
  generator_ops_per_s?: Record<string, Figure>;
  races_per_s?: Record<string, Figure>;
}

/** One whole `daxh matrix`: every kernel, one after another, on this machine. */
export type MatrixFigure = Figure & { kernels: number; measuredAt: string; source: string };

async function repeat(n: number, fn: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await fn());
  return out;
}

export async function runBench(o: BenchOptions): Promise<BenchFigures> {
  const { prepared: p } = o;
  // Every figure is of a guest running alone.
  const vcpus = loneGuestVcpus();
  const plan = (t: string) => topologyPlanner(t)(p.kernel.release, vcpus);
  o.log('boot to SSH (plain guest)');
  const boots = await repeat(o.runs, async () => {
    const g = await Guest.boot({ name: 'bench', kernel: p.kernel, image: p.image, accel: p.accel, setup: () => plainMachine(vcpus) });
    await g.stop();
    return g.bootSeconds;
  });
  const provisioned: Record<string, Figure> = {};
  for (const t of o.topologies) {
    o.log(`boot to provisioned: ${t}`);
    const planner = plan(t);
    provisioned[t] = figure(
      await repeat(o.runs, async () => {
        const t0 = performance.now();
        const lab = await bootLabGuest({ prepared: p, plan: planner, name: `bench-${t}` });
        const s = (performance.now() - t0) / 1000;
        await lab.guest.stop();
        return s;
      }),
    );
  }
  const snapshots: Record<string, Figure> = {};
  for (const t of o.topologies) {
    o.log(`snapshot of the provisioned guest: ${t}`);
    snapshots[t] = figure(
      await withLabGuest({ prepared: p, plan: plan(t), name: `bench-snap-${t}`, snapshots: true }, (lab) =>
        repeat(o.runs, async () => {
          const t0 = performance.now();
          await lab.guest.saveSnapshot('bench');
          return (performance.now() - t0) / 1000;
        }),
      ),
    );
  }
  o.log('SSH round trip, model-checked step, reset (hmem)');
  const warm = await withLabGuest({ prepared: p, plan: plan('hmem'), name: 'bench-hmem' }, async (lab) => {
    for (let i = 0; i < 5; i++) await lab.guest.exec('true');
    const rtt = await repeat(Math.max(20, o.runs), async () => {
      const t0 = performance.now();
      await lab.guest.exec('true');
      return performance.now() - t0;
    });
    const step = await stepTimes(lab, Math.max(25, o.runs));
    const reset = await resetTimes(lab, o.runs);
    return { rtt, step, reset };
  });
  o.log('restore from snapshot (hmem, after leaking hot-plugged memory)');
  const restore = await restoreTimes(p, plan('hmem'), o.runs);
  o.log('resume of a saved provisioned guest (hmem)');
  const resumes = await resumeTimes(p, plan('hmem'), o.runs);
  const generators = o.generators?.length ? await generatorRates(p, o.generators, o.log) : null;
  o.log('model operations per second');
  const ops = [0, 1, 2].map(() => benchModelOpsPerSecond());
  const full = o.fullRun ? figure([await o.fullRun()]) : undefined;
  const matrix = o.matrix ? await o.matrix() : null;
  return {
    boot_to_ssh_s: figure(boots),
    boot_to_provisioned_s: provisioned,
    ssh_roundtrip_ms: figure(warm.rtt),
    step_ms: figure(warm.step),
    reset_s: figure(warm.reset),
    restore_s: figure(restore),
    snapshot_s: snapshots,
    ...(full ? { full_run_s: full } : {}),
    ...(matrix ? { matrix_s: matrix } : {}),
    model_ops_per_s: figure(ops),
    linearize_us_per_race: figure([0, 1, 2].map(() => benchLinearizeMicrosPerRace())),
    resume_s: figure(resumes),
    ...(generators ? { generator_ops_per_s: generators.ops, races_per_s: generators.races } : {}),
  };
}

/** From `daxh run`'s start of a guest to a provisioned guest, when an earlier boot saved it (a private shelf). */
async function resumeTimes(p: Prepared, hmem: (workDir: string) => GuestPlan, n: number): Promise<number[]> {
  const dir = await mkdtemp(join(tmpdir(), 'daxh-bench-shelf-'));
  try {
    const shelf = new DiskShelf(dir);
    await withLabGuest({ prepared: p, plan: hmem, name: 'bench-save', snapshots: true, shelf }, async () => {});
    return await repeat(n, async () => {
      const t0 = performance.now();
      const lab = await bootLabGuest({ prepared: p, plan: hmem, name: 'bench-resume', snapshots: true, shelf });
      const s = (performance.now() - t0) / 1000;
      await lab.guest.stop();
      if (lab.origin !== 'resumed') throw new Error('the saved hmem guest was booted, not resumed');
      return s;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The model-based and concurrency cases on each topology, through the runner as `daxh run` runs them (saved
 * machines included): their operations and races per second of case time. One run each: a case is long.
 */
async function generatorRates(p: Prepared, topologies: readonly string[], log: (line: string) => void): Promise<{ ops: Record<string, Figure>; races: Record<string, Figure> }> {
  const ops: Record<string, Figure> = {};
  const races: Record<string, Figure> = {};
  const outDir = await mkdtemp(join(tmpdir(), 'daxh-bench-gen-'));
  try {
    for (const t of topologies) {
      const cases = select(instantiate(registeredSuites(), offersFor([t])), { suites: ['model-based', 'concurrency'], topologies: [t] });
      if (!cases.length) continue;
      log(`generators: model-based and concurrency on ${t}`);
      const run = await runCases({ target: { kernel: p.kernel.release, image: p.image.hash, accel: p.accel }, cases, boot: labBooter(p, plannersFor([t]), loneGuestVcpus(), outDir, new DiskShelf()), reporter: new Multiplexer([]), outDir, jobs: 1, seed: 1 });
      const rate = (suite: string, count: (c: CaseResult) => number) => {
        const cs = run.cases.filter((c) => c.suite === suite && c.status !== 'skipped');
        const ms = cs.reduce((n, c) => n + c.durationMs, 0);
        return ms ? figure([cs.reduce((n, c) => n + count(c), 0) / (ms / 1000)]) : null;
      };
      // A rate is one run: a case that hit a deadlock row waits out a step deadline, so each says how it went.
      for (const c of run.cases) log(`  ${c.suite}: ${c.status}${c.failureKind ? ` (${c.failureKind})` : ''} in ${(c.durationMs / 1000).toFixed(1)} s${c.known?.length ? `; known: ${[...new Set(c.known.map((k) => k.id))].join(', ')}` : ''}`);
      const o = rate('model-based', (c) => c.operations ?? 0);
      const r = rate('concurrency', (c) => c.races ?? 0);
      if (o) ops[t] = o;
      if (r) races[t] = r;
    }
    return { ops, races };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

/** A step is what a case pays per operation: helper round trip with observation, model, comparison. */
async function stepTimes(lab: LabGuest, n: number): Promise<number[]> {
  const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: lab.caps.release }, lab.inventory.observation);
  const host = lab.inventory.regions[0]!.host;
  const op: Op = { op: 'write', ref: { kind: 'region', host, attr: 'create' }, value: '1' };
  await checker.step(op);
  return repeat(n, async () => {
    const t0 = performance.now();
    await checker.step(op);
    return performance.now() - t0;
  });
}

/** Undo a typical case's changes (kmem offline + unbind + shrink + a created device) and prove the state. */
async function resetTimes(lab: LabGuest, n: number): Promise<number[]> {
  const r = lab.inventory.regions[0]!;
  const d0 = lab.inventory.devices.find((d) => d.host === r.host)!;
  const blocks = lab.inventory.observation.memoryBlocks.map((b) => b.index);
  const w = (ref: Op['ref'], value: string): Op => ({ op: 'write', ref, value });
  const dirty: Op[] = [
    ...blocks.map((i) => w({ kind: 'memblock', index: i, attr: 'state' }, 'offline')),
    w({ kind: 'driver', driver: 'kmem', attr: 'unbind' }, d0.name),
    w({ kind: 'device', device: d0.name, attr: 'size' }, String(r.size / 2n)),
    w({ kind: 'region', host: r.host, attr: 'create' }, '1'),
  ];
  return repeat(n, async () => {
    await lab.driver.step(dirty);
    const t0 = performance.now();
    if (!(await resetGuest(lab, dirty))) throw new Error('reset did not return the hmem guest to its provisioned state');
    return (performance.now() - t0) / 1000;
  });
}

/** Unbinding kmem with its blocks online leaks them until reboot: only a snapshot or a reboot undoes that. */
async function restoreTimes(p: Prepared, hmem: (workDir: string) => GuestPlan, n: number): Promise<number[]> {
  const fixture = new GuestFixture((name, snapshots) => bootLabGuest({ prepared: p, plan: hmem, name: `bench-${name}`, snapshots }), 'hmem');
  try {
    await fixture.acquire();
    await fixture.settle([], true);
    let lab = await fixture.acquire(); // the second boot takes the snapshot
    return await repeat(n, async () => {
      const kmem = lab.inventory.devices.find((d) => d.driver === 'kmem');
      if (!kmem) throw new Error('hmem guest has no kmem-bound device to leak');
      const leak: Op[] = [{ op: 'write', ref: { kind: 'driver', driver: 'kmem', attr: 'unbind' }, value: kmem.name }];
      await lab.driver.step(leak);
      const restores = fixture.counts.restores;
      const t0 = performance.now();
      await fixture.settle(leak, false);
      lab = await fixture.acquire();
      if (fixture.counts.restores !== restores + 1) throw new Error('the hmem guest was rebooted, not restored from its snapshot');
      return (performance.now() - t0) / 1000;
    });
  } finally {
    await fixture.close();
  }
}

export function benchTable(f: BenchFigures): string {
  const rows: [string, Figure, string][] = [
    ['boot_to_ssh_s', f.boot_to_ssh_s, 's'],
    ...Object.entries(f.boot_to_provisioned_s).map(([t, v]): [string, Figure, string] => [`boot_to_provisioned_s.${t}`, v, 's']),
    ['ssh_roundtrip_ms', f.ssh_roundtrip_ms, 'ms'],
    ['step_ms', f.step_ms, 'ms'],
    ['reset_s', f.reset_s, 's'],
    ['restore_s', f.restore_s, 's'],
    ...Object.entries(f.snapshot_s).map(([t, v]): [string, Figure, string] => [`snapshot_s.${t}`, v, 's']),
    ...(f.full_run_s ? [['full_run_s', f.full_run_s, 's'] as [string, Figure, string]] : []),
    ...(f.matrix_s ? [['matrix_s', f.matrix_s, `s (${f.matrix_s.kernels} kernels, ${f.matrix_s.measuredAt.slice(0, 16)}, ${f.matrix_s.source})`] as [string, Figure, string]] : []),
    ['model_ops_per_s', f.model_ops_per_s, 'ops/s'],
    ['linearize_us_per_race', f.linearize_us_per_race, 'µs (4 racing operations, checked against the model)'],
    ...(f.resume_s ? [['resume_s', f.resume_s, 's (a saved provisioned hmem guest, to provisioned)'] as [string, Figure, string]] : []),
    ...Object.entries(f.generator_ops_per_s ?? {}).map(([t, v]): [string, Figure, string] => [`generator_ops_per_s.${t}`, v, 'model-based operations per second of case time']),
    ...Object.entries(f.races_per_s ?? {}).map(([t, v]): [string, Figure, string] => [`races_per_s.${t}`, v, 'concurrency races per second of case time']),
  ];
  const fmt = (v: number) => (v >= 1000 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2));
  const width = Math.max(...rows.map((r) => r[0].length));
  return [`${'figure'.padEnd(width)}  ${'median'.padStart(10)}  ${'min'.padStart(10)}  ${'max'.padStart(10)}  runs  unit`, ...rows.map(([name, v, unit]) => `${name.padEnd(width)}  ${fmt(v.median).padStart(10)}  ${fmt(v.min).padStart(10)}  ${fmt(v.max).padStart(10)}  ${String(v.runs).padStart(4)}  ${unit}`)].join('\n');
}

export const BENCH_TOPOLOGIES = (): string[] => builtinTopologyNames();

/** Where the generators' rates are measured by default: one topology of each snapshot behaviour. */
export const GENERATOR_TOPOLOGIES = ['hmem', 'cxl'] as const;
