import test from 'ava';
import { classifyLine, excerpt } from './console-scan.ts';

// Real console lines (6.12 guests; the WARNING is the one the lab hit with a zero-length `mapping` write).
const cases: [string, ReturnType<typeof classifyLine>][] = [
  ['[   41.062035] WARNING: CPU: 1 PID: 331 at drivers/dax/bus.c:854 alloc_dev_dax_range+0x1d5/0x220 [device_dax]', 'warning'],
  ['[   12.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008', 'bug'],
  ['[   12.000100] Oops: 0000 [#1] PREEMPT SMP NOPTI', 'oops'],
  ['[   12.000200] Oops: general protection fault, probably for non-canonical address 0xdead000000000100: 0000 [#1] SMP', 'oops'],
  ['[   13.1] Kernel panic - not syncing: Fatal exception', 'panic'],
  ['[   60.0] watchdog: BUG: soft lockup - CPU#0 stuck for 26s! [daxctl:301]', 'soft-lockup'],
  ['[   70.0] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:', 'rcu-stall'],
  ['[   70.0] rcu: INFO: rcu_sched self-detected stall on CPU', 'rcu-stall'],
  ['[  240.0] INFO: task kworker/0:1:33 blocked for more than 120 seconds.', 'hung-task'],
  ['[   41.1] Call Trace:', 'call-trace'],
  ['[    0.0] Linux version 6.12.117+deb12-amd64', null],
  ['[    3.1] kmem dax0.0: rejecting DAX region with invalid node: -1', null],
  ['[    2.5] nd_pmem namespace0.0: unable to guarantee persistence of writes', null],
  ['DAXH_SSHD_READY uptime=2.61', null],
];

for (const [line, kind] of cases) {
  test(`classifies ${kind ?? 'nothing'}: ${line.slice(15, 60)}`, (t) => t.is(classifyLine(line), kind));
}

test('excerpt keeps two lines before the hit and the trace after it', (t) => {
  const lines = Array.from({ length: 100 }, (_, i) => `l${i}`);
  const text = excerpt(lines, 10, 2, 3);
  t.is(text, 'l8\nl9\nl10\nl11\nl12');
});
