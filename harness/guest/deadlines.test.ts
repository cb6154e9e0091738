import test from 'ava';
import { deadlines, parseDeadlineScale } from './deadlines.ts';
import { InputError } from '../util/input-error.ts';

test('unset or empty scales nothing', (t) => {
  t.deepEqual(deadlines(parseDeadlineScale(undefined)), deadlines(1));
  t.deepEqual(deadlines(parseDeadlineScale(' ')), deadlines(1));
});

test('a bare factor scales every deadline', (t) => {
  const twice = deadlines(parseDeadlineScale('2'));
  const once = deadlines(1);
  for (const k of Object.keys(once) as (keyof typeof once)[]) t.is(twice[k], once[k] * 2, k);
});

test('a named factor scales that deadline alone, after a bare one', (t) => {
  const once = deadlines(1);
  const d = deadlines(parseDeadlineScale('3,step=0.25'));
  t.is(d.stepMs, once.stepMs / 4);
  t.is(d.bootMs, once.bootMs * 3);
  t.is(deadlines(parseDeadlineScale('step=0.25')).bootMs, once.bootMs, 'a boot keeps its margin when only steps shrink');
});

for (const [value, message] of [
  ['fast', /factor 'fast' is not a positive number/],
  ['-1', /factor '-1'/],
  ['0', /factor '0'/],
  ['boot=', /factor for boot ''/],
  ['steps=2', /unknown deadline 'steps'; use one of boot, step, provision, snapshot, qmp/],
  ['2,,', /factor ''/],
] as const) {
  test(`'${value}' is refused with the fix`, (t) => {
    const err = t.throws(() => parseDeadlineScale(value), { instanceOf: InputError });
    t.regex(err!.message, message);
    t.regex(err!.message, /^DAXH_DEADLINE_SCALE: /);
  });
}
