import test from 'ava';
import { judgeCaseConsole, judgeKernelLog } from './judge.ts';

const warn = 'WARNING: CPU: 1 PID: 331 at drivers/dax/bus.c:854 alloc_dev_dax_range+0x1d5/0x220 [device_dax]';
const oops = 'BUG: kernel NULL pointer dereference, address: 0000000000000008';

test('ordinary kernel messages are clean', (t) => {
  t.is(judgeKernelLog(['kmem dax0.0: mapping0: 0x100000000-0x13fffffff could not reserve region', 'dax0.1: probe with driver device_dax failed with error -16'], false).kind, 'clean');
});

test('a WARNING is predicted or not, as the model said; a crash is a crash even where a warning was predicted', (t) => {
  t.is(judgeKernelLog([warn], true).kind, 'predicted-warning');
  t.is(judgeKernelLog([warn], false).kind, 'unpredicted-warning');
  t.is(judgeKernelLog([warn, oops], true).kind, 'crash');
  t.is(judgeKernelLog(['INFO: task daxh-helper:401 blocked for more than 10 seconds.'], true).kind, 'crash');
});

test('the console of a whole case fails only on a crash: each step was judged against its prediction already', (t) => {
  t.is(judgeCaseConsole([warn]).kind, 'predicted-warning');
  const v = judgeCaseConsole(['[ 3.0] hello', `[ 4.0] ${oops}`, '[ 4.1] Kernel panic - not syncing: Fatal exception']);
  t.is(v.kind, 'crash');
  if (v.kind === 'crash') t.regex(v.report.excerpt, /Kernel panic/);
});
