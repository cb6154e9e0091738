// Racing operations on real guests: hundreds of concurrent histories, each linearizable against the model,
// and proof that a kernel the model gets wrong is caught inside a race, shrunk, saved and replayed.
import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { parseRecipe } from '../harness/recipe/recipe.ts';
import { isTogether } from '../harness/model/ops.ts';
import { failures, kernel, runSelection } from './fixture.ts';

test.serial('concurrency: at least 200 racing histories on hmem and cxl, every one linearizable', async (t) => {
  const r = await runSelection(await kernel(), { suites: ['concurrency'], topologies: ['hmem', 'cxl'] }, { jobs: 2 });
  t.is(r.totals.failed, 0, failures(r));
  const races = r.cases.reduce((n, c) => n + (c.races ?? 0), 0);
  t.true(races >= 200, `only ${races} races`);
  const orders = r.cases.flatMap((c) => (c.steps ?? []).filter((s) => s.operation.startsWith('together')).map((s) => s.expected));
  t.is(orders.length, races);
  t.log(`${races} races, ${r.cases.reduce((n, c) => n + (c.operations ?? 0), 0)} operations, ${new Set(orders).size} distinct witness orders`);
});

test.serial('a kernel that differs from the model is caught, shrunk and replayed, also inside a race', async (t) => {
  // Booted with memmap_on_memory=Y, modelled as N: a memmap_on_memory write the model refuses succeeds.
  const r = await runSelection(await kernel(), { suites: ['concurrency'], topologies: ['hmem+mom'] }, { seed: 11, modelOverrides: { memmapOnMemory: 'N' } });
  const c = r.cases[0]!;
  t.is(c.status, 'failed');
  t.is(c.failureKind, 'divergence');
  // The case's own set-up (offlining and unbinding the provisioned device) stays; what it did after shrinks.
  const shrunk = Number(c.failure!.match(/^concurrency: seed 11, shrunk to (\d+) action\(s\)/)?.[1]);
  t.true(shrunk >= 1 && shrunk <= 3, c.failure);
  t.regex(c.failure!, /memmap_on_memory/);
  t.truthy(c.recipe);
  const recipe = parseRecipe(JSON.parse(await readFile(c.recipe!, 'utf8')), c.recipe!);
  t.true(recipe.steps.length >= shrunk);
  t.log(`shrunk recipe: ${recipe.steps.length} steps, ${recipe.steps.filter(isTogether).length} of them races`);
  const daxh = (...args: string[]) => execa('node', ['bin/daxh.js', 'repro', c.recipe!, ...args], { reject: false });
  const again = await daxh();
  t.is(again.exitCode, 1, `${again.stdout}\n${again.stderr}`);
  const agrees = await daxh('--topology', 'hmem');
  t.is(agrees.exitCode, 0, `${agrees.stdout}\n${agrees.stderr}`);

  // The same write racing a reader: only the linearizability check can refuse the pair.
  const raced = `${c.recipe!.replace(/\.json$/, '')}-raced.json`;
  const prefix = recipe.steps.slice(0, recipe.steps.length - shrunk);
  const dev = { kind: 'device' as const, device: 'dax0.0' };
  const together = [{ op: 'write', ref: { ...dev, attr: 'memmap_on_memory' }, value: '1' }, { op: 'read', ref: { ...dev, attr: 'size' } }];
  await writeFile(raced, JSON.stringify({ ...recipe, steps: [...prefix, { together }] }));
  const race = await execa('node', ['bin/daxh.js', 'repro', raced], { reject: false });
  t.is(race.exitCode, 1, `${race.stdout}\n${race.stderr}`);
  t.regex(race.stdout, /no serial order of them explains/);
});
