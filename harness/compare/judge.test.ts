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

test('a lockdep splat printed inside a WARNING fails as a crash, and the report names the WARNING that set it off', (t) => {
  // 6.12 debug build: a timer with a NULL function fired; printing that WARN took the console lock under
  // the timer base lock, which lockdep reported before the WARN's trace ended.
  const lines = [
    '------------[ cut here ]------------',
    'WARNING: CPU: 0 PID: 0 at kernel/time/timer.c:1833 __run_timers+0x6e3/0x8b0',
    'Modules linked in: kmem device_dax dax_hmem',
    '======================================================',
    'WARNING: possible circular locking dependency detected',
    '------------------------------------------------------',
    'swapper/0/0 is trying to acquire lock:',
    '======================================================',
    'RIP: 0010:__run_timers+0x6e3/0x8b0',
    'Call Trace:',
    ' <IRQ>',
    ' run_timer_softirq+0x3f/0x80',
    ' handle_softirqs+0x1a4/0x5c0',
    '---[ end trace 0000000000000000 ]---',
  ];
  const v = judgeKernelLog(lines, false);
  t.is(v.kind, 'crash');
  if (v.kind === 'crash') {
    t.regex(v.report.signature, /^warning: WARNING: at kernel\/time\/timer\.c __run_timers/);
    t.regex(v.report.excerpt, /possible circular locking[\s\S]*run_timer_softirq[\s\S]*end trace/, 'the excerpt runs through the splat to the WARN\'s end');
  }
  // The same splat on its own, or after a WARNING whose trace had ended, is named for itself.
  const alone = judgeKernelLog(lines.slice(3), false);
  if (alone.kind === 'crash') t.regex(alone.report.signature, /^lockdep: /);
  const after = judgeKernelLog([...lines.slice(0, 2), '---[ end trace 0000000000000000 ]---', ...lines.slice(3)], false);
  t.is(after.kind, 'crash');
  if (after.kind === 'crash') t.regex(after.report.signature, /^lockdep: /);
});

test('fault injection notices are not kernel trouble', (t) => {
  t.is(judgeKernelLog(['FAULT_INJECTION: forcing a failure.', 'name failslab, interval 1, probability 0, space 0, times 1', 'kmem dax0.1: mapping0: 0x140000000-0x147ffffff memory add failed'], false).kind, 'clean');
});

// 6.12 debug build, kmem bind with fail-nth 40: KASAN's memory notifier vmalloc'd shadow for the new block,
// the vm_struct kmalloc was the one failed, and warn_alloc() dumped the stack.
const vmallocError = [
  'daxh-helper: vmalloc error: size 16777216, vm_struct allocation failed, mode:0xcc0(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=0-1',
  'CPU: 0 UID: 0 PID: 310 Comm: daxh-helper Tainted: G        W          6.12.117 #1 ',
  'Tainted: [W]=WARN',
  'Hardware name: QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.16.3-debian-1.16.3-2~bpo12+1 04/01/2014',
  'Call Trace:',
  ' <TASK>',
  ' dump_stack_lvl+0x80/0xa0',
  ' warn_alloc+0x24a/0x390',
  ' __vmalloc_node_range_noprof+0x442/0xf30',
  ' kasan_mem_notifier+0xd8/0x210',
  ' online_pages+0x23f/0x530',
  ' </TASK>',
  'Mem-Info:',
];

test("warn_alloc's report is the kernel telling of the allocation failure injected in the step, and a warning anywhere else", (t) => {
  t.is(judgeKernelLog(vmallocError, false, true).kind, 'clean');
  const uninjected = judgeKernelLog(vmallocError, false);
  t.is(uninjected.kind, 'unpredicted-warning');
  if (uninjected.kind === 'unpredicted-warning') t.is(uninjected.report.signature, 'allocation-failure: vmalloc error: size X, vm_struct allocation failed, mode:X(GFP_KERNEL), nodemask=(null),cpuset=/,mems_allowed=N-N @ warn_alloc < __vmalloc_node_range_noprof < kasan_mem_notifier');
  t.is(judgeKernelLog([...vmallocError, warn], false, true).kind, 'unpredicted-warning', 'an injected failure excuses only its own report');
});
