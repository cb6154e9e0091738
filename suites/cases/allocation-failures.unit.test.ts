// The allocation-failure sweeps over a fake kernel that makes a known number of allocations per write: every
// one is failed once, the sweep stops when the write makes no more, and a write that keeps its effect after
// failing is caught.
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCases } from '../../harness/runner/runner.ts';
import { instantiate } from '../../harness/runner/suite.ts';
import { Multiplexer } from '../../harness/report/reporter.ts';
import { fakeBooter, type FakeHooks } from '../../harness/testing/fake-lab.ts';
import type { Op } from '../../harness/model/ops.ts';
import { GiB, R612, hmem } from '../../harness/model/testing/fixtures.ts';
import { allocationFailures } from './allocation-failures.ts';

const ALLOCATIONS = 4;
const region = hmem({ start: 4n * GiB, size: 1n * GiB });

async function sweep(hooks: FakeHooks, kernel = R612) {
  const outDir = await mkdtemp(join(tmpdir(), 'daxh-alloc-test-'));
  const asked: Op[] = [];
  const counting: FakeHooks = { ...hooks, allocations: (op) => (asked.push(op), ALLOCATIONS) };
  try {
    const offers = [{ name: 'hmem', regions: [{ provider: 'hmem' as const, kind: 'dynamic' as const }] }];
    const r = await runCases({ target: { kernel, image: 'fake', accel: 'tcg' }, cases: instantiate([allocationFailures], offers), boot: fakeBooter({ regions: [region], hooks: counting, machine: { release: kernel } }).boot, reporter: new Multiplexer([]), outDir, jobs: 1, seed: 1 });
    return { r, asked: asked.filter((op) => op.op === 'write' && op.failNth !== undefined) };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

test('each allocation of each swept write fails once, and the sweep stops after the last', async (t) => {
  const { r, asked } = await sweep({});
  t.deepEqual(r.cases.map((c) => [c.name, c.status]), [['create', 'passed'], ['size and mapping', 'passed'], ['device_dax and kmem bind', 'passed'], ['kmem state unplug and replug', 'skipped']], r.cases.map((c) => c.failure ?? '').join('\n'));
  t.regex(r.cases.at(-1)!.skipReason ?? '', /kmem's state attribute/);
  // create, size, mapping, device_dax bind, kmem bind: failNth 1..ALLOCATIONS fail, ALLOCATIONS + 1 does not.
  const perWrite = new Map<string, number[]>();
  for (const op of asked) {
    if (op.op !== 'write') continue;
    const what = `${op.ref.kind} ${op.ref.attr}`;
    perWrite.set(what, [...(perWrite.get(what) ?? []), op.failNth!]);
  }
  t.is(perWrite.size, 4, [...perWrite.keys()].join(', '));
  for (const [what, nths] of perWrite) t.deepEqual([...new Set(nths)], [1, 2, 3, 4, 5], what);
  t.is(r.cases.flatMap((c) => c.branches ?? []).filter((b) => b.id === 'allocation-failure').length, 5 * ALLOCATIONS);
});

test("on 7.3 kmem's state file is swept too: unplug and replug, each allocation once", async (t) => {
  const { r, asked } = await sweep({}, '7.3.4');
  const last = r.cases.find((c) => c.name === 'kmem state unplug and replug')!;
  t.is(last.status, 'passed', last.failure);
  const values = asked.filter((op) => op.op === 'write' && op.ref.kind === 'device' && op.ref.attr === 'state').map((op) => (op.op === 'write' ? `${op.value} ${op.failNth}` : ''));
  t.deepEqual(values, [1, 2, 3, 4, 5].map((n) => `unplugged ${n}`).concat([1, 2, 3, 4, 5].map((n) => `online_movable ${n}`)));
});

test('a create that fails its allocation but leaves its device behind fails the case, naming the allocation', async (t) => {
  const { r } = await sweep({ failedLeaves: (op, _before, after) => (op.ref.kind === 'region' && op.ref.attr === 'create' ? after : undefined) });
  const create = r.cases.find((c) => c.name === 'create')!;
  t.is(create.status, 'failed');
  t.regex(create.failure ?? '', /operation: write hmem0\/dax_region\/create "1" \(allocation 1 fails\)\nstate after the step differs/);
  t.is(r.cases.find((c) => c.name === 'size and mapping')!.status, 'passed');
});
