// The soak (npm run soak [N]): the same small selection N times with one seed. Every run must give the same
// verdicts and leave no QEMU process, daxh temp dir or listening port behind; prints the figures.
import { execa } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { caseId, type RunResults } from '../harness/report/results.ts';
import { leftSince, snapshot } from '../suites/leftovers.ts';
import { figure } from './stats.ts';

const runs = Number(process.argv[2] ?? 20);
const SEED = '4242';
const selection = ['--suite', 'sysfs-writes', '--suite', 'regressions', '--topology', 'hmem'];
const walls: number[] = [];
const verdicts: string[] = [];
const problems: string[] = [];
for (let i = 1; i <= runs; i++) {
  const out = await mkdtemp(join(tmpdir(), 'soak-'));
  const before = await snapshot();
  const t0 = performance.now();
  const r = await execa('node', ['bin/daxh.js', 'run', ...selection, '--seed', SEED, '--json', join(out, 'r.json'), '--out', join(out, 'run')], { reject: false });
  walls.push((performance.now() - t0) / 1000);
  const left = await leftSince(before);
  if (left.qemus.length || left.temps.length || left.ports.length) problems.push(`run ${i} left ${JSON.stringify(left)}`);
  const results = JSON.parse(await readFile(join(out, 'r.json'), 'utf8').catch(() => 'null')) as RunResults | null;
  const verdict = results ? results.cases.map((c) => `${caseId(c)} ${c.status}`).join('\n') : `no results (exit ${r.exitCode})`;
  verdicts.push(verdict);
  if (verdict !== verdicts[0]) problems.push(`run ${i} verdicts differ from run 1`);
  console.error(`soak ${i}/${runs}: exit ${r.exitCode}, ${walls.at(-1)!.toFixed(1)} s, ${results?.cases.length ?? 0} cases, ${results?.checks ?? 0} checks`);
  await rm(out, { recursive: true, force: true });
}
const w = figure(walls);
console.log(`soak: ${runs} runs of daxh run ${selection.join(' ')} --seed ${SEED}`);
console.log(`  verdicts identical: ${problems.some((p) => p.includes('differ')) ? 'no' : 'yes'} (${verdicts[0]!.split('\n').length} cases each)`);
console.log(`  left behind: ${problems.filter((p) => p.includes('left')).length ? problems.filter((p) => p.includes('left')).join('; ') : '0 processes, 0 temp dirs, 0 ports'}`);
console.log(`  wall per run: median ${w.median.toFixed(1)} s (min ${w.min.toFixed(1)}, max ${w.max.toFixed(1)})`);
process.exitCode = problems.length ? 1 : 0;
