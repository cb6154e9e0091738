// Random sequences against the model on a real guest, and proof that a kernel behaving differently from the
// model is caught, shrunk, saved as a recipe, and replayed by `daxh repro` with bisect-friendly exit codes.
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { parseRecipe } from '../harness/recipe/recipe.ts';
import { jsonText } from '../harness/report/formats.ts';
import { failures, kernel, runSelection } from './fixture.ts';

test.serial('model-based: hundreds of real-kernel steps on hmem, hmem+mom and cxl agree with the model', async (t) => {
  const r = await runSelection(await kernel(), { suites: ['model-based'], topologies: ['hmem', 'hmem+mom', 'cxl'] }, { seed: 20261124, jobs: 2 });
  t.is(r.totals.failed, 0, failures(r));
  t.true(r.checks >= 3 * 500, `only ${r.checks} checks (3 per step)`);
  t.true(r.guests!.restores > 0, 'leaking sequences renew their guest from a snapshot, not by booting');
});

test.serial('a kernel that differs from the model is caught: booted memmap_on_memory=Y, modelled as N', async (t) => {
  const r = await runSelection(await kernel(), { suites: ['model-based'], topologies: ['hmem+mom'] }, { seed: 7, modelOverrides: { memmapOnMemory: 'N' } });
  const c = r.cases[0]!;
  t.is(c.status, 'failed');
  t.is(c.failureKind, 'divergence');
  t.regex(c.failure!, /divergence on hmem\+mom/);
  t.regex(c.failure!, /operation: write dax\d+\.\d+\/memmap_on_memory "1"/);
  t.regex(c.failure!, /result: expected EOPNOTSUPP, got (ok|EBUSY)/);
  const shrunk = Number(c.failure!.match(/shrunk to (\d+) step/)?.[1]);
  t.true(shrunk >= 1 && shrunk <= 5, c.failure);
  t.truthy(c.recipe);
  const recipe = parseRecipe(JSON.parse(await readFile(c.recipe!, 'utf8')), c.recipe!);
  t.deepEqual(recipe.model, { memmapOnMemory: 'N' });
  t.is(recipe.steps.length, shrunk);

  const daxh = (...args: string[]) => execa('node', ['bin/daxh.js', 'repro', c.recipe!, ...args], { reject: false });
  const again = await daxh();
  t.is(again.exitCode, 1, `${again.stdout}\n${again.stderr}`);
  t.regex(again.stdout, /expected EOPNOTSUPP/);
  const agrees = await daxh('--topology', 'hmem');
  t.is(agrees.exitCode, 0, `${agrees.stdout}\n${agrees.stderr}`);
  const old = await daxh('--debian-kernel', '6.1', '--topology', 'hmem');
  t.is(old.exitCode, 125, `${old.stdout}\n${old.stderr}`);
  t.regex(old.stdout, /cannot test: .*memmap_on_memory attribute/);
});

test.serial('sharded runs merged equal one full run', async (t) => {
  const p = await kernel();
  const sel = { suites: ['inventory', 'regressions'], topologies: ['hmem', 'cxl'] };
  const full = await runSelection(p, sel, { jobs: 2 });
  const parts = [];
  for (const i of [1, 2]) parts.push(await runSelection(p, sel, { jobs: 1, shard: { index: i, count: 2 } }));
  const files = [];
  for (const [i, part] of parts.entries()) {
    // Written as the JSON reporter writes a run's results: the fixture's outDir is not part of them.
    const { outDir, ...results } = part;
    const f = `${outDir}/results-${i}.json`;
    await writeFile(f, jsonText(results));
    files.push(f);
  }
  const merged = await execa('node', ['bin/daxh.js', 'merge', '--json', `${parts[0]!.outDir}/merged.json`, ...files], { reject: false });
  t.is(merged.exitCode, full.totals.failed > 0 ? 1 : 0, merged.stderr);
  const m = JSON.parse(await readFile(`${parts[0]!.outDir}/merged.json`, 'utf8'));
  t.deepEqual(m.totals, full.totals);
  t.is(m.cases.length, full.cases.length);
  t.true(parts.every((x) => x.cases.length > 0), 'both shards ran something');
});
