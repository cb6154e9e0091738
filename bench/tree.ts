// The developer's loop on the built fixture tree (npm run bench:tree): what an unchanged tree costs a run
// (hashing what goes into the image), and edit to verdict after the one-line bus.c change, split into
// rebuilding the module, repacking the image, and booting plus the suite. The tree is restored after.
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildTree } from '../images/kernel-tree.ts';
import { prepare } from '../harness/lab/prepare.ts';
import type { RunResults } from '../harness/report/results.ts';
import { BREAK, breakBus, builtTree, git } from '../suites/tree/fixture.ts';
import { figure, type Figure } from './stats.ts';

const runs = Number(process.argv[2] ?? 5);
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
const phases: Record<string, number> = {};
try {
  await breakBus(tree);
  phases.make_s = (await buildTree(tree, quiet)).seconds;
  phases.image_s = await seconds(() => prepare(choice, 'tcg', quiet));
  const json = join(out, 'r.json');
  phases.run_s = await seconds(() => execa('node', ['bin/daxh.js', 'run', '--kernel-tree', tree, '--suite', 'sysfs-writes', '--topology', 'hmem', '--accel', 'tcg', '--json', json, '--out', join(out, 'run')], { reject: false }));
  const r = JSON.parse(await readFile(json, 'utf8')) as RunResults;
  phases.boot_s = Math.max(...r.cases.map((c) => (c.setupMs ?? 0) / 1000));
  phases.suite_s = r.cases.reduce((n, c) => n + c.durationMs, 0) / 1000;
  if (!r.cases.some((c) => c.divergence?.actual === 'EBUSY')) throw new Error('bench: the broken module was not caught; the figure would time the wrong build');
} finally {
  await git(tree, ['checkout', '--', BREAK.file]);
  await buildTree(tree, quiet);
  await prepare(choice, 'tcg', quiet);
  await rm(out, { recursive: true, force: true });
}
const total = phases.make_s! + phases.image_s! + phases.run_s!;
const rows: [string, Figure | number, string][] = [
  ['tree_unchanged_prepare_s', figure(unchanged), 's (hash what the image holds, find it cached; target ≤ 1)'],
  ['edit_to_verdict_s', total, 's (target ≤ 60): make + image + run'],
  ['  make_s', phases.make_s!, 's (make -j bzImage modules after the bus.c change)'],
  ['  image_s', phases.image_s!, 's (modules_install, image repack)'],
  ['  run_s', phases.run_s!, 's (daxh run: boot, provisioning, sysfs-writes on hmem)'],
  ['    boot_s', phases.boot_s!, 's (longest case set-up: boot and provisioning)'],
  ['    suite_s', phases.suite_s!, 's (the cases themselves)'],
];
for (const [name, v, unit] of rows) console.log(`${name.padEnd(26)} ${(typeof v === 'number' ? v : v.median).toFixed(2).padStart(8)}${typeof v === 'number' ? '' : ` (min ${v.min.toFixed(2)}, max ${v.max.toFixed(2)}, ${v.runs} runs)`}  ${unit}`);
