// The developer's loop on the built fixture tree (npm run bench:tree): what an unchanged tree costs a run
// (hashing what goes into the image), and edit to verdict, split into rebuilding, repacking the image, and
// booting plus the suite: for the first edit of a clean tree, and for the next one, the loop's steady state
// (the one-line bus.c break). The tree is restored after.
import { execa } from 'execa';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTree } from '../images/kernel-tree.ts';
import { prepare } from '../harness/lab/prepare.ts';
import type { RunResults } from '../harness/report/results.ts';
import { BREAK, breakBus, builtTree, git } from '../suites/tree/fixture.ts';
import { figure, type Figure } from './stats.ts';

const runs = Number(process.argv[2] ?? 5);
const COMMENT = '/* daxh bench:tree: an edit that changes no code */\n';
const quiet = () => {};
const seconds = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
};

const tree = await builtTree();
const choice = { kind: 'tree' as const, dir: tree };
await prepare(choice, 'tcg', quiet);
const unchanged: number[] = [];
for (let i = 0; i < runs; i++) unchanged.push(await seconds(() => prepare(choice, 'tcg', quiet)));

const out = await mkdtemp(join(tmpdir(), 'bench-tree-'));
type Phases = { make_s: number; image_s: number; run_s: number; boot_s: number; suite_s: number };
/** Build, image and a run of sysfs-writes on hmem after an edit; the run's results say whether it caught it. */
async function editToVerdict(name: string, caught: (r: RunResults) => boolean): Promise<Phases> {
  const make_s = (await buildTree(tree, quiet)).seconds;
  const image_s = await seconds(() => prepare(choice, 'tcg', quiet));
  const json = join(out, `${name}.json`);
  const run_s = await seconds(() => execa('node', ['bin/daxh.js', 'run', '--kernel-tree', tree, '--suite', 'sysfs-writes', '--topology', 'hmem', '--accel', 'tcg', '--json', json, '--out', join(out, name)], { reject: false }));
  const r = JSON.parse(await readFile(json, 'utf8')) as RunResults;
  if (!caught(r)) throw new Error(`bench: the ${name} build was not what the run saw; the figure would time the wrong build`);
  return { make_s, image_s, run_s, boot_s: Math.max(...r.cases.map((c) => (c.setupMs ?? 0) / 1000)), suite_s: r.cases.reduce((n, c) => n + c.durationMs, 0) / 1000 };
}
const breaks = (r: RunResults) => r.cases.some((c) => c.divergence?.actual === 'EBUSY');
let first: Phases;
let next: Phases;
try {
  // The first edit of a clean git tree also flips CONFIG_LOCALVERSION_AUTO's release to -dirty: utsrelease.h
  // changes, vmlinux relinks and every module is relinked for its vermagic. Every later edit of the loop
  // rebuilds only what it touched.
  await git(tree, ['checkout', '--', BREAK.file]);
  await buildTree(tree, quiet);
  await appendFile(join(tree, BREAK.file), COMMENT);
  first = await editToVerdict('first', (r) => !breaks(r) && r.totals.failed === 0);
  await breakBus(tree);
  next = await editToVerdict('next', breaks);
} finally {
  await git(tree, ['checkout', '--', BREAK.file]);
  await buildTree(tree, quiet);
  await prepare(choice, 'tcg', quiet);
  await rm(out, { recursive: true, force: true });
}
const total = (p: Phases) => p.make_s + p.image_s + p.run_s;
const phaseRows = (p: Phases): [string, number, string][] => [
  ['  make_s', p.make_s, 's (make -j bzImage modules)'],
  ['  image_s', p.image_s, 's (modules_install, image repack)'],
  ['  run_s', p.run_s, 's (daxh run: boot, provisioning, sysfs-writes on hmem)'],
  ['    boot_s', p.boot_s, 's (longest case set-up: boot and provisioning)'],
  ['    suite_s', p.suite_s, 's (the cases themselves)'],
];
const rows: [string, Figure | number, string][] = [
  ['tree_unchanged_prepare_s', figure(unchanged), 's (hash what the image holds, find it cached; target ≤ 1)'],
  ['edit_to_verdict_s', total(next), 's (target ≤ 25): the one-line bus.c break in a tree already edited'],
  ...phaseRows(next),
  ['first_edit_to_verdict_s', total(first), 's: a comment in bus.c of a clean tree (the release turns -dirty)'],
  ...phaseRows(first),
];
for (const [name, v, unit] of rows) console.log(`${name.padEnd(26)} ${(typeof v === 'number' ? v : v.median).toFixed(2).padStart(8)}${typeof v === 'number' ? '' : ` (min ${v.min.toFixed(2)}, max ${v.max.toFixed(2)}, ${v.runs} runs)`}  ${unit}`);
