// What the 7.x kernels added to the dax bus (harness/abi/kernel.ts rows 6.16-7.3), each rule from the source
// the row cites: kmem's state file (7.3), the fsdev_dax driver (7.1), kstrtobool's enable/disable (6.16
// here), and hmem's top-level iomem entries (7.0).
import test from 'ava';
import { checkStateInvariants } from './invariants.ts';
import { observe } from './observe.ts';
import { fail } from './ops.ts';
import { mmapResult } from './devdax.ts';
import type { State } from './state.ts';
import { GiB, KiB, MiB, R612, autoOnlineRef, blockRef, devRef, drvRef, hmem, must, pmem, r, read, result, stateFor, step, w } from './testing/fixtures.ts';

const R73 = '7.3.4+deb13-amd64';
const R71 = '7.1.13+deb13-amd64';
const B = 4n * GiB;
const region = hmem({ start: B, size: 1n * GiB });
const state = devRef('dax0.0', 'state');
const blocks = (s: State) => observe(s).memoryBlocks.map((b) => `${b.index}:${b.zone}`);
const drivers73 = { driverOrder: ['device_dax', 'kmem', 'fsdev_dax'] as const };
const s73 = (autoOnline: 'online' | 'offline' | 'online_movable' = 'online') => stateFor([region], { release: R73, autoOnline, driverOrder: [...drivers73.driverOrder] });

test('7.3 kmem state: present only while bound to kmem, reads what kmem did at bind', (t) => {
  const s = s73();
  t.is(read(s, state), 'online\n');
  t.is(observe(s).devices[0]!.state, 'online');
  t.is(read(s73('offline'), state), 'offline\n', 'bound while the policy was offline: added, not onlined');
  const unbound = must(s, ...observe(s).memoryBlocks.map((b) => w(blockRef(b.index), 'offline')), w(drvRef('kmem', 'unbind'), 'dax0.0'));
  t.deepEqual(result(unbound, r(state)), fail('ENOENT'));
  t.deepEqual(result(unbound, w(state, 'online')), fail('ENOENT'));
  t.deepEqual(result(stateFor([region]), r(state)), fail('ENOENT'), '6.12 has no state file');
});

test('7.3 kmem state: unplugged removes every block and resource at once; online types add them back', (t) => {
  let s = s73();
  s = must(s, w(state, 'unplugged'));
  t.is(read(s, state), 'unplugged\n');
  t.deepEqual(blocks(s), []);
  t.deepEqual(observe(s).iomem, []);
  t.is(observe(s).devices[0]!.driver, 'kmem', 'still bound');
  t.deepEqual(checkStateInvariants(s), []);
  s = must(s, w(state, 'online_movable'));
  t.deepEqual(blocks(s), [32, 33, 34, 35, 36, 37, 38, 39].map((i) => `${i}:Movable`), 'the requested type, whatever auto_online_blocks says');
  s = must(s, w(state, 'unplugged'), w(autoOnlineRef, 'offline'), w(state, 'online_kernel'));
  t.deepEqual(blocks(s), [32, 33, 34, 35, 36, 37, 38, 39].map((i) => `${i}:Normal`));
  t.deepEqual(checkStateInvariants(s), []);
});

test('7.3 kmem state: the current value is a no-op, onlining only from unplugged, "offline" and junk refused', (t) => {
  const s = s73();
  t.deepEqual(result(s, w(state, 'online')), { ok: true });
  t.deepEqual(result(s, w(state, 'online\n')), { ok: true }, 'sysfs_streq: one trailing newline');
  t.deepEqual(result(s, w(state, 'online_movable')), fail('EBUSY'), 'from online to another type: unplug first');
  t.deepEqual(result(s, w(state, 'offline')), fail('EINVAL'), 'refused on purpose');
  for (const v of ['bogus', ' online', 'Online', 'unplug']) t.deepEqual(result(s, w(state, v)), fail('EINVAL'), v);
  const offline = s73('offline');
  t.deepEqual(result(offline, w(state, 'online')), fail('EBUSY'), 'from offline too');
  t.deepEqual(result(offline, w(state, 'unplugged')), { ok: true }, 'offline blocks are simply removed');
});

test('7.3 kmem state: unplugging blocks in ZONE_NORMAL may be EBUSY (unmovable page) or EINTR (retried until signalled), which roll everything back', (t) => {
  const s = s73('online');
  const out = step(s, w(state, 'unplugged'));
  t.deepEqual(out.result, { ok: true });
  t.deepEqual(out.alternatives?.map((a) => [a.id, a.result]), [['kmem-unplug-busy', fail('EBUSY')], ['kmem-unplug-interrupted', fail('EINTR')]]);
  for (const a of out.alternatives!) t.is(a.next, s, `${a.id}: rolled back, the state before`);
  t.is(step(s73('online_movable'), w(state, 'unplugged')).alternatives, undefined, 'ZONE_MOVABLE holds no unmovable pages');
});

test('7.3 kmem state: a manual offline leaves state as kmem set it; unplug then removes the rest', (t) => {
  let s = must(s73(), w(blockRef(32), 'offline'));
  t.is(read(s, state), 'online\n', 'state is what kmem did, not what memoryN/state says');
  s = must(s, w(state, 'unplugged'));
  t.deepEqual(blocks(s), []);
});

test('7.1 fsdev_dax: binds only what its new_id names, claims busy ranges, and fails without poisoning', (t) => {
  const unbound = (release: string) => must(stateFor([region], { release, driverOrder: ['device_dax', 'kmem', 'fsdev_dax'] }), ...[32, 33, 34, 35, 36, 37, 38, 39].map((i) => w(blockRef(i), 'offline')), w(drvRef('kmem', 'unbind'), 'dax0.0'));
  let s = unbound(R71);
  t.deepEqual(result(s, w(drvRef('fsdev_dax', 'bind'), 'dax0.0')), fail('ENODEV'), 'its type matches no region');
  s = must(s, w(drvRef('fsdev_dax', 'new_id'), 'dax0.0'));
  t.is(observe(s).devices[0]!.driver, 'fsdev_dax');
  t.deepEqual(observe(s).iomem, [{ start: B, end: B + GiB - 1n, name: 'dax0.0', parent: 'Soft Reserved' }]);
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), '0')), fail('EBUSY'));
  t.deepEqual(result(s, w(devRef('dax0.0', 'memmap_on_memory'), '0')), { ok: true }, 'the EBUSY rule is kmem-only');
  t.deepEqual(mmapResult(s, 'dax0.0', 2n * MiB), fail('ENODEV'), 'its node opens, and fsdev_fops has no mmap');
  s = must(s, w(drvRef('fsdev_dax', 'unbind'), 'dax0.0'));
  t.deepEqual(mmapResult(s, 'dax0.0', 2n * MiB), fail('ENXIO'), 'no driver, no cdev');
  // A misaligned range: fsdev fails EINVAL with the __add_pages WARN, and device_dax can still bind after.
  s = must(s, w(devRef('dax0.0', 'size'), '0'), w(devRef('dax0.0', 'mapping'), `0x${(B + 0x1000n).toString(16)}-0x${(B + 0x200fffn).toString(16)}`));
  const bad = step(s, w(drvRef('fsdev_dax', 'bind'), 'dax0.0'));
  t.deepEqual(bad.result, fail('EINVAL'));
  t.regex(bad.kernelWarning ?? '', /Misaligned __add_pages/);
  t.false(bad.next.devices.get('dax0.0')!.stalePgmap, 'fsdev sets the pgmap only on success');
  t.deepEqual(result(stateFor([region], { release: R612 }), w(drvRef('fsdev_dax', 'bind'), 'dax0.0')), fail('ENOENT'), 'no driver directory before 7.1');
});

test('kstrtobool enable/disable reaches memmap_on_memory on 6.16 and later only', (t) => {
  const on = (release: string) => stateFor([pmem({ start: B, size: GiB })], { release, memmapOnMemoryParam: 'Y' });
  t.deepEqual(result(on(R612), w(devRef('dax0.0', 'memmap_on_memory'), 'enable')), fail('EINVAL'));
  t.deepEqual(result(on('6.16.12+deb13-amd64'), w(devRef('dax0.0', 'memmap_on_memory'), 'enable')), { ok: true });
  t.deepEqual(result(on('6.16.12+deb13-amd64'), w(devRef('dax0.0', 'memmap_on_memory'), 'disable')), { ok: true });
});

test('7.0+ hmem: top-level daxR.N entries (no Soft Reserved parent) in the model and its invariants', (t) => {
  const top = hmem({ start: B, size: 1n * GiB, iomemParent: null });
  const s = stateFor([top], { release: R73 });
  t.deepEqual(observe(s).iomem.map((e) => [e.name, e.parent]), [['dax0.0', null], ['System RAM (kmem)', 'dax0.0']]);
  t.deepEqual(checkStateInvariants(s), []);
  t.is(observe(s).memTotalKiB, 2n * GiB / KiB + GiB / KiB);
  t.is(observe(must(s, ...[32, 33, 34, 35, 36, 37, 38, 39].map((i) => w(blockRef(i), 'offline')), w(drvRef('kmem', 'unbind'), 'dax0.0'))).iomem.length, 0, 'unbound: no entry at all');
});
