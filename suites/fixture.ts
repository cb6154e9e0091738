// What the ava guest suites share: the prepared default kernel (once per test file) and a way to run a
// selection of cases through the same runner `daxh run` uses, saved machines included, so `npm test` and
// the main job agree.
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KernelChoice } from '../images/kernel.ts';
import { hostResources, vcpusPerGuest } from '../harness/lab/host-share.ts';
import { labBooter, offersFor, plannersFor } from '../harness/lab/planner.ts';
import { DiskShelf } from '../harness/lab/saved-machines.ts';
import { Multiplexer } from '../harness/report/reporter.ts';
import { prepare, type Prepared } from '../harness/lab/prepare.ts';
import type { ModelOverrides } from '../harness/compare/init-model.ts';
import type { RunResults } from '../harness/report/results.ts';
import { runCases } from '../harness/runner/runner.ts';
import { instantiate, select, shard, type Selection } from '../harness/runner/suite.ts';
import { ALL_SUITES } from './index.ts';

const prepared = new Map<string, Promise<Prepared>>();

// Each selection writes console logs and recipes to its own temp dir; tests read them, then they go.
const outDirs: string[] = [];
process.once('exit', () => {
  for (const d of outDirs) rmSync(d, { recursive: true, force: true });
});

/** A pinned Debian series (`latest` is the newest pin), prepared once per test file. */
export function kernel(series = '6.12'): Promise<Prepared> {
  const choice: KernelChoice = { kind: 'debian', series };
  if (!prepared.has(series)) prepared.set(series, prepare(choice, 'auto', (l) => console.log(`daxh: ${l}`)));
  return prepared.get(series)!;
}

export async function runSelection(p: Prepared, sel: Selection, extra: { seed?: number; modelOverrides?: ModelOverrides; jobs?: number; shard?: { index: number; count: number } } = {}): Promise<RunResults & { outDir: string }> {
  const selected = select(instantiate(ALL_SUITES, offersFor()), sel);
  const cases = extra.shard ? shard(selected, extra.shard.index, extra.shard.count) : selected;
  if (cases.length === 0) throw new Error(`selection ${JSON.stringify(sel)} matches no case`);
  const outDir = await mkdtemp(join(tmpdir(), 'daxh-test-out-'));
  outDirs.push(outDir);
  const jobs = extra.jobs ?? 1;
  const groups = new Set(cases.map((c) => c.topology)).size;
  const results = await runCases({
    target: { kernel: p.kernel.release, image: p.image.hash, accel: p.accel, profile: p.profile },
    cases,
    boot: labBooter(p, plannersFor(cases.map((c) => c.topology)), vcpusPerGuest(hostResources(), Math.min(jobs, groups)), outDir, new DiskShelf()),
    reporter: new Multiplexer([]),
    outDir,
    jobs,
    seed: extra.seed ?? 1,
    ...(extra.modelOverrides ? { modelOverrides: extra.modelOverrides } : {}),
    ...(extra.shard ? { shard: extra.shard } : {}),
  });
  return { ...results, outDir };
}

/** Every failure in full, for the assertion message: a red test must say what the kernel did. */
export function failures(r: RunResults): string {
  return r.cases
    .filter((c) => c.status === 'failed')
    .map((c) => `${c.suite}/${c.topology}/${c.name}:\n${c.failure}${c.console ? `\n${c.console}` : ''}`)
    .join('\n\n');
}
