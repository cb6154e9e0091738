import test from 'ava';
import { shrinkHistory } from './shrink.ts';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('a failure that needs two entries shrinks to exactly those two', async (t) => {
  const out = await shrinkHistory(range(40), async (h) => h.includes(7) && h.includes(31), 200);
  t.deepEqual(out.history, [7, 31]);
  t.true(out.confirmed);
});

test('the replay budget bounds the shrink, and what it returns still fails', async (t) => {
  const fails = async (h: readonly number[]) => h.includes(3) && h.includes(90);
  const out = await shrinkHistory(range(100), fails, 5);
  t.is(out.replays, 5);
  t.true(out.history.length < 100);
  t.true(await fails(out.history));
});

test('a history that does not fail again is returned whole and unconfirmed', async (t) => {
  const out = await shrinkHistory(range(10), async () => false, 20);
  t.deepEqual(out, { history: range(10), replays: 1, confirmed: false });
});
