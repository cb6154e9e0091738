// A developer's loop on a real tree (npm run test:tree): run on the tree, break drivers/dax/bus.c with one
// line, rebuild with --build and see the suites catch it in the new module, then bisect the break.
import test from 'ava';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { RunResults } from '../../harness/report/results.ts';
import { BREAK, breakBus, builtTree, git } from './fixture.ts';

const DAXH = 'bin/daxh.js';
const daxh = (args: string[]) => execa('node', [DAXH, ...args], { reject: false, all: true, stdin: 'ignore' });


let tree = '';
let scratch = '';
test.before(async () => {
  tree = await builtTree();
  scratch = await mkdtemp(join(tmpdir(), 'tree-test-'));
});
test.after.always(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/**
 * The guest's dax.ko, by content. Not /sys/module/dax/srcversion: a tree without MODVERSIONS (defconfig)
 * has none. The module the guest loads is the file modinfo names, so its hash says which build runs.
 */
const moduleHash = async () => {
  const r = await daxh(['exec', '--kernel-tree', tree, '--topology', 'hmem', '--', 'test -d /sys/module/dax && sha256sum "$(modinfo -n dax)"']);
  if (r.exitCode !== 0) throw new Error(`daxh exec failed: ${r.all}`);
  return r.all!.trim().split('\n').at(-1)!;
};

test.serial('--kernel-tree: the suites run on the built tree and agree with the model', async (t) => {
  const json = join(scratch, 'clean.json');
  const r = await daxh(['run', '--kernel-tree', tree, '--suite', 'sysfs-writes', '--topology', 'hmem', '--json', json, '--out', join(scratch, 'clean')]);
  t.is(r.exitCode, 0, r.all);
  const results = JSON.parse(await readFile(json, 'utf8')) as RunResults;
  t.is(results.kernel, (await readFile(join(tree, 'include/config/kernel.release'), 'utf8')).trim());
  t.is(results.profile, 'user');
  t.is(results.totals.failed, 0);
  t.true(results.totals.passed > 0);
});

// A kernel developer's own config: the fixture is defconfig plus what daxh kconfig sets, DAX=m. A default
// run on it fails nothing, and every known bug it hits is recognised on this build's stacks too.
test.serial('a default run on the defconfig tree fails nothing; its known bugs are known', async (t) => {
  const json = join(scratch, 'default', 'results.json');
  const t0 = performance.now();
  const r = await daxh(['run', '--kernel-tree', tree, '--out', join(scratch, 'default')]);
  const results = JSON.parse(await readFile(json, 'utf8')) as RunResults;
  t.log(`${results.cases.length} cases, ${results.checks} checks, ${results.totals.known} known (${[...new Set(results.cases.flatMap((c) => (c.known ?? []).map((k) => k.id)))].join(', ')}) in ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  t.is(results.totals.failed, 0, r.all);
  t.true(results.cases.some((c) => c.known?.some((k) => k.id === 'dev-dax-probe-wipes-open-cdev')), 'the cdev splat is recognised on this build');
});

test.serial('--build after a one-line change to bus.c: the new dax.ko is in the guest and the suites catch it; reverting passes again', async (t) => {
  const before = await moduleHash();
  await breakBus(tree);
  try {
    const json = join(scratch, 'broken.json');
    const t0 = performance.now();
    const r = await daxh(['run', '--kernel-tree', tree, '--build', '--suite', 'sysfs-writes', '--topology', 'hmem', '--json', json, '--out', join(scratch, 'broken')]);
    t.log(`edit to verdict: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    t.is(r.exitCode, 1, r.all);
    const results = JSON.parse(await readFile(json, 'utf8')) as RunResults;
    const caught = results.cases.filter((c) => c.status === 'failed');
    t.true(caught.some((c) => c.divergence?.operation.includes('/create') && c.divergence.actual === 'EBUSY' && c.divergence.expected === 'ENOSPC'), caught.map((c) => c.failure).join('\n'));
    t.not(await moduleHash(), before, "the guest runs the rebuilt module, not the cached image's");
  } finally {
    await git(tree, ['checkout', '--', BREAK.file]);
  }
  const r = await daxh(['run', '--kernel-tree', tree, '--build', '--suite', 'sysfs-writes', '--topology', 'hmem']);
  t.is(r.exitCode, 0, r.all);
  t.is(await moduleHash(), before, 'the reverted source builds the same module again');
});

test.serial('bisect across local commits where only a module changes finds the commit that broke it', async (t) => {
  // The recipe a failing run saves is the one to bisect with.
  await breakBus(tree);
  const out = join(scratch, 'for-recipe');
  try {
    await daxh(['run', '--kernel-tree', tree, '--build', '--suite', 'sysfs-writes', '--topology', 'hmem', '--out', out]);
  } finally {
    await git(tree, ['checkout', '--', BREAK.file]);
  }
  // The failed case's recipe: cases that hit a known bug save theirs too, and those agree on every commit.
  const failed = (JSON.parse(await readFile(join(out, 'results.json'), 'utf8')) as RunResults).cases.find((c) => c.status === 'failed' && c.recipe);
  t.truthy(failed, 'the failing case saved a recipe');
  const recipe = failed!.recipe!;
  await git(tree, ['checkout', '-q', '-b', 'bisect-test']);
  try {
    await breakBus(tree);
    await git(tree, ['commit', '-q', '-am', 'dax: the break']);
    const broke = (await git(tree, ['rev-parse', 'HEAD'])).stdout.trim();
    await writeFile(join(tree, 'Documentation', 'daxh-note.txt'), 'an unrelated later commit\n');
    await git(tree, ['add', 'Documentation/daxh-note.txt']);
    await git(tree, ['commit', '-q', '-m', 'docs: unrelated']);
    const r = await daxh(['bisect', '--kernel-tree', tree, '--good', 'main', '--bad', 'bisect-test', recipe]);
    t.is(r.exitCode, 0, r.all);
    t.regex(r.all!, new RegExp(`first bad commit: ${broke}`));
  } finally {
    await git(tree, ['checkout', '-q', '-f', 'main']);
    await git(tree, ['branch', '-q', '-D', 'bisect-test']);
    // Leave the fixture built as main again (an incremental build of one module).
    await execa('make', ['-C', tree, '-s', '-j2', 'bzImage', 'modules']);
  }
});

test.serial('daxh kconfig: on the built tree it changes nothing; on a clean checkout --debug --coverage sets every option, then is idempotent', async (t) => {
  const again = await daxh(['kconfig', '--kernel-tree', tree]);
  t.is(again.exitCode, 0, again.all);
  t.regex(again.all!, /already has everything the harness needs/);
  // A clean checkout of the same sources: no .config, so kconfig starts from defconfig like a new tree.
  const checkout = join(scratch, 'checkout');
  await git(tree, ['worktree', 'add', '-q', '--detach', checkout, 'HEAD']);
  t.teardown(() => git(tree, ['worktree', 'remove', '--force', checkout]).then(() => undefined, () => undefined));
  const first = await daxh(['kconfig', '--kernel-tree', checkout, '--debug', '--coverage']);
  t.is(first.exitCode, 0, first.all);
  for (const option of ['CONFIG_KASAN=y', 'CONFIG_PROVE_LOCKING=y', 'CONFIG_DEBUG_KOBJECT_RELEASE=y', 'CONFIG_GCOV_KERNEL=y', 'CONFIG_DEV_DAX=m', 'CONFIG_FS_DAX=y', 'CONFIG_DEFAULT_HUNG_TASK_TIMEOUT=30']) {
    t.regex(first.all!, new RegExp(`^${option}  \\(`, 'm'), `prints ${option} as changed`);
    t.true((await readFile(join(checkout, '.config'), 'utf8')).split('\n').includes(option), `.config has ${option}`);
  }
  const second = await daxh(['kconfig', '--kernel-tree', checkout, '--debug', '--coverage']);
  t.is(second.exitCode, 0, second.all);
  t.regex(second.all!, /already has everything the harness needs/);
});
