import test from 'ava';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { junitXml } from './junit.ts';
import { markdownSummary } from './markdown.ts';
import { mergeResults } from './merge.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from './results.ts';
import { tap } from './tap.ts';
import { summaryTable } from './progress.ts';

const cases: CaseResult[] = [
  { suite: 'sysfs-writes', topology: 'hmem', name: 'size', status: 'passed', checks: 30, durationMs: 1200 },
  { suite: 'sysfs-writes', topology: 'hmem', name: 'mapping <odd> & "chars"', status: 'failed', checks: 7, durationMs: 900, failure: 'divergence on hmem\noperation: write dax0.1/size "0x200000"\nresult: expected ok, got EBUSY', console: '[ 1.0] WARNING: CPU: 0 PID: 1 at x' },
  { suite: 'regressions', topology: 'cxl', name: 'misaligned', status: 'known', checks: 12, durationMs: 300, known: [{ id: 'mapping-misaligned-length-succeeds', reason: '6.12 allocates nothing yet returns success', step: 'write dax0.0/mapping "0x1-0x2"' }] },
  { suite: 'memmap-on-memory', topology: 'cxl', name: 'defaults', status: 'skipped', checks: 0, durationMs: 0, skipReason: 'kernel 6.1.0-56-amd64 has no dax_cxl module' },
];

const run = (cs: CaseResult[], extra: Partial<RunResults> = {}): RunResults => ({
  schema: RESULTS_SCHEMA, kernel: '6.12.117+deb12-amd64', image: 'abcdef012345', accel: 'tcg', seed: 42, startedAt: '2026-11-24T12:00:00.000Z', durationMs: 5000, guests: { boots: 1, restores: 0 },
  totals: totalsOf(cs), checks: cs.reduce((n, c) => n + c.checks, 0), cases: cs, ...extra,
});

test('a JUnit parser reads the output back with the right suites, counts, failure text and console', async (t) => {
  const doc = (await parseJunit(junitXml(run(cases)))) as TestSuites;
  const all = (doc.testsuite ?? []).flatMap((s) => s.testcase ?? []);
  t.is(all.length, cases.length);
  t.is(doc.failures, 1);
  t.deepEqual((doc.testsuite ?? []).map((s) => s.name).sort(), ['memmap-on-memory [cxl]', 'regressions [cxl]', 'sysfs-writes [hmem]']);
  const failed = all.find((c) => c.name === 'mapping <odd> & "chars"')!;
  t.regex(failed.failure![0]!.message!, /divergence on hmem/);
  t.regex(failed.failure![0]!.inner!, /expected ok, got EBUSY/);
  t.regex(failed['system-out']![0]!, /WARNING: CPU: 0/);
  t.truthy(all.find((c) => c.name === 'defaults')!.skipped);
});

test('markdown summary has the per-topology table and lists divergences apart from failures', (t) => {
  const md = markdownSummary(run(cases));
  t.regex(md, /\| topology \| passed \| failed \| known \| skipped \|/);
  t.regex(md, /\| cxl \| 0 \| 0 \| 1 \| 1 \|/);
  t.regex(md, /\| hmem \| 1 \| 1 \| 0 \| 0 \|/);
  t.regex(md, /### Known kernel divergences \(not failures\)[\s\S]*mapping-misaligned-length-succeeds/);
  t.regex(md, /### Failures[\s\S]*expected ok, got EBUSY/);
});

test('TAP: skips carry the reason, failures are not ok', (t) => {
  const out = tap(run(cases));
  t.regex(out, /^1\.\.4$/m);
  t.regex(out, /^not ok 2 sysfs-writes\/hmem\/mapping/m);
  t.regex(out, /^ok 4 .* # SKIP kernel 6\.1\.0-56-amd64 has no dax_cxl module$/m);
});

test('merging shards gives the totals of the whole', (t) => {
  const merged = mergeResults([run(cases.slice(0, 2), { shard: { index: 1, count: 2 } }), run(cases.slice(2), { shard: { index: 2, count: 2 } })]);
  t.deepEqual(merged.totals, totalsOf(cases));
  t.is(merged.checks, 49);
  t.is(merged.shard, undefined);
  const counted = mergeResults([run(cases.slice(0, 2), { guests: { boots: 3, restores: 5 } }), run(cases.slice(2), { guests: { boots: 2, restores: 0 } })]);
  t.deepEqual(counted.guests, { boots: 5, restores: 5 });
  t.throws(() => mergeResults([run(cases), run(cases)]), { message: /appears in more than one file/ });
  t.throws(() => mergeResults([run(cases), run([], { kernel: '6.1' })]), { message: /different kernels/ });
});

test('the end-of-run table counts per suite and topology and prints failures in full', (t) => {
  const table = summaryTable(run(cases));
  t.regex(table, /sysfs-writes\s+hmem\s+1\s+1\s+0\s+0\s+37/);
  t.regex(table, /1 passed, 1 failed, 1 skipped, 1 known · 49 checks · 1 boots, 0 snapshot restores · kernel/);
  t.regex(summaryTable(run(cases, { guests: { boots: 4, restores: 9 } })), /· 49 checks · 4 boots, 9 snapshot restores · kernel/);
  t.regex(table, /result: expected ok, got EBUSY/);
});
