import test from 'ava';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { capabilitiesUsedBy, makeRecipe, parseRecipe, RECIPE_SCHEMA } from './recipe.ts';
import { STEP_SCRIPT, stepArgs } from './bisect.ts';
import type { Op } from '../model/ops.ts';

const steps: Op[] = [
  { op: 'write', ref: { kind: 'device', device: 'dax0.0', attr: 'memmap_on_memory' }, value: '1' },
  { op: 'write', ref: { kind: 'driver', driver: 'kmem', attr: 'bind' }, value: 'dax0.0' },
  { op: 'read', ref: { kind: 'region', host: '/sys/devices/platform/hmem.0', attr: 'seed' } },
];

test('a made recipe parses back unchanged, carrying the capabilities its steps need', (t) => {
  const r = makeRecipe({ topology: 'hmem+mom', capabilities: ['hmem'], model: { memmapOnMemory: 'N' }, steps, origin: { suite: 's', case: 'c', seed: 7, kernel: '6.12.117', savedAt: 'now' } });
  t.deepEqual(r.kernel.capabilities, ['hmem', 'kmem', 'memmapOnMemoryAttr']);
  t.deepEqual(parseRecipe(JSON.parse(JSON.stringify(r)), 'r.json'), r);
  t.deepEqual(capabilitiesUsedBy([steps[2]!]), []);
  t.deepEqual(capabilitiesUsedBy([{ ...steps[0]!, failNth: 3 } as Op]), ['failslab', 'memmapOnMemoryAttr'], 'a failed allocation needs failslab');
});

test('an allocation failure is a step of its own, never inside a race', (t) => {
  const write = { ...steps[0]!, failNth: 2 };
  t.is((parseRecipe({ schema: RECIPE_SCHEMA, topology: 'hmem', steps: [write] }, 'r.json').steps[0] as Op & { failNth?: number }).failNth, 2);
  t.throws(() => parseRecipe({ schema: RECIPE_SCHEMA, topology: 'hmem', steps: [{ together: [write, steps[2]!] }] }, 'r.json'), { message: /^r\.json: steps\[0\]/ });
});

test('a recipe saved by an older harness (recipe@1) replays in today\'s vocabulary', (t) => {
  const old = { schema: 'dax-harness/recipe@1', topology: 'hmem', kernel: { capabilities: ['dax_hmem', 'memmap_on_memory_attr', 'cxl_ram_region'] }, steps };
  t.deepEqual(parseRecipe(old, 'old.json').kernel.capabilities, ['hmem', 'memmapOnMemoryAttr', 'cxl-ram']);
});

test('a bad recipe gets one line naming the field', (t) => {
  const bad = { schema: RECIPE_SCHEMA, topology: 'hmem', steps: [{ op: 'write', ref: { kind: 'device', device: 'dax0.0', attr: 'colour' }, value: '1' }] };
  const e = t.throws(() => parseRecipe(bad, 'r.json'));
  t.regex(e!.message, /^r\.json: steps\[0\]\.ref/);
  t.false(e!.message.includes('\n'));
  t.throws(() => parseRecipe({ schema: RECIPE_SCHEMA, topology: 'hmem', steps: [] }, 'e.json'), { message: /^e\.json: steps: / });
  t.throws(() => parseRecipe({ ...bad, schema: 'other' }, 'x.json'), { message: /^x\.json: schema: / });
});

test('bisect step: restores the .config, builds, and only agrees/diverges are verdicts; the rest skips or aborts', async (t) => {
  // A tree whose make targets record what ran, and a daxh that exits with $CODE: the real shell runs the step.
  const dir = await mkdtemp(join(tmpdir(), 'bisect-step-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const tree = join(dir, "lin'ux");
  await mkdir(tree);
  await writeFile(join(tree, 'Makefile'), 'olddefconfig:\n\techo olddefconfig >> log\nbzImage:\n\ttest -z "$$FAIL_BUILD"\nmodules:\n\ttrue\n');
  await writeFile(join(dir, 'cfg'), 'CONFIG_DEV_DAX=m\n');
  await writeFile(join(dir, 'daxh'), '#!/bin/sh\necho "$@" > "$(dirname "$0")/args"\nexit $CODE\n', { mode: 0o755 });
  const args = stepArgs(tree, join(dir, 'cfg'), ['/bin/sh', join(dir, 'daxh')], '/r/recipe.json', ['--strict', "it's $(a) value"]);
  const step = async (env: Record<string, string>) => (await execa('sh', ['-c', STEP_SCRIPT, ...args], { reject: false, env })).exitCode;
  const verdicts: Record<string, number | undefined> = {};
  for (const code of [0, 1, 2, 3, 125, 130, 143]) verdicts[code] = await step({ CODE: String(code) });
  t.deepEqual(verdicts, { 0: 0, 1: 1, 2: 125, 3: 125, 125: 125, 130: 255, 143: 255 }, 'agrees=good, diverges=bad, bad input/harness error/cannot test=skip, interrupt=abort');
  t.is(await step({ CODE: '1', FAIL_BUILD: '1' }), 125, 'a commit that does not build is skipped, never bad');
  t.is(await readFile(join(tree, '.config'), 'utf8'), 'CONFIG_DEV_DAX=m\n');
  t.is((await readFile(join(dir, 'args'), 'utf8')).trim(), `repro /r/recipe.json --kernel-tree ${tree} --strict it's $(a) value`, 'values stay values');
});
