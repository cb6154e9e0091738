import test from 'ava';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { kcidbReport, testPath } from './kcidb.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from './results.ts';

const schema = JSON.parse(readFileSync(new URL('./kcidb/v05_03.schema.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ strict: true, allErrors: true });
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validate = ajv.compile(schema);

const cases: CaseResult[] = [
  { suite: 'sysfs-writes', topology: 'hmem', name: 'size: shrink, grow', status: 'passed', checks: 30, durationMs: 1200 },
  { suite: 'sysfs-writes', topology: 'hmem+mom', name: 'mapping <odd> / "chars"', status: 'failed', failureKind: 'divergence', failure: 'divergence on hmem', checks: 7, durationMs: 900 },
  { suite: 'regressions', topology: 'cxl', name: 'misaligned', status: 'known', checks: 12, durationMs: 300, known: [{ id: 'mapping-misaligned-length-succeeds', reason: 'r', step: 's' }] },
  { suite: 'kmem-hotplug', topology: 'cxl', name: 'x', status: 'failed', failureKind: 'qemu-exited', failure: 'QEMU exited', checks: 1, durationMs: 10 },
  { suite: 'memmap-on-memory', topology: 'cxl', name: 'defaults', status: 'skipped', checks: 0, durationMs: 0, skipReason: 'no dax_cxl' },
  { suite: 'inventory', topology: 'pmem', name: 'y', status: 'interrupted', checks: 0, durationMs: 5 },
];
const run = (kernel: string): RunResults => ({ schema: RESULTS_SCHEMA, kernel, image: 'abcdef012345', accel: 'tcg', profile: 'debian', seed: 42, startedAt: '2026-12-01T12:00:00.000Z', durationMs: 5000, guests: { boots: 1, restores: 0 }, totals: totalsOf(cases), checks: 50, cases });

test('the export validates against KCIDB I/O schema v5.3 as kcidb-io publishes it', (t) => {
  const doc = kcidbReport([run('6.12.117+deb12-amd64'), run('7.3.4+deb13-amd64')]);
  t.true(validate(doc), ajv.errorsText(validate.errors));
  t.deepEqual(doc.version, { major: 5, minor: 3 });
  t.is(doc.checkouts.length, 2);
  t.is(doc.tests.length, 12);
  t.deepEqual(doc.builds.map((b) => b.status), ['PASS', 'PASS']);
});

test('statuses: kernel faults FAIL, harness faults ERROR, known bugs FAIL with an incident of their issue, skips SKIP, interrupted MISS', (t) => {
  const doc = kcidbReport([run('7.3.4')]);
  t.deepEqual(doc.tests.map((x) => x.status), ['PASS', 'FAIL', 'FAIL', 'ERROR', 'SKIP', 'MISS']);
  t.is(doc.tests[1]!.path, 'dax.sysfs-writes.hmem_mom.mapping_odd_chars');
  t.deepEqual(doc.issues?.map((i) => [i.id, i.report_subject?.slice(0, 8), i.culprit.code, i.misc.introduced_by]), [['dax_harness:issue:mapping-misaligned-length-succeeds', 'dax/bus:', true, 'c05ae9d85b47']]);
  t.deepEqual(doc.incidents?.map((i) => [i.test_id, i.issue_id]), [[doc.tests[2]!.id, doc.issues![0]!.id]]);
});

test('test paths keep to the characters v5 allows, with no empty component', (t) => {
  const v5 = /^([a-zA-Z0-9_-]+(\.[a-zA-Z0-9_-]+)*)?$/;
  for (const p of [testPath('dax', 'a b', '...'), testPath('dax', '/', 'x.y'), testPath('dax', 'sysfs-writes', 'hmem+mom', 'read every attribute')]) t.regex(p, v5);
});

test('a document the schema forbids is caught (the validation can fail)', (t) => {
  const doc = kcidbReport([run('7.3.4')]) as unknown as { tests: Record<string, unknown>[] };
  doc.tests[0]!.status = 'WARN';
  t.false(validate(doc));
  const bad = kcidbReport([run('7.3.4')]) as unknown as { builds: Record<string, unknown>[] };
  bad.builds[0]!.valid = true;
  t.false(validate(bad), 'v5 builds have a status, not valid');
  const waived = kcidbReport([run('7.3.4')]) as unknown as { tests: Record<string, unknown>[] };
  waived.tests[2]!.waived = true;
  t.false(validate(waived), 'v5 tests have no waived');
});
