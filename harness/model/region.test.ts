// dax_region/ attributes (spec §2.2) and create/delete/seed semantics (§3).
import test from 'ava';
import { apply } from './apply.ts';
import { GiB, MiB, devRef, drvRef, hmem, must, pmem, read, regionRef, result, stateFor, w } from './testing/fixtures.ts';

const START = 4n * GiB;
const SIZE = 4n * GiB;
const dyn = hmem({ start: START, size: SIZE, initial: 'full', driver: null });
// dax_hmem.region_idle=1: the provider device is empty and the region is not kmem-type.
const dynIdle = hmem({ start: START, size: SIZE, initial: 'empty', kmemDefault: false });
const stat = pmem({ id: 1, start: 6n * GiB + 2n * MiB, size: 512n * MiB - 2n * MiB });

test('region reads: exact bytes of id, size, align, available_size, seed, create', (t) => {
  const s = stateFor([dyn]);
  t.is(read(s, regionRef(dyn, 'id')), '0\n');
  t.is(read(s, regionRef(dyn, 'size')), `${SIZE}\n`);
  t.is(read(s, regionRef(dyn, 'align')), `${2n * MiB}\n`, 'mode 0400 is readable by root');
  t.is(read(s, regionRef(dyn, 'available_size')), '0\n');
  t.is(read(s, regionRef(dyn, 'seed')), '\n', 'the provider device is never the seed');
  t.is(read(s, regionRef(dyn, 'create')), '\n');
  t.deepEqual(result(s, { op: 'read', ref: regionRef(dyn, 'delete') }), { ok: false, errno: 'EACCES' }, 'delete is 0200');
});

test('region writes to read-only attributes are EACCES, unknown host ENOENT', (t) => {
  const s = stateFor([dyn]);
  for (const attr of ['id', 'size', 'align', 'available_size', 'seed'] as const) {
    t.deepEqual(result(s, w(regionRef(dyn, attr), '1')), { ok: false, errno: 'EACCES' }, attr);
  }
  t.deepEqual(result(s, { op: 'read', ref: regionRef('/sys/devices/none', 'id') }), { ok: false, errno: 'ENOENT' });
});

test('static regions show only id, size and align', (t) => {
  const s = stateFor([stat]);
  t.is(read(s, regionRef(stat, 'id')), '1\n');
  t.is(read(s, regionRef(stat, 'size')), `${stat.size}\n`);
  for (const attr of ['available_size', 'seed', 'create', 'delete'] as const) {
    t.deepEqual(result(s, { op: 'read', ref: regionRef(stat, attr) }), { ok: false, errno: 'ENOENT' }, `read ${attr}`);
    t.deepEqual(result(s, w(regionRef(stat, attr), '1')), { ok: false, errno: 'ENOENT' }, `write ${attr} (no O_CREAT)`);
  }
});

test('create: value must parse to exactly 1', (t) => {
  const s = stateFor([dynIdle]);
  for (const v of ['2', 'abc', '0', '-1', ' 1', '1 ']) t.deepEqual(result(s, w(regionRef(dynIdle, 'create'), v)), { ok: false, errno: 'EINVAL' }, v);
  t.deepEqual(result(s, w(regionRef(dynIdle, 'create'), '99999999999999999999')), { ok: false, errno: 'ERANGE' });
  for (const v of ['1', '0x1', '01', '+1', '1\n']) t.true(result(s, w(regionRef(dynIdle, 'create'), v)).ok, v);
  t.deepEqual(apply(s, w(regionRef(dynIdle, 'create'), '')).next, s, 'an empty write never reaches the handler');
});

test('create with available_size 0 is ENOSPC, even though the new device would be empty', (t) => {
  const s = stateFor([dyn]);
  t.deepEqual(result(s, w(regionRef(dyn, 'create'), '1')), { ok: false, errno: 'ENOSPC' });
});

test('create: lowest free id >= 1, size 0, region align, seed only if empty, youngest always', (t) => {
  let s = stateFor([{ ...dynIdle, align: 2n * MiB }]);
  s = must(s, w(regionRef(dynIdle, 'create'), '1'));
  t.is(read(s, regionRef(dynIdle, 'seed')), 'dax0.1\n');
  t.is(read(s, regionRef(dynIdle, 'create')), 'dax0.1\n');
  t.is(read(s, devRef('dax0.1', 'size')), '0\n');
  t.is(read(s, devRef('dax0.1', 'align')), `${2n * MiB}\n`);
  t.is(read(s, devRef('dax0.1', 'memmap_on_memory')), '0\n');
  t.is(read(s, devRef('dax0.1', 'resource')), `0x${START.toString(16)}\n`, 'a device without ranges reports the region start');
  s = must(s, w(regionRef(dynIdle, 'create'), '1'));
  t.is(read(s, regionRef(dynIdle, 'seed')), 'dax0.1\n', 'seed is kept');
  t.is(read(s, regionRef(dynIdle, 'create')), 'dax0.2\n', 'youngest moves');
  s = must(s, w(devRef('dax0.1', 'size'), `${256n * MiB}`));
  t.is(read(s, regionRef(dynIdle, 'seed')), 'dax0.1\n', 'a sized but unbound seed stays the seed');
});

test('delete: ids are reused lowest-first; seed and youngest cleared, not replaced', (t) => {
  let s = stateFor([dynIdle]);
  const create = w(regionRef(dynIdle, 'create'), '1');
  s = must(s, create, create, create, create); // .1 .2 .3 .4
  s = must(s, w(regionRef(dynIdle, 'delete'), 'dax0.1'), w(regionRef(dynIdle, 'delete'), 'dax0.3'));
  t.is(read(s, regionRef(dynIdle, 'seed')), '\n', 'deleting the seed empties it');
  t.is(read(s, regionRef(dynIdle, 'create')), 'dax0.4\n');
  s = must(s, w(regionRef(dynIdle, 'delete'), 'dax0.4\n'));
  t.is(read(s, regionRef(dynIdle, 'create')), '\n', 'deleting the youngest empties create');
  s = must(s, create);
  t.is(read(s, regionRef(dynIdle, 'create')), 'dax0.1\n');
  t.is(read(s, regionRef(dynIdle, 'seed')), 'dax0.1\n');
  s = must(s, create, create);
  t.deepEqual([...s.devices.keys()].sort(), ['dax0.0', 'dax0.1', 'dax0.2', 'dax0.3', 'dax0.4']);
});

test('delete errors: id 0, unknown, foreign, sized, bound, trailing space', (t) => {
  const other = hmem({ id: 1, start: 12n * GiB, size: 1n * GiB, initial: 'empty', host: '/sys/devices/test/other' });
  let s = stateFor([dynIdle, other]);
  s = must(s, w(regionRef(dynIdle, 'create'), '1'), w(regionRef(dynIdle, 'create'), '1'), w(devRef('dax0.2', 'size'), `${2n * MiB}`));
  const del = (v: string) => result(s, w(regionRef(dynIdle, 'delete'), v));
  t.deepEqual(del('dax0.0'), { ok: false, errno: 'EBUSY' }, 'id 0 can never be deleted');
  t.deepEqual(del('dax0.99'), { ok: false, errno: 'ENXIO' });
  t.deepEqual(del('foo'), { ok: false, errno: 'ENXIO' });
  t.deepEqual(del('dax0.2'), { ok: false, errno: 'EBUSY' }, 'size != 0');
  t.deepEqual(del('dax0.1 '), { ok: false, errno: 'ENXIO' });
  t.deepEqual(del('dax1.0'), { ok: false, errno: 'ENXIO' }, 'a device of another region');
  t.deepEqual(result(s, w(regionRef(other, 'delete'), 'dax0.1')), { ok: false, errno: 'ENXIO' });
  s = must(s, w(drvRef('device_dax', 'bind'), 'dax0.2'));
  t.deepEqual(del('dax0.2'), { ok: false, errno: 'EBUSY' }, 'bound');
  t.true(del('dax0.1').ok, 'unbound, size 0, id >= 1');
});

test('a successful bind of the seed clears it; create names the youngest even when bound', (t) => {
  let s = stateFor([dynIdle]);
  s = must(s, w(regionRef(dynIdle, 'create'), '1'), w(devRef('dax0.1', 'size'), `${2n * MiB}`), w(drvRef('device_dax', 'bind'), 'dax0.1'));
  t.is(read(s, regionRef(dynIdle, 'seed')), '\n');
  t.is(read(s, regionRef(dynIdle, 'create')), 'dax0.1\n');
});

test('a failed bind leaves the seed in place', (t) => {
  let s = stateFor([dynIdle]);
  s = must(s, w(regionRef(dynIdle, 'create'), '1'));
  t.deepEqual(result(s, w(drvRef('device_dax', 'bind'), 'dax0.1')), { ok: false, errno: 'ENXIO' }, 'size 0');
  s = apply(s, w(drvRef('device_dax', 'bind'), 'dax0.1')).next;
  t.is(read(s, regionRef(dynIdle, 'seed')), 'dax0.1\n');
});

test('available_size = size minus every device range', (t) => {
  let s = stateFor([dynIdle]);
  s = must(s, w(regionRef(dynIdle, 'create'), '1'), w(devRef('dax0.1', 'size'), `${1n * GiB}`), w(devRef('dax0.0', 'size'), `${512n * MiB}`));
  t.is(read(s, regionRef(dynIdle, 'available_size')), `${SIZE - GiB - 512n * MiB}\n`);
});
