import test from 'ava';
import { OpCoverage, mergeCoverage, opKind, opState } from './op-coverage.ts';
import { markdownSummary } from '../report/markdown.ts';
import type { RunResults } from '../report/results.ts';
import { GiB, MiB, R612, blockRef, devRef, drvRef, hmem, must, r, regionRef, stateFor, w } from '../model/testing/fixtures.ts';
import { apply } from '../model/index.ts';

const region = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null });

test('states name what decides the kernel path: driver, fill, ranges; region fill; block zone', (t) => {
  const full = stateFor([region]);
  const size = w(devRef('dax0.0', 'size'), '0');
  t.is(opKind(size), 'write device/size');
  t.is(opState(size, full), 'unbound,full,1-range');
  const bound = must(full, w(drvRef('device_dax', 'new_id'), 'dax0.0'));
  t.is(opState(w(drvRef('device_dax', 'unbind'), 'dax0.0'), bound), 'device_dax,full,1-range');
  const empty = must(full, size);
  t.is(opState(size, empty), 'unbound,empty,0-range');
  t.is(opState(r(regionRef(region, 'available_size')), empty), '1-devices,all-free');
  const two = must(empty, w(devRef('dax0.0', 'mapping'), `0x${(4n * GiB).toString(16)}-0x${(4n * GiB + 2n * MiB - 1n).toString(16)}`), w(devRef('dax0.0', 'mapping'), `0x${(4n * GiB + 8n * MiB).toString(16)}-0x${(4n * GiB + 10n * MiB - 1n).toString(16)}`));
  t.is(opState(r(devRef('dax0.0', 'size')), two), 'unbound,partial,multi-range');
  t.is(opState(w(blockRef(40), 'online'), full), 'absent');
  t.is(opKind(w(blockRef(40), 'online')), 'write memblock/state online');
});

test('counts runs and acceptances per pair, merged across checkers, and the summary lists them', (t) => {
  const s = stateFor([region]);
  const a = new OpCoverage();
  const op = w(devRef('dax0.0', 'size'), '0');
  a.add(op, s, apply(s, op).result);
  a.add(op, s, { ok: false, errno: 'EBUSY' });
  const b = new OpCoverage();
  b.add(op, s, apply(s, op).result);
  const merged = mergeCoverage([a.entries(), b.entries()]);
  t.deepEqual(merged, [{ op: 'write device/size', state: 'unbound,full,1-range', runs: 3, accepted: 2 }]);
  const run = { schema: 'dax-harness/results@2', kernel: R612, image: 'x', accel: 'tcg', seed: 1, startedAt: '', durationMs: 0, totals: { passed: 1, failed: 0, skipped: 0, known: 0, interrupted: 0 }, checks: 3, guests: { boots: 1, restores: 0 }, cases: [{ suite: 's', topology: 'hmem', name: 'c', status: 'passed', checks: 3, durationMs: 1, operations: 3, races: 1, coverage: merged }] } satisfies RunResults;
  t.regex(markdownSummary(run), /3 sysfs operations, 1 races; 1 operation × state pairs reached[\s\S]*\| `write device\/size` \| unbound,full,1-range 2\/3 \|/);
});
