// The linearizability search on histories with a known answer: ones some serial order explains (found,
// whatever the order), and ones no order explains although every answer alone is one the kernel could give.
import test from 'ava';
import { diff } from './diff.ts';
import { explanations, linearize, type LinearizeInput } from './linearize.ts';
import { apply, observe } from '../model/index.ts';
import { putDevice } from '../model/state.ts';
import { fail, ok, type Op, type OpResult } from '../model/ops.ts';
import { GiB, MiB, R61, R612, devRef, drvRef, hmem, must, r, regionRef, result, stateFor, w } from '../model/testing/fixtures.ts';

const region = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null, initial: 'empty' });
// Two empty devices on one 1G region: dax0.0 and a created dax0.1.
const start = must(stateFor([region]), w(regionRef(region, 'create'), '1'));

const grow = (dev: string, size: bigint): Op => w(devRef(dev, 'size'), String(size));
const available = r(regionRef(region, 'available_size'));

/** What the kernel would answer and show after running `ops` in `order`: a history that is linearizable by construction. */
function runInOrder(ops: readonly Op[], order: readonly number[]) {
  let s = start;
  const results: OpResult[] = new Array(ops.length);
  for (const i of order) {
    results[i] = result(s, ops[i]!);
    s = apply(s, ops[i]!).next;
  }
  return { results, after: observe(s) };
}

const input = (ops: readonly Op[], results: readonly OpResult[], after = observe(start)): LinearizeInput => ({ start, ops, results, after, kernel: R612, differences: diff });

test('every serial order of a race is recognised, and the witness replays it', (t) => {
  const ops = [grow('dax0.0', 768n * MiB), grow('dax0.1', 512n * MiB), available];
  for (const order of [[0, 1, 2], [1, 0, 2], [2, 1, 0], [1, 2, 0], [0, 2, 1], [2, 0, 1]]) {
    const h = runInOrder(ops, order);
    const out = linearize(input(ops, h.results, h.after));
    t.true(out.ok, `order ${order}`);
    if (out.ok) t.deepEqual(runInOrder(ops, out.witness.order), h, `order ${order}`);
  }
});

test('two growths that cannot both fit, both answered ok: each answer alone is possible, together they are not', (t) => {
  const ops = [grow('dax0.0', 768n * MiB), grow('dax0.1', 512n * MiB)];
  t.is(result(start, ops[0]!).ok, true);
  t.is(result(start, ops[1]!).ok, true);
  const out = linearize(input(ops, [ok(), ok()]));
  t.false(out.ok);
  if (!out.ok) {
    t.is(out.explored, 4, 'both orders tried to their second step');
    t.is(out.closest.order.length, 1);
  }
});

test('a read value no order can give is refused, naming the step that stopped the closest order', (t) => {
  const ops = [grow('dax0.0', 512n * MiB), available];
  const out = linearize(input(ops, [ok(), ok(`${256n * MiB}\n`)], runInOrder(ops, [0, 1]).after));
  t.false(out.ok);
  if (!out.ok && 'index' in out.closest.stoppedBy) t.is(out.closest.stoppedBy.index, 1);
});

test('answers that fit some order but a final state that fits none are refused', (t) => {
  const ops = [grow('dax0.0', 512n * MiB), grow('dax0.1', 512n * MiB)];
  const h = runInOrder(ops, [0, 1]);
  const out = linearize(input(ops, h.results, observe(start)));
  t.false(out.ok);
  if (!out.ok) t.true('differences' in out.closest.stoppedBy && out.closest.stoppedBy.differences.length > 0);
});

test('an errno answer is explained by the order that makes it', (t) => {
  const ops = [grow('dax0.0', 768n * MiB), grow('dax0.1', 768n * MiB)];
  const h = runInOrder(ops, [1, 0]);
  t.deepEqual(h.results, [fail('ENOSPC'), ok()]);
  const out = linearize(input(ops, h.results, h.after));
  t.true(out.ok);
  if (out.ok) t.deepEqual(out.witness.order, [1, 0]);
});

test('ENODEV from a file a racing delete removed is placed after the delete; from a file that never went away it is not', (t) => {
  const del = w(regionRef(region, 'delete'), 'dax0.1');
  const readSize = r(devRef('dax0.1', 'size'));
  const after = runInOrder([del], [0]).after;
  const out = linearize(input([readSize, del], [fail('ENODEV'), ok()], after));
  t.true(out.ok);
  if (out.ok) {
    t.deepEqual(out.witness.order, [1, 0]);
    t.is(out.witness.steps[0]!.by?.id, 'raced-removal');
  }
  t.false(linearize(input([r(devRef('dax0.0', 'size')), del], [fail('ENODEV'), ok()], after)).ok);
});

test('two deletes of one device: the loser answers EBUSY (delete_store), never ok twice', (t) => {
  const del = w(regionRef(region, 'delete'), 'dax0.1');
  const after = runInOrder([del], [0]).after;
  const out = linearize(input([del, del], [fail('EBUSY'), ok()], after));
  t.true(out.ok);
  if (out.ok) t.is(out.witness.steps[0]!.by?.id, 'raced-delete');
  t.false(linearize(input([del, del], [ok(), ok()], after)).ok);
  // Without a race there is no lookup to lose: a delete of a device that never existed is ENXIO, not EBUSY.
  t.false(linearize(input([w(regionRef(region, 'delete'), 'dax0.7'), del], [fail('EBUSY'), ok()], after)).ok);
});

test('a create that takes the id of a device a racing delete freed: a known divergence from 6.9 on, with its stack dump', (t) => {
  const del = w(regionRef(region, 'delete'), 'dax0.1');
  const create = w(regionRef(region, 'create'), '1');
  const after = runInOrder([del], [0]).after;
  const out = linearize(input([create, del], [fail('EEXIST'), ok()], after));
  t.true(out.ok);
  if (out.ok) {
    t.deepEqual(out.witness.order, [1, 0]);
    t.is(out.witness.steps[0]!.outcome, 'known');
    t.is(out.witness.steps[0]!.by?.id, 'create-takes-id-of-racing-delete');
    t.true(out.witness.steps[0]!.warning);
  }
  // 6.1 serialises create and delete on the region's device lock: the same answers are no kernel's there.
  t.false(linearize({ ...input([create, del], [fail('EEXIST'), ok()], after), kernel: R61 }).ok);
  // Serially, a create never meets a deleted device's name.
  t.deepEqual(explanations(apply(start, del).next, create, fail('EEXIST'), R612), []);
});

test('a create interleaved with a racing delete keeps the id it took first and becomes the seed (6.9+ only)', (t) => {
  // Three devices: dax0.1 and dax0.2 are empty; dax0.1 is the seed.
  const three = must(start, w(regionRef(region, 'create'), '1'));
  const del = w(regionRef(region, 'delete'), 'dax0.1');
  const create = w(regionRef(region, 'create'), '1');
  // The kernel's end state: dax0.1 gone, the new device is dax0.3 (not 0.1) and the seed.
  const kernelAfter = observe(apply(apply(three, create).next, del).next);
  const seedNew = { ...kernelAfter, regions: kernelAfter.regions.map((r) => (r.dynamic ? { ...r, dynamic: { ...r.dynamic, seed: 'dax0.3' } } : r)) };
  const race = { ...input([create, del], [ok(), ok()], seedNew), start: three };
  const out = linearize(race);
  t.true(out.ok);
  if (out.ok) t.is(out.witness.steps[0]!.by?.id, 'create-interleaves-delete');
  t.false(linearize({ ...race, kernel: R61 }).ok);
});

test('two racing unbinds of one device both answer ok (unbind_store checks before it locks); serially the second is ENODEV', (t) => {
  const bound = must(start, grow('dax0.1', 512n * MiB), w(drvRef('device_dax', 'new_id'), 'dax0.1'));
  const unbind = w(drvRef('device_dax', 'unbind'), 'dax0.1');
  const after = observe(apply(bound, unbind).next);
  const race = { ...input([unbind, unbind], [ok(), ok()], after), start: bound };
  const out = linearize(race);
  t.true(out.ok);
  if (out.ok) t.deepEqual(out.witness.steps.map((s) => s.by?.id ?? s.outcome), ['agreed', 'raced-unbind']);
  t.deepEqual(explanations(apply(bound, unbind).next, unbind, ok(), R612), []);
});

test('a shrink that passed its alignment test before a racing align took the locks: a known divergence, and the kernel\'s odd end state', (t) => {
  const full = must(start, grow('dax0.0', GiB));
  const align = w(devRef('dax0.0', 'align'), String(GiB));
  const shrink = grow('dax0.0', 128n * MiB);
  const d = full.devices.get('dax0.0')!;
  t.is(d.align, 2n * MiB, 'the race starts at the default align');
  // What the kernel left (Debian 6.1, 6.12, 7.3): 128 MiB under a 1 GiB align.
  const shrunk = apply(full, shrink).next;
  const odd = putDevice(shrunk, { ...shrunk.devices.get('dax0.0')!, align: GiB });
  const race = { ...input([align, shrink], [ok(), ok()], observe(odd)), start: full };
  for (const kernel of [R61, R612]) {
    const out = linearize({ ...race, kernel });
    t.true(out.ok, kernel);
    if (out.ok) {
      t.deepEqual(out.witness.order, [0, 1], 'the align first, then the shrink it should have refused');
      t.is(out.witness.steps[1]!.outcome, 'known');
      t.is(out.witness.steps[1]!.by?.id, 'size-checks-align-before-locking');
    }
  }
  // The end state is part of the row: the kernel keeps the racing align, not the one the shrink was tested with.
  t.false(linearize({ ...race, after: observe(shrunk) }).ok, 'the old align kept is no state this bug leaves');
  // Serially the shrink meets the new align and is refused; only a race explains ok.
  t.deepEqual(explanations(apply(full, align).next, shrink, ok(), R612), []);
  // A shrink the old align refuses too (129 MiB is no multiple of 2 MiB) is no instance, whatever it answered.
  const afterAlign = apply(full, align).next;
  t.is(explanations(afterAlign, shrink, ok(), R612, undefined, full)[0]?.by?.id, 'size-checks-align-before-locking');
  t.deepEqual(explanations(afterAlign, grow('dax0.0', 129n * MiB), ok(), R612, undefined, full), []);
});
