import test from 'ava';
import { apply } from './apply.ts';
import { lookupAllocationFailures, lookupDivergence, lookupReport } from './divergences.ts';
import { fail, ok, type Op } from './ops.ts';
import { GiB, MiB, R61, R612, devRef, drvRef, hmem, mappingValue, must, pmem, regionRef, stateFor, w } from './testing/fixtures.ts';

const B = 4n * GiB;
const region = hmem({ start: B, size: 2n * GiB, initial: 'empty', kmemDefault: false });
const base = must(stateFor([region]), w(regionRef(region, 'create'), '1'));
const misaligned = w(devRef('dax0.1', 'mapping'), mappingValue(B, MiB));

const idOf = (e: ReturnType<typeof lookupDivergence>) => e?.row.id;

test('misaligned mapping length: the model predicts the intended ENXIO, 6.9+ is known to succeed', (t) => {
  t.deepEqual(apply(base, misaligned).result, fail('ENXIO'));
  t.is(idOf(lookupDivergence(R612, misaligned, base, ok())), 'mapping-misaligned-length-succeeds');
  t.is(idOf(lookupDivergence('6.9.0', misaligned, base, ok())), 'mapping-misaligned-length-succeeds');
  t.is(lookupDivergence('6.8.12', misaligned, base, ok()), undefined, 'before the regression');
  t.is(lookupDivergence(R61, misaligned, base, ok()), undefined);
  t.is(lookupDivergence(R612, misaligned, base, fail('EINVAL')), undefined, 'a different wrong result is not this bug');
  t.deepEqual(lookupDivergence(R612, misaligned, base, ok())!.next.devices, base.devices, 'nothing is allocated');
});

// A device with a range, bound to device_dax: the size and align writes say EBUSY, and so does mapping, intended.
const bound = must(must(base, w(devRef('dax0.1', 'size'), `${256n * MiB}`)), w(drvRef('device_dax', 'bind'), 'dax0.1'));
const grow = w(devRef('dax0.1', 'mapping'), mappingValue(B + 256n * MiB, 256n * MiB));

test('mapping on a bound device: intended EBUSY like size and align; every kernel appends the range, and the run goes on from there', (t) => {
  t.deepEqual(apply(bound, w(devRef('dax0.1', 'size'), `${512n * MiB}`)).result, fail('EBUSY'), 'the sibling attribute');
  t.deepEqual(apply(bound, grow).result, fail('EBUSY'));
  for (const release of [R61, R612, '7.3.4+deb13-amd64']) {
    const known = lookupDivergence(release, grow, bound, ok());
    t.is(idOf(known), 'mapping-on-bound-device', release);
    t.is(known!.next.devices.get('dax0.1')!.ranges.length, 2, 'the affected kernel appended the range');
  }
  const misalignedBound = w(devRef('dax0.1', 'mapping'), mappingValue(B + 256n * MiB, MiB));
  t.is(idOf(lookupDivergence(R612, misalignedBound, bound, ok())), 'mapping-on-bound-device', 'both bugs at once: named by the one that changes the intended answer');
  t.is(idOf(lookupDivergence(R61, misalignedBound, bound, fail('ENXIO'))), 'mapping-on-bound-device', '6.1 has only the bound one: ENXIO');
  t.is(lookupDivergence(R612, misalignedBound, bound, fail('ENXIO')), undefined, "6.12's answer is success, not 6.1's");
});

test('a failed device_dax probe: intended, a later probe starts afresh; every kernel keeps the stale page map and answers EINVAL', (t) => {
  const sized = must(base, w(devRef('dax0.1', 'size'), `${256n * MiB}`));
  // A failed bind leaves the page-map pointer behind (the model marks the device either way).
  const stale = { ...sized, devices: new Map([...sized.devices].map(([k, d]) => [k, k === 'dax0.1' ? { ...d, stalePgmap: true } : d])) };
  const bind = w(drvRef('device_dax', 'bind'), 'dax0.1');
  t.true(apply(stale, bind).result.ok, 'intended: the probe succeeds');
  t.false(apply(stale, bind).next.devices.get('dax0.1')!.stalePgmap, 'and the device is whole again');
  const known = lookupDivergence(R612, bind, stale, fail('EINVAL'));
  t.is(idOf(known), 'device-dax-probe-keeps-stale-pgmap');
  t.true(known!.next.devices.get('dax0.1')!.stalePgmap, 'the affected kernel keeps it: later probes fail too');
  t.is(known!.next.devices.get('dax0.1')!.binding, null);
  t.is(lookupDivergence(R612, bind, sized, fail('EINVAL')), undefined, 'EINVAL from a device no probe failed on is not this bug');
});

test('only misaligned-length mapping writes match', (t) => {
  const aligned = w(devRef('dax0.1', 'mapping'), mappingValue(B, 2n * MiB));
  t.is(lookupDivergence(R612, aligned, base, ok()), undefined);
  t.is(lookupDivergence(R612, w(devRef('dax0.1', 'mapping'), 'garbage'), base, ok()), undefined);
  t.is(lookupDivergence(R612, w(devRef('dax0.1', 'mapping'), ''), base, ok()), undefined, 'an empty write never reaches the handler');
  t.is(lookupDivergence(R612, w(devRef('dax0.1', 'size'), `${MiB}`), base, ok()), undefined);
  t.is(lookupDivergence(R612, w(devRef('dax9.9', 'mapping'), mappingValue(B, MiB)), base, ok()), undefined);
  const stat = pmem({ id: 3, start: 12n * GiB, size: 512n * MiB });
  t.is(lookupDivergence(R612, w(devRef('dax3.0', 'mapping'), mappingValue(12n * GiB, MiB)), stateFor([stat]), ok()), undefined, 'static devices have no mapping file');
  const align1g = must(base, w(devRef('dax0.1', 'align'), `${GiB}`));
  t.truthy(lookupDivergence(R612, w(devRef('dax0.1', 'mapping'), mappingValue(B, 512n * MiB)), align1g, ok()), 'granularity follows the device align');
});

test('known reports: a hang by its blocked stacks, any other report by its excerpt, each only in its range', (t) => {
  // The blocked task of an allocation failure in create (debug 6.12.117), as sysrq w prints it.
  const selfDeadlock = ['task:daxh-helper     state:D stack:27336 pid:193', ' rwsem_down_write_slowpath+0x477/0x1230', ' down_write+0x1b4/0x1e0', ' unregister_dev_dax+0x28/0x130 [dax]', ' __devm_create_dev_dax+0x95b/0x1150 [dax]', ' create_store+0x1f7/0x310 [dax]', ' kernfs_fop_write_iter+0x2f0/0x490'].join('\n');
  t.is(lookupReport(R612, 'hung-task', selfDeadlock)?.id, 'create-unwind-takes-dax-region-rwsem');
  t.is(lookupReport(R61, 'hung-task', selfDeadlock), undefined, '6.1 took no rwsem in unregister_dev_dax');
  t.is(lookupReport(R612, 'report', selfDeadlock), undefined, 'a hang is matched by its stacks only');
  // A shrink racing a read of mapping0/start (6.12.117, concurrency): both blocked tasks, as printed.
  const shrinkDrain = [' kernfs_drain+0xd6/0x160', ' device_del+0x15b/0x3e0', ' devm_release_action+0x51/0x90', ' size_store+0x207/0x630', 'task:daxh-helper     state:D', ' rwsem_down_write_slowpath+0x286/0x640', ' down_write_killable+0x5a/0x80', ' start_show+0x23/0x90', ' dev_attr_show+0x1c/0x60'].join('\n');
  t.is(lookupReport(R612, 'hung-task', shrinkDrain)?.id, 'shrink-drains-mapping-under-region-lock');
  t.is(lookupReport(R61, 'hung-task', shrinkDrain.replace('down_write_killable', 'mutex_lock'))?.id, 'shrink-drains-mapping-under-region-lock', "6.1's get_dax_range takes device_lock");
  t.is(lookupReport(R612, 'hung-task', shrinkDrain.replace('start_show', 'pgoff_show'))?.id, 'shrink-drains-mapping-under-region-lock', 'page_offset is shown by pgoff_show');
  t.is(lookupReport(R612, 'hung-task', shrinkDrain.replace('start_show', 'size_show')), undefined, 'a reader of another file is not this pair');
  const underflow = 'refcount_t: underflow; use-after-free.\nWARNING: CPU: 1 PID: 268 at lib/refcount.c:28\n release_nodes+0x40/0xb0\n unbind_store+0xa1/0xb0';
  const unbinding = 'write drivers/device_dax/unbind "dax0.0"';
  t.is(lookupReport(R61, 'report', underflow, '', unbinding)?.id, 'dev-dax-probe-wipes-open-cdev');
  t.is(lookupReport(R612, 'report', underflow.replace('unbind_store', 'delete_store'), '', unbinding), undefined, 'every pattern must match');
  t.is(lookupReport(R612, 'report', underflow, '', 'write dax0.0/size "0"'), undefined, 'at a step that unbinds nothing, it is not this bug');
  const rearmed = 'ODEBUG: init active (active state 0) object: ffff888003f50ba8 object type: timer_list hint: 0x0\n init_timer_key+0x27/0x50\n kobject_put+0x1d6/0x2e0\n dev_dax_cdev_del+0x12/0x20 [device_dax]';
  t.is(lookupReport(R612, 'report', rearmed, '', unbinding)?.id, 'dev-dax-probe-wipes-releasing-cdev');
  // 7.3.4 debug, cxl: the wiped timer fired before a second init. Known only with the log that led to it.
  const nullFn = 'WARNING: kernel/time/timer.c:1786 at __run_timers+0x758/0x990, CPU#0: sh/254\n run_timer_softirq+0x141/0x240\n handle_softirqs+0x1fc/0x920';
  const released = (addr: string, delay: string) => `kobject: '(null)' (${addr}): kobject_release, parent ffff8880077bd078${delay}`;
  const led = [released('ffff888001450ab0', ' (delayed 3000)'), 'kobject: \'hugepages\' (ffff8880024e8a00): kobject_release, parent ffff888009270800 (delayed 2000)', nullFn, released('ffff888001450ab0', ' (delayed 4000)')].join('\n');
  t.is(lookupReport('7.3.4', 'report', nullFn, led)?.id, 'dev-dax-probe-wipes-releasing-cdev');
  t.is(lookupReport('7.3.4', 'report', nullFn), undefined, 'a NULL-function timer alone names no culprit');
  // Outside dax, 7.3.4 debug: a gendisk freed under its queue kobject's delayed release, and vmalloc's deferred cleanup of an area KASAN's notifier freed.
  const diskUaf = 'BUG: KASAN: slab-use-after-free in __run_timers+0x8e2/0x990\n run_timer_softirq+0x141/0x240\nAllocated by task 123:\n __alloc_disk_node+0x54/0x610\n pmem_attach_disk+0x3c2/0x11d0 [nd_pmem]\nFreed by task 149:\n kfree+0x2fd/0x530\n bdev_free_inode+0x14f/0x200';
  t.is(lookupReport('7.3.4', 'report', diskUaf, "kobject: 'queue' (ffff88812819a388): kobject_release, parent 0000000000000000 (delayed 2000)")?.id, 'gendisk-freed-before-queue-kobject-release');
  t.is(lookupReport('7.3.4', 'report', diskUaf, ''), undefined, 'without a delayed queue release in the log');
  const vmUaf = 'BUG: KASAN: slab-use-after-free in cleanup_vm_area_work+0xae/0xc0\n process_one_work+0x8f5/0x1920\nAllocated by task 223:\n __get_vm_area_node+0xac/0x1f0\n kasan_mem_notifier+0xd7/0x210\nFreed by task 223:\n kfree+0x2fd/0x530\n kasan_mem_notifier+0x102/0x210';
  t.is(lookupReport('7.3.4', 'report', vmUaf)?.id, 'vmalloc-deferred-cleanup-after-kasan-cancel-online');
  t.is(lookupReport(R612, 'report', vmUaf), undefined, '6.12 frees a failed area at once');
  t.is(lookupReport('7.3.4', 'report', nullFn, led.replace(/ffff888001450ab0(?![\s\S]*ffff888001450ab0)/, 'ffff888001450cd0')), undefined, 'two different nameless kobjects are not a reinitialised one');
});

test('known allocation-failure answers: EINVAL from an unnamed device on create, size and mapping only', (t) => {
  const create = { ...w(regionRef(region, 'create'), '1'), failNth: 3 } as Op;
  t.deepEqual(lookupAllocationFailures(R612, create, fail('EINVAL')).map((k) => k.id), ['unnamed-device-is-einval']);
  t.deepEqual(lookupAllocationFailures(R612, create, fail('ENOSPC')), []);
  t.deepEqual(lookupAllocationFailures(R612, { ...w(devRef('dax0.1', 'align'), '4096'), failNth: 1 } as Op, fail('EINVAL')), []);
});
