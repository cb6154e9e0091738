// The 6.1 profile (spec §8) and version selection.
import test from 'ava';
import { apply } from './apply.ts';
import { observe } from './observe.ts';
import { profileFor } from './profiles.ts';
import { GiB, KiB, MiB, R61, R612, busRef, devRef, drvRef, hmem, mappingValue, must, pmem, read, regionRef, result, stateFor, w } from './testing/fixtures.ts';

const facts = { memmapOnMemoryParam: 'N', blockSize: 128n * MiB, autoOnline: 'offline' } as const;
const B = 4n * GiB;
// On 6.1 an hmem region has no kmem flag; its provider device is bound to device_dax at boot.
const region = hmem({ start: B, size: 2n * GiB, driver: 'device_dax' });

test('profileFor picks features by release', (t) => {
  const p61 = profileFor(R61, facts);
  t.like(p61.abi, { matching: 'device_dax-always', kmemRegions: false, cxlRamRegions: false, memmapOnMemoryAttr: false });
  const p612 = profileFor(R612, facts);
  t.like(p612.abi, { matching: 'type', kmemRegions: true, cxlRamRegions: true, memmapOnMemoryAttr: true, kstrtoboolEnableDisable: false, softReservedInIomem: true, fsdevDriver: false, kmemState: false });
  t.like(profileFor('7.3.4+deb13-amd64', facts).abi, { kstrtoboolEnableDisable: true, softReservedInIomem: false, fsdevDriver: true, asyncDaxCxl: true, kmemState: true });
  t.is(profileFor('6.5.0', facts).abi.memmapOnMemoryAttr, false, 'memmap_on_memory arrived in 6.8');
  t.is(profileFor('6.5.0', facts).abi.matching, 'type', 'type matching arrived in 6.3');
  t.is(profileFor(R612, { ...facts, abi: { kstrtoboolEnableDisable: true } }).abi.kstrtoboolEnableDisable, true, 'what the guest showed wins over the table');
  t.throws(() => profileFor('5.10.0-30-amd64', facts), { message: /no dax bus ABI/ });
  t.throws(() => profileFor('linux', facts));
});

test('6.1: device_dax matches every device, kmem only new_id entries', (t) => {
  let s = stateFor([region], { release: R61 });
  t.is(s.devices.get('dax0.0')!.binding?.driver, 'device_dax');
  t.deepEqual(result(s, w(drvRef('kmem', 'bind'), 'dax0.0')), { ok: false, errno: 'ENODEV' }, 'no match (checked before the bound state)');
  s = must(s, w(drvRef('device_dax', 'unbind'), 'dax0.0'));
  t.deepEqual(result(s, w(drvRef('kmem', 'bind'), 'dax0.0')), { ok: false, errno: 'ENODEV' });
  s = must(s, w(devRef('dax0.0', 'size'), `${GiB}`), w(regionRef(region, 'create'), '1'), w(devRef('dax0.1', 'size'), `${256n * MiB}`));
  s = must(s, w(drvRef('kmem', 'new_id'), 'dax0.1'));
  t.is(s.devices.get('dax0.1')!.binding?.driver, 'kmem');
  t.is(s.devices.get('dax0.0')!.binding, null, 'the sized unbound dax0.0 stays unbound');
  s = must(s, w(regionRef(region, 'create'), '1'), w(devRef('dax0.2', 'size'), `${2n * MiB}`), w(busRef('drivers_probe'), 'dax0.2'));
  t.is(s.devices.get('dax0.2')!.binding?.driver, 'device_dax');
});

test('6.1: no memmap_on_memory attribute, and kmem never puts the memmap in the block', (t) => {
  let s = stateFor([region], { release: R61, memmapOnMemoryParam: 'Y', autoOnline: 'online' });
  t.deepEqual(result(s, { op: 'read', ref: devRef('dax0.0', 'memmap_on_memory') }), { ok: false, errno: 'ENOENT' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'memmap_on_memory'), '0')), { ok: false, errno: 'ENOENT' });
  t.is(observe(s).devices[0]!.memmapOnMemory, null);
  const before = observe(s).memTotalKiB;
  s = must(s, w(drvRef('device_dax', 'unbind'), 'dax0.0'), w(drvRef('kmem', 'new_id'), 'dax0.0'));
  t.is(observe(s).memTotalKiB - before, 2n * GiB / KiB);
});

test('6.1: misaligned mapping length is ENXIO and allocates nothing', (t) => {
  const s = must(stateFor([region], { release: R61 }), w(drvRef('device_dax', 'unbind'), 'dax0.0'), w(devRef('dax0.0', 'size'), '0'), w(regionRef(region, 'create'), '1'));
  const step = apply(s, w(devRef('dax0.1', 'mapping'), mappingValue(B + GiB, MiB)));
  t.deepEqual(step.result, { ok: false, errno: 'ENXIO' });
  t.deepEqual(step.next, s);
});

test('6.1: the rest of the ABI is the same (size, create, align, delete errnos; seed read-back)', (t) => {
  let s = must(stateFor([region], { release: R61 }), w(drvRef('device_dax', 'unbind'), 'dax0.0'), w(devRef('dax0.0', 'size'), `${GiB}`));
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), '1048576')), { ok: false, errno: 'EINVAL' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), '99999999999999999999')), { ok: false, errno: 'ERANGE' });
  t.deepEqual(result(s, w(regionRef(region, 'create'), '2')), { ok: false, errno: 'EINVAL' });
  s = must(s, w(regionRef(region, 'create'), '0x1'));
  t.is(read(s, regionRef(region, 'seed')), 'dax0.1\n');
  t.deepEqual(result(s, w(devRef('dax0.1', 'align'), 'abc')), { ok: false, errno: 'ENXIO' });
  t.deepEqual(result(s, w(regionRef(region, 'delete'), 'dax0.0')), { ok: false, errno: 'EBUSY' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), `${3n * GiB}`)), { ok: false, errno: 'ENOSPC' });
});

test('6.1: static pmem devices behave as on 6.12 apart from memmap_on_memory', (t) => {
  const stat = pmem({ id: 1, start: 12n * GiB + 2n * MiB, size: 510n * MiB });
  const s = stateFor([stat], { release: R61 });
  t.deepEqual(result(s, w(devRef('dax1.0', 'size'), '0')), { ok: false, errno: 'EACCES' });
  t.deepEqual(result(s, { op: 'read', ref: regionRef(stat, 'seed') }), { ok: false, errno: 'ENOENT' });
  t.deepEqual(result(s, { op: 'read', ref: devRef('dax1.0', 'memmap_on_memory') }), { ok: false, errno: 'ENOENT' });
});
