import test from 'ava';
import { figure } from './stats.ts';

test('median of odd and even sample counts, with min and max', (t) => {
  t.deepEqual(figure([3, 1, 2]), { median: 2, min: 1, max: 3, runs: 3 });
  t.deepEqual(figure([4, 1, 3, 2]), { median: 2.5, min: 1, max: 4, runs: 4 });
  t.throws(() => figure([]));
});
