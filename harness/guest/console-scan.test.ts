import test from 'ava';
import { classifyLine, excerpt, scanLines, signature } from './console-scan.ts';

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
  ['[   50.0] BUG: KASAN: slab-use-after-free in dax_mapping_release+0x31/0x50 [device_dax]', 'kasan'],
  ['[   50.0] UBSAN: array-index-out-of-bounds in drivers/dax/kmem.c:201:14', 'ubsan'],
  ['[   50.0] WARNING: possible circular locking dependency detected', 'lockdep'],
  ['[   50.0] BUG: sleeping function called from invalid context at kernel/locking/rwsem.c:1525', 'lockdep'],
  ['[   50.0] list_add corruption. prev->next should be next (ffff888100a0e8f0), but was 0000000000000000.', 'bug'],
  ['[   50.0] kernel BUG at mm/memory_hotplug.c:2215!', 'bug'],
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

const uaf = [
  '[   50.100] ==================================================================',
  '[   50.101] BUG: KASAN: slab-use-after-free in dax_mapping_release+0x31/0x50 [device_dax]',
  '[   50.102] Read of size 8 at addr ffff888104c1a010 by task daxh-helper/412',
  '[   50.103] CPU: 1 UID: 0 PID: 412 Comm: daxh-helper Not tainted 6.12.117 #1',
  '[   50.104] Call Trace:',
  '[   50.105]  <TASK>',
  '[   50.106]  dump_stack_lvl+0x5d/0x80',
  '[   50.107]  print_report+0x174/0x505',
  '[   50.108]  kasan_report+0xab/0x110',
  '[   50.109]  dax_mapping_release+0x31/0x50 [device_dax]',
  '[   50.110]  device_release+0x3b/0xa0',
  '[   50.111]  ? kobject_put+0x7c/0x1c0',
  '[   50.112]  kobject_put+0x7c/0x1c0',
  '[   50.113]  unregister_dax_mapping+0x5e/0x80 [device_dax]',
  '[   50.114]  </TASK>',
  '[   50.115] ==================================================================',
];

test('a KASAN report has a signature of kind, title and the first frames past the reporting machinery', (t) => {
  const [e] = scanLines(uaf);
  t.is(e!.kind, 'kasan');
  t.is(signature(uaf, e!), 'kasan: BUG: KASAN: slab-use-after-free in dax_mapping_release [device_dax] @ dax_mapping_release < device_release < kobject_put');
});

test('two hits of one bug on different kernels, at different addresses and times, share a signature', (t) => {
  const later = uaf.map((l) => l.replace(/\[ {3}50\.\d+\]/, '[ 1234.5]').replace('ffff888104c1a010', 'ffff88810aaa0000').replace('PID: 412', 'PID: 977').replace('+0x31/0x50', '+0x35/0x60'));
  t.is(signature(later, scanLines(later)[0]!), signature(uaf, scanLines(uaf)[0]!));
});

test('an excerpt ends at the end of the report, or runs on through a panic that follows it', (t) => {
  t.is(excerpt(uaf, 1).split('\n').at(-1), uaf.at(-1));
  const oops = ['BUG: kernel NULL pointer dereference', 'Oops: 0000 [#1]', 'Call Trace:', ' f+0x1/0x2', '---[ end trace 0000000000000000 ]---', 'Kernel panic - not syncing: Fatal exception', 'after'];
  t.is(excerpt(oops, 0).split('\n').at(-1), 'Kernel panic - not syncing: Fatal exception');
});
