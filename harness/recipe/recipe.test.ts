import test from 'ava';
import { capabilitiesUsedBy, makeRecipe, parseRecipe, RECIPE_SCHEMA } from './recipe.ts';
import { stepCommand } from './bisect.ts';
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

test('bisect step: restores the .config, builds, maps a failed build to 125, then replays', (t) => {
  const cmd = stepCommand("/src/lin'ux", '/tmp/cfg', ['/usr/bin/node', '/r/bin/daxh.js'], '/r/recipe.json', ['--strict']);
  t.regex(cmd, /^cp '\/tmp\/cfg' '\/src\/lin'\\''ux\/\.config' && make -C '\/src\/lin'\\''ux' -s olddefconfig/);
  t.regex(cmd, /bzImage modules >\/dev\/null \|\| exit 125 && exec '\/usr\/bin\/node' '\/r\/bin\/daxh\.js' repro '\/r\/recipe\.json' --kernel-tree '\/src\/lin'\\''ux' '--strict'$/);
});
