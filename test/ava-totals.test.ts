import test from 'ava';
import { avaTotals } from './ava-totals.ts';

test('reads passed, failed (with uncaught exceptions) and skipped from ava summaries', (t) => {
  const out = '  ✔ a\n  ─\n\n  1 test failed\n  12 tests passed\n  2 tests skipped\n  1 uncaught exception\n';
  t.deepEqual(avaTotals(out), { passed: 12, failed: 2, skipped: 2 });
  t.deepEqual(avaTotals('  1 test passed\n'), { passed: 1, failed: 0, skipped: 0 });
});
