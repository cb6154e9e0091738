import test from 'ava';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import { junitXml } from './junit.ts';
import { markdownSummary } from './markdown.ts';
import { mergeResults } from './merge.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from './results.ts';
import { tap } from './tap.ts';
import { ProgressReporter, summaryTable } from './progress.ts';

const divergence = { kind: 'result' as const, topology: 'hmem', kernel: '6.12.117+deb12-amd64', step: 4, operation: 'write dax0.1/size "0x200000"', expected: 'ok', actual: 'EBUSY', kernelLog: ['dax0.1: probe with driver device_dax failed with error -16'], history: [] };
const cases: CaseResult[] = [
  { suite: 'sysfs-writes', topology: 'hmem', name: 'size', status: 'passed', checks: 30, durationMs: 1200, setupMs: 19500 },
  { suite: 'sysfs-writes', topology: 'hmem', name: 'mapping <odd> & "chars"', status: 'failed', failureKind: 'divergence', divergence, checks: 7, durationMs: 900, failure: 'divergence on hmem\noperation: write dax0.1/size "0x200000"\nresult: expected ok, got EBUSY', console: '[ 1.0] WARNING: CPU: 0 PID: 1 at x', repro: 'npx daxh repro out/recipes/x.json --debian-kernel 6.12' },
  { suite: 'regressions', topology: 'cxl', name: 'misaligned', status: 'known', checks: 12, durationMs: 300, known: [{ id: 'mapping-misaligned-length-succeeds', reason: '6.12 allocates nothing yet returns success', step: 'write dax0.0/mapping "0x1-0x2"' }] },
  { suite: 'memmap-on-memory', topology: 'cxl', name: 'defaults', status: 'skipped', checks: 0, durationMs: 0, skipReason: 'kernel 6.1.0-56-amd64 has no dax_cxl module' },
];

const run = (cs: CaseResult[], extra: Partial<RunResults> = {}): RunResults => ({
  schema: RESULTS_SCHEMA, kernel: '6.12.117+deb12-amd64', image: 'abcdef012345', accel: 'tcg', profile: 'debian', seed: 42, startedAt: '2026-11-24T12:00:00.000Z', durationMs: 5000, guests: { boots: 1, restores: 0 },
  totals: totalsOf(cs), checks: cs.reduce((n, c) => n + c.checks, 0), cases: cs, ...extra,
});

test('JUnit: a parser reads back suites with time and timestamp, cases with their own time, a one-line failure message', async (t) => {
  const xml = junitXml(run(cases));
  const doc = (await parseJunit(xml)) as TestSuites;
  const suites = doc.testsuite ?? [];
  const all = suites.flatMap((s) => s.testcase ?? []);
  t.is(all.length, cases.length);
  t.is(doc.failures, 1);
  t.deepEqual(suites.map((s) => s.name).sort(), ['memmap-on-memory [cxl]', 'regressions [cxl]', 'sysfs-writes [hmem]']);
  const hmem = suites.find((s) => s.name === 'sysfs-writes [hmem]')!;
  t.is(hmem.time, 21.6, 'the suite counts its cases and the guest set-up');
  t.regex(xml, /timestamp="2026-11-24T12:00:00"/);
  const props = Object.fromEntries((hmem.properties ?? []).map((p) => [p.name, p.value]));
  t.like(props, { kernel: '6.12.117+deb12-amd64', image: 'abcdef012345', profile: 'debian', seed: 42, accel: 'tcg' }, 'junit2json turns numeric values into numbers');
  const first = all.find((c) => c.name === 'size')!;
  t.is(first.time, 1.2, 'the boot is not charged to the first case');
  t.regex(xml, /<property name="guest_setup_s" value="19.5"\/>/);
  const failed = all.find((c) => c.name === 'mapping <odd> & "chars"')!;
  t.is(failed.failure![0]!.message, 'write dax0.1/size "0x200000": expected ok, got EBUSY');
  t.is(failed.failure![0]!.type, 'divergence');
  t.regex(failed.failure![0]!.inner!, /result: expected ok, got EBUSY/);
  t.regex(failed['system-out']![0]!, /WARNING: CPU: 0/);
  t.regex(failed['system-out']![0]!, /replay: npx daxh repro/);
  t.truthy(all.find((c) => c.name === 'defaults')!.skipped);
  t.notRegex(xml, /time="\d+\.\d{4,}"/, 'times in milliseconds');
});

test('markdown: identity, suite × topology with durations, failures with one line, kind and replay command, known apart', (t) => {
  const md = markdownSummary(run(cases));
  t.regex(md, /kernel 6\.12\.117\+deb12-amd64 · image abcdef012345 · profile debian · seed 42 · accel tcg/);
  t.regex(md, /\| suite \| topology \| passed \| failed \| known \| skipped \| interrupted \| time \|/);
  t.regex(md, /\| sysfs-writes \| hmem \| 1 \| 1 \| 0 \| 0 \| 0 \| 2\.1 s \|/);
  t.regex(md, /\| regressions \| cxl \| 0 \| 0 \| 1 \| 0 \| 0 \| 300 ms \|/);
  t.regex(md, /<summary>sysfs-writes\/hmem\/mapping &lt;odd&gt; &amp; "chars": write dax0\.1\/size "0x200000": expected ok, got EBUSY<\/summary>/, 'a case name is text in the HTML summary, not markup');
  t.regex(md, /- divergence: the kernel disagreed with the model/);
  t.regex(md, /- replay: ` npx daxh repro out\/recipes\/x\.json --debian-kernel 6\.12 `/);
  t.regex(md, /### Known kernel divergences \(not failures\)[\s\S]*mapping-misaligned-length-succeeds/);
});

test('TAP: skips carry the reason, failures are not ok with their one line, every case its duration', (t) => {
  const out = tap(run(cases));
  t.regex(out, /^1\.\.4$/m);
  t.regex(out, /^# dax-harness · kernel 6\.12\.117\+deb12-amd64 · .* seed 42/m);
  t.regex(out, /^not ok 2 sysfs-writes\/hmem\/mapping/m);
  t.regex(out, /^ {2}message: "write dax0\.1\/size \\"0x200000\\": expected ok, got EBUSY"$/m);
  t.regex(out, /^ok 4 .* # SKIP kernel 6\.1\.0-56-amd64 has no dax_cxl module$/m);
  t.is([...out.matchAll(/^ {2}duration_ms: \d+$/gm)].length, 3, 'every case that ran');
});

test('merging shards gives the totals of the whole; mismatched shards are refused', (t) => {
  const merged = mergeResults([run(cases.slice(0, 2), { shard: { index: 1, count: 2 } }), run(cases.slice(2), { shard: { index: 2, count: 2 } })]);
  t.deepEqual(merged.totals, totalsOf(cases));
  t.is(merged.checks, 49);
  t.is(merged.shard, undefined);
  t.is(merged.seed, 42);
  const counted = mergeResults([run(cases.slice(0, 2), { guests: { boots: 3, restores: 5 } }), run(cases.slice(2), { guests: { boots: 2, restores: 0 } })]);
  t.deepEqual(counted.guests, { boots: 5, restores: 5 });
  t.throws(() => mergeResults([run(cases), run(cases)]), { message: /appears in more than one file/ });
  t.throws(() => mergeResults([run(cases), run([], { kernel: '6.1' })]), { message: /different kernels/ });
  t.throws(() => mergeResults([run(cases.slice(0, 1)), run(cases.slice(1), { seed: 7 })]), { message: /different seeds/ });
  t.is(merged.profile, 'debian', 'the profile survives the merge');
});

test('a missing shard is an error, not a smaller total', (t) => {
  const of3 = (i: number, cs: CaseResult[]) => run(cs, { shard: { index: i, count: 3 } });
  t.throws(() => mergeResults([of3(1, cases.slice(0, 2)), of3(3, cases.slice(2))]), { message: /6\.12\.117\+deb12-amd64: shard 2\/3 missing/ });
  t.throws(() => mergeResults([of3(1, cases.slice(0, 2)), run(cases.slice(2), { shard: { index: 2, count: 2 } })]), { message: /different splits \(1\/3, 2\/2\)/ });
  t.throws(() => mergeResults([of3(1, cases.slice(0, 2)), run(cases.slice(2))]), { message: /different splits \(1\/3, unsharded\)/ });
  t.deepEqual(mergeResults([of3(1, cases.slice(0, 1)), of3(2, cases.slice(1, 2)), of3(3, cases.slice(2))]).totals, totalsOf(cases));
});

test('the end-of-run table counts per suite and topology and prints failures with their kind and replay command', (t) => {
  const table = summaryTable(run(cases));
  t.regex(table, /sysfs-writes\s+hmem\s+1\s+1\s+0\s+0\s+37\s+2\.1 s/);
  t.regex(table, /1 passed, 1 failed, 1 skipped, 1 known · 49 checks · 1 boots, 0 snapshot restores · kernel 6\.12\.117\+deb12-amd64 · image abcdef012345 · profile debian · seed 42 · accel tcg/);
  t.regex(table, /✗ sysfs-writes\/hmem\/mapping <odd> & "chars" \(divergence\)\n {2}write dax0\.1\/size "0x200000": expected ok, got EBUSY/);
  t.regex(table, /replay: npx daxh repro/);
});

test('markdown findings: hits of one bug on other devices count once; another bug is its own finding', (t) => {
  const failed = cases[1]!;
  const sameBug: CaseResult = { ...failed, topology: 'cxl', name: 'other', divergence: { ...divergence, topology: 'cxl', operation: 'write dax1.3/size "0x400000"' }, repro: undefined };
  const crash: CaseResult = { ...failed, name: 'crash', divergence: undefined, failureKind: 'kernel-crash', kernelReport: { kind: 'hung-task', line: 'INFO: task x blocked', signature: 'hung-task: INFO: task daxh-helper:N blocked for more than N seconds. @ kernfs_drain', excerpt: '' } };
  const md = markdownSummary(run([...cases, sameBug, crash]));
  t.regex(md, /### Findings: 2 distinct/);
  t.regex(md, /- result: write daxR\.N\/size "X": expected ok, got EBUSY: 2 case\(s\) \(sysfs-writes\/hmem\/mapping &lt;odd&gt; &amp; "chars", sysfs-writes\/cxl\/other\); replay: ` npx daxh repro out\/recipes\/x\.json --debian-kernel 6\.12 `/);
  t.regex(md, /- kernel hung-task: hung-task: INFO: task daxh-helper:N .* @ kernfs\\_drain: 1 case\(s\)/);
});

test('kernel coverage: per-file lines, branches and functions in the markdown, per suite folded, dax files at the end of the table', (t) => {
  const ratio = (found: number, hit: number) => ({ found, hit });
  const bus = { file: 'drivers/dax/bus.c', lines: ratio(900, 812), branches: ratio(300, 170), functions: ratio(40, 31) };
  const kmem = { file: 'drivers/dax/kmem.c', lines: ratio(200, 150), branches: ratio(0, 0), functions: ratio(8, 7) };
  const kernelCoverage = { tree: '/t', files: [bus, kmem], suites: [{ suite: 'sysfs-writes', files: [{ ...bus, lines: ratio(900, 450) }] }], collections: 5, lost: ['kmem (read 3): guest crashed'], html: 'out/coverage/html/index.html' };
  const md = markdownSummary(run(cases, { kernelCoverage }));
  t.regex(md, /### Kernel coverage \(gcov\)/);
  t.regex(md, /2 files · lines 87\.5 % \(962\/1100\) · branches 56\.7 % \(170\/300\) · 5 reads/);
  t.regex(md, /\| drivers\/dax\/bus\.c \| 90\.2 % \(812\/900\) \| 56\.7 % \(170\/300\) \| 77\.5 % \(31\/40\) \|/);
  t.regex(md, /\| drivers\/dax\/kmem\.c \| 75\.0 % \(150\/200\) \| – \|/);
  t.regex(md, /\| sysfs-writes \| 50\.0 \| – \|/, 'a suite that never loaded kmem shows none for it');
  t.regex(md, /- kmem \(read 3\): guest crashed/);
  const table = summaryTable(run(cases, { kernelCoverage }));
  t.regex(table, /kernel coverage \(gcov, 5 reads, 1 lost\): lines 87\.5 %, branches 56\.7 % · out\/coverage\/html\/index\.html/);
  t.regex(table, /drivers\/dax\/bus\.c: lines 90\.2 % \(812\/900\), branches 56\.7 %/);
  t.notRegex(markdownSummary(run(cases)), /Kernel coverage/, 'no section without --coverage');
});

test('the end table carries no escape sequence from the guest console', (t) => {
  const hostile: CaseResult = { ...cases[1]!, console: '[ 1.0] \x1b]0;owned\x07\x1b[2Jcleared', failure: 'x\x1b[31mred' };
  const table = summaryTable(run([hostile]));
  t.false(table.includes('\x1b'), 'no ESC reaches the terminal');
  t.regex(table, /\[ 1\.0\] cleared/);
  t.regex(table, /xred/);
});

test('progress from live events: on a terminal, the group booting, the case and step in flight, and an ETA; in a log, one line per case, boot and restore', (t) => {
  const written: string[] = [];
  let clock = 0;
  const tty = new ProgressReporter({ write: (s: string) => (written.push(s), true), isTTY: true, columns: 400 }, () => clock);
  tty.onRunStart({ kernel: 'k', image: 'i', accel: 'tcg', seed: 1, totalCases: 6 });
  tty.onGuest({ kind: 'booting', topology: 'hmem', guest: 'hmem-1' });
  t.regex(written.at(-1)!, /\[0\/6\] .* · hmem: booting hmem-1$/);
  const ref = { suite: 'sysfs-writes', topology: 'hmem', name: 'size', index: 0 };
  tty.onCaseStart(ref);
  tty.onStep(ref, { index: 3, operation: 'write dax0.0/size "0"', expected: 'ok', actual: 'ok', outcome: 'agreed', kernelLog: [] });
  t.regex(written.at(-1)!, /hmem: sysfs-writes\/size · step 3: write dax0\.0\/size "0"$/);
  for (let i = 0; i < 3; i++) {
    clock += 10_000;
    tty.onCaseEnd({ ...cases[0]!, name: `c${i}` });
  }
  t.regex(written.at(-1)!, /\[3\/6\] 3 passed, 0 failed, 0 known, 0 skipped · ETA 30\.0 s/, 'three cases of 10 s each, three to go');
  const log: string[] = [];
  const plain = new ProgressReporter({ write: (s: string) => (log.push(s), true), isTTY: false });
  plain.onRunStart({ kernel: 'k', image: 'i', accel: 'tcg', seed: 1, totalCases: 1 });
  plain.onGuest({ kind: 'booting', topology: 'hmem', guest: 'hmem-1' });
  plain.onGuest({ kind: 'boot', topology: 'hmem', guest: 'hmem-1', seconds: 3.2, skipped: [], resumed: false });
  plain.onGuest({ kind: 'boot', topology: 'hmem', guest: 'hmem-2', seconds: 0.7, skipped: [], resumed: true });
  plain.onStep(ref, { index: 1, operation: 'x', expected: 'ok', actual: 'ok', outcome: 'agreed', kernelLog: [] });
  plain.onCaseEnd(cases[0]!);
  t.deepEqual(log.slice(1), ['  hmem-1 up in 3.2 s\n', '  hmem-2 resumed from a saved machine in 0.7 s\n', '[1/1] hmem · 1 passed, 0 failed, 0 known, 0 skipped · passed  sysfs-writes/size\n']);
});

test('markdown escapes what a results file may hold: markup, code fences, table pipes', (t) => {
  const hostile: CaseResult = { ...cases[1]!, name: '<script>x</script> | `tick`', failure: 'text\n```\n# not a heading\n```', repro: 'npx `daxh` repro' };
  const md = markdownSummary(run([hostile]));
  t.false(md.includes('<script>'), 'no raw markup');
  t.regex(md, /&lt;script&gt;x&lt;\/script&gt; \\\| \\`tick\\`/);
  t.regex(md, /\n````\ntext\n```\n# not a heading\n```[\s\S]*\n````\n/, 'the fence is longer than any inside');
  t.regex(md, /replay: `` npx `daxh` repro ``/);
});
