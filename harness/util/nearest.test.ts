import test from 'ava';
import { z } from 'zod';
import { didYouMean, keysAt, nearest } from './nearest.ts';

test('a typo finds the key meant; something else finds none', (t) => {
  t.is(nearest('failnth', ['failNth', 'value', 'op']), 'failNth');
  t.is(nearest('modle', ['model', 'steps']), 'model');
  t.is(nearest('frobnicate', ['nodes', 'ram', 'cpus']), undefined);
});

test('the keys a schema allows at a path, through arrays, defaults and unions', (t) => {
  const s = z.strictObject({
    steps: z.array(z.union([z.strictObject({ op: z.literal('write'), value: z.string(), failNth: z.number().optional() }), z.strictObject({ together: z.array(z.string()) })])),
    model: z.strictObject({ memmapOnMemory: z.string().optional() }).default({}),
  });
  t.deepEqual(keysAt(s, []).sort(), ['model', 'steps']);
  t.deepEqual(keysAt(s, ['steps', 3]).sort(), ['failNth', 'op', 'together', 'value']);
  t.deepEqual(keysAt(s, ['model']), ['memmapOnMemory']);
  t.is(didYouMean('failnth', s, ['steps', 0]), '; did you mean failNth?');
  t.is(didYouMean('zzz', s, []), '');
});
