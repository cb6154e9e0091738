// The harness's first use, patch validation, on real fixes (npm run test:tree): Debian's linux-source-7.3,
// the newest, built once as a fixture; the fixes under suites/tree/fixes/ (git format-patch, one finding
// each). The unpatched tree's default run is the baseline. Each fix, applied in turn, makes its finding's
// recipe agree with the model; with all of them, `run --build --findings` says each finding fixed, and the
// default suites fail nothing and hit no known row the baseline did not.
import test from 'ava';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';
import type { RunResults } from '../../harness/report/results.ts';
import { builtTree, git } from './fixture.ts';

const DAXH = 'bin/daxh.js';
const daxh = (args: string[]) => execa('node', [DAXH, ...args], { reject: false, all: true, stdin: 'ignore' });
const FIXES = resolve('suites/tree/fixes');
/**
 * The finding each fix is for, by its file's place in the series, and what shows it fixed: the replay of the
 * baseline's recipe, or for a bug only a race shows (which a baseline hits by chance and a replay may miss)
 * its repro.sh on the patched tree (repro-sh.test.ts).
 */
const FIXED_BY: { id: string; shownBy: 'recipe' | 'repro.sh' }[] = [
  { id: 'mapping-misaligned-length-succeeds', shownBy: 'recipe' },
  { id: 'mapping-on-bound-device', shownBy: 'recipe' },
  { id: 'device-dax-probe-keeps-stale-pgmap', shownBy: 'recipe' },
  { id: 'size-checks-align-before-locking', shownBy: 'repro.sh' },
];
const REPLAYED = FIXED_BY.filter((f) => f.shownBy === 'recipe').map((f) => f.id);

let tree = '';
let scratch = '';
let failed = false;
test.before(async () => {
  tree = await builtTree('7.3');
  scratch = await mkdtemp(join(tmpdir(), 'tree-fixes-'));
});
test.afterEach.always((t) => {
  if (!t.passed) failed = true;
});
// A failed run's results, console logs and recipes are what explains it: kept under out/, not deleted.
test.after.always(async () => {
  if (!scratch) return;
  if (!failed) return rm(scratch, { recursive: true, force: true });
  const kept = resolve('out', basename(scratch));
  await mkdir('out', { recursive: true });
  await execa('mv', [scratch, kept]);
  console.error(`fixes: the runs of the failed test are kept in ${kept}`);
});

const results = async (file: string) => JSON.parse(await readFile(file, 'utf8')) as RunResults;

test.serial('each fix makes its finding agree, and together they fix them all with nothing else changed', async (t) => {
  const patches = (await readdir(FIXES)).filter((f) => f.endsWith('.patch')).sort();
  t.is(patches.length, FIXED_BY.length);
  const baseJson = join(scratch, 'base', 'results.json');
  const t0 = performance.now();
  const base = await daxh(['run', '--kernel-tree', tree, '--out', join(scratch, 'base')]);
  t.log(`baseline default run on the unpatched tree: ${((performance.now() - t0) / 60000).toFixed(1)} min, exit ${base.exitCode}`);
  const baseline = await results(baseJson);
  t.is(baseline.totals.failed, 0, base.all);
  const hit = new Set(baseline.cases.flatMap((c) => (c.known ?? []).map((k) => k.id)));
  for (const id of REPLAYED) t.true(hit.has(id), `the baseline hits ${id}`);
  const recipeOf = (id: string) => baseline.cases.find((c) => c.known?.some((k) => k.id === id) && c.recipe)!.recipe!;
  await git(tree, ['checkout', '-q', '-b', 'daxh-fixes']);
  try {
    for (const [i, patch] of patches.entries()) {
      await git(tree, ['am', '-q', join(FIXES, patch)]);
      const { id, shownBy } = FIXED_BY[i]!;
      if (shownBy === 'repro.sh') {
        t.log(`${patch}: ${id} is shown fixed by its repro.sh (repro-sh.test.ts)`);
        continue;
      }
      const b0 = performance.now();
      const r = await daxh(['repro', recipeOf(id), '--kernel-tree', tree, '--build']);
      t.log(`${patch}: build and replay ${((performance.now() - b0) / 1000).toFixed(0)} s: ${r.all!.trim().split('\n').at(-1)}`);
      t.is(r.exitCode, 0, r.all);
      t.notRegex(r.all!, new RegExp(`known: [^\\n]*${id}`), `${id} is gone`);
    }
    const fixedJson = join(scratch, 'fixed', 'results.json');
    const f0 = performance.now();
    const fixed = await daxh(['run', '--kernel-tree', tree, '--build', '--findings', baseJson, '--out', join(scratch, 'fixed')]);
    t.log(`default run with the fixes, findings replayed: ${((performance.now() - f0) / 60000).toFixed(1)} min`);
    const after = await results(fixedJson);
    t.is(after.totals.failed, 0, fixed.all);
    const verdicts = Object.fromEntries(after.validation!.findings.map((f) => [f.id, f.verdict]));
    for (const id of REPLAYED) t.is(verdicts[id], 'fixed', `${id}: ${after.validation!.findings.find((f) => f.id === id)?.detail}`);
    t.deepEqual(after.validation!.newKnown, [], 'no known row the baseline did not hit');
    t.deepEqual(after.validation!.newFailures, []);
    const stillHit = new Set(after.cases.flatMap((c) => (c.known ?? []).map((k) => k.id)));
    for (const { id } of FIXED_BY) t.false(stillHit.has(id), `${id} is hit by no case`);
    t.log(fixed.all!.split('\n').filter((l) => /fixed|still reproduces|cannot test|against the baseline/.test(l)).join('\n'));
  } finally {
    await git(tree, ['checkout', '-q', '-f', 'main']);
    await git(tree, ['branch', '-q', '-D', 'daxh-fixes']);
    await execa('make', ['-C', tree, '-s', '-j2', 'bzImage', 'modules']);
  }
});
