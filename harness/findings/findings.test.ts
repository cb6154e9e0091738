import test from 'ava';
import { execa } from 'execa';
import { makeRecipe } from '../recipe/recipe.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from '../report/results.ts';
import { KNOWN_ROWS } from '../model/divergences.ts';
import { devRef, w } from '../model/testing/fixtures.ts';
import { collectFindings } from './collect.ts';
import { reportText, wrap } from './report-text.ts';
import { reproScript } from './repro-sh.ts';
import { REPRO_TEMPLATES } from './repro-templates.ts';
import { vmText } from './vm-text.ts';

const misalignedStep = { index: 3, operation: 'write dax0.1/mapping "0x120000000-0x1200fffff"', expected: 'ENXIO', actual: 'ok', outcome: 'known' as const, explainedBy: 'mapping-misaligned-length-succeeds', kernelLog: [] };
const known: CaseResult = { suite: 'regressions', topology: 'hmem', name: 'misaligned mapping length', status: 'known', checks: 5, durationMs: 1, known: [{ id: 'mapping-misaligned-length-succeeds', reason: 'r', step: misalignedStep.operation }], steps: [misalignedStep], recipe: 'out/recipes/x.json' };
const divergence = { kind: 'result' as const, topology: 'hmem', kernel: 'k', step: 2, operation: 'write dax0.0/size "0"', expected: 'ok', actual: 'EIO', kernelLog: [], history: [] };
const failed = (name: string): CaseResult => ({ suite: 'sysfs-writes', topology: 'hmem', name, status: 'failed', failureKind: 'divergence', failure: 'divergence on hmem', divergence, checks: 2, durationMs: 1, steps: [{ index: 2, operation: 'write dax0.0/size "0"', expected: 'ok', actual: 'EIO', outcome: 'diverged', kernelLog: [] }] });
const run = (kernel: string, cases: CaseResult[]): RunResults => ({ schema: RESULTS_SCHEMA, kernel, image: 'i', accel: 'tcg', profile: 'debian', seed: 1, startedAt: 'now', durationMs: 1, guests: { boots: 1, restores: 0 }, totals: totalsOf(cases), checks: 1, cases });

test('one finding per known row however many cases and kernels hit it, and one per distinct new failure', (t) => {
  const found = collectFindings([run('6.12.117', [known, failed('a'), failed('b')]), run('7.3.4', [{ ...known, topology: 'cxl' }])]);
  t.deepEqual(found.map((f) => f.id), ['mapping-misaligned-length-succeeds', 'new-1']);
  const [bug, fresh] = found as [(typeof found)[0], (typeof found)[0]];
  t.deepEqual(bug.hits.map((h) => `${h.kernel} ${h.topology}`), ['6.12.117 hmem', '7.3.4 cxl']);
  t.is(bug.hits[0]!.record?.expected, 'ENXIO', 'the step the row explained');
  t.is(fresh.hits.length, 2, 'two cases, one bug');
  t.is(fresh.failure?.name, 'a');
});

test('report.txt: subject with its prefix, prose within 72 columns, Fixes and regzbot only for an established regression', (t) => {
  const [bug] = collectFindings([run('6.12.117', [known])]);
  const text = reportText(bug!);
  t.regex(text, /^Subject: \[BUG\] dax\/bus: mapping_store\(\)/);
  t.regex(text, /write dax0\.1\/mapping "0x120000000-0x1200fffff"\nanswers ok\.\n\nWhat should happen\nIt answers ENXIO\./);
  t.regex(text, /^Fixes: c05ae9d85b47 \("dax\/bus\.c: replace driver-core lock usage by a local rwsem"\)$/m);
  t.regex(text, /^#regzbot introduced: c05ae9d85b47$/m);
  const prose = text.split('\n').filter((l) => !l.startsWith('    ') && !l.startsWith('Subject:') && !l.startsWith('Fixes:'));
  t.deepEqual(prose.filter((l) => l.length > 72), []);
  const cdev = { ...known, known: [{ id: 'dev-dax-probe-wipes-open-cdev', reason: 'r', step: 'x' }], steps: [] };
  const noCommit = reportText(collectFindings([run('6.12.117', [cdev])])[0]!);
  t.notRegex(noCommit, /Fixes:|regzbot/, 'no tag where no commit is established');
  t.regex(noCommit, /The introducing commit is not established/);
  t.is(wrap('a '.repeat(100)).split('\n').every((l) => l.length <= 72), true);
});

test('report.txt of a bug only a race shows: the racing step, and what should happen in the row\'s words', (t) => {
  const step = '{ write dax0.0/align "1073741824" | write dax0.0/size "134217728" }';
  const raced = { ...known, suite: 'concurrency', known: [{ id: 'size-checks-align-before-locking', reason: 'r', step }], steps: [] };
  const text = reportText(collectFindings([run('7.3.4', [raced])])[0]!);
  t.regex(text, /during\n    \{ write dax0\.0\/align "1073741824" \| write dax0\.0\/size "134217728" \}\nsize_store\(\) checks the alignment/);
  t.regex(text, /What should happen\nOne of the two writes fails with EINVAL/);
  t.notRegex(text, /Fixes:/);
});

test('every known row has a subject with a subsystem prefix and the functions that explain it', (t) => {
  for (const r of KNOWN_ROWS) {
    t.regex(r.subject, /^(dax\/bus|dax\/kmem|device-dax|block|mm\/vmalloc): \S/, r.id);
    t.true(r.source.length > 0, r.id);
  }
});

test('repro.sh: each template is valid POSIX sh (dash -n and bash --posix -n) and ends in one of the three verdicts', async (t) => {
  for (const id of Object.keys(REPRO_TEMPLATES)) {
    const row = KNOWN_ROWS.find((r) => r.id === id)!;
    t.truthy(row, `${id} is a known row`);
    const script = reproScript({ id, row, subject: row.subject, hits: [{ kernel: 'k', case: 'c', topology: 'hmem', step: 's' }], replays: [] });
    t.regex(script, /^#!\/bin\/sh\n/);
    for (const shell of [['dash', '-n'], ['bash', '--posix', '-n']] as const) {
      const r = await execa(shell[0], shell.slice(1), { input: script, reject: false });
      t.is(r.exitCode, 0, `${id} with ${shell[0]}: ${r.stderr}`);
    }
    t.regex(script, /\b(reproduced|not_reproduced|cannot) /);
  }
});

test('repro.sh of a new failure replays its recipe and decides on the step that diverged', async (t) => {
  const [fresh] = collectFindings([run('6.12.117', [failed('a')])]);
  const recipe = makeRecipe({ topology: 'hmem', capabilities: [], steps: [w(devRef('dax0.0', 'align'), '4096'), w(devRef('dax0.0', 'size'), '0')], origin: { suite: 's', case: 'a', kernel: 'k', savedAt: 'now' } });
  const script = reproScript(fresh!, recipe);
  t.regex(script, /wr \/sys\/bus\/dax\/devices\/dax0\.0\/align 4096; echo "1\. write dax0\.0\/align \\"4096\\": \$ERR"/);
  t.regex(script, /\[ "\$got" = EIO \] && reproduced 'step 2, write dax0\.0\/size "0": '"\$got, expected ok"/);
  t.is((await execa('dash', ['-n'], { input: script, reject: false })).exitCode, 0);
  t.regex(reproScript(fresh!), /CANNOT TEST: no recipe was saved/);
});

test('vm.txt: the topology\'s QEMU and kernel command lines, with the network rule, and the kernel options', (t) => {
  const text = vmText('hmem+movable', '6.12.117+deb12-amd64');
  t.regex(text, /kernel command line: .*memhp_default_state=online_movable/);
  t.regex(text, /-netdev user,id=net0,restrict=on,hostfwd=tcp:127\.0\.0\.1:<port>-:22/);
  t.regex(text, /CONFIG_DEV_DAX_KMEM=m/);
});
