// Driver matching and the bus/driver files (spec §1.4, §2.5), the per-device matrix (§4.5) and device_dax's
// probe failures (§4.1).
import test from 'ava';
import { withBugs } from './bugs.ts';
import { apply } from './apply.ts';
import { observe } from './observe.ts';
import type { DaxDriver } from './ops.ts';
import type { State } from './state.ts';
import { GiB, MiB, busRef, devRef, drvRef, hmem, mappingValue, must, pmem, read, regionRef, result, stateFor, w } from './testing/fixtures.ts';

const B = 4n * GiB;
/** kmem-type region (hmem default), provider device unbound (kmem not loaded at probe time). */
const kmemType = hmem({ start: B, size: 4n * GiB, driver: null });
/** device-type dynamic region (hmem with region_idle=1). */
const devType = hmem({ start: B, size: 4n * GiB, initial: 'empty', kmemDefault: false });
const stat = pmem({ id: 1, start: 12n * GiB, size: 512n * MiB });

const bind = (d: DaxDriver, name: string) => w(drvRef(d, 'bind'), name);
const unbind = (d: DaxDriver, name: string) => w(drvRef(d, 'unbind'), name);
const driverOf = (s: State, name: string) => s.devices.get(name)?.binding?.driver ?? null;
const create = (spec: typeof kmemType) => w(regionRef(spec, 'create'), '1');

test('6.12 matching: kmem-type regions match kmem only, others device_dax only, new_id adds a match', (t) => {
  let s = stateFor([kmemType]);
  t.deepEqual(result(s, bind('device_dax', 'dax0.0')), { ok: false, errno: 'ENODEV' });
  t.true(result(s, bind('kmem', 'dax0.0')).ok);
  s = must(s, w(drvRef('device_dax', 'new_id'), 'dax0.0'));
  t.is(driverOf(s, 'dax0.0'), 'device_dax', 'new_id attaches at once');
  let d = stateFor([devType]);
  d = must(d, create(devType), w(devRef('dax0.1', 'size'), `${2n * MiB}`));
  t.deepEqual(result(d, bind('kmem', 'dax0.1')), { ok: false, errno: 'ENODEV' });
  t.true(result(d, bind('device_dax', 'dax0.1')).ok);
});

test('bind errors: unknown device ENODEV, size 0 ENXIO, already bound EBUSY or ENODEV by match', (t) => {
  let s = must(stateFor([devType]), create(devType));
  t.deepEqual(result(s, bind('device_dax', 'dax0.99')), { ok: false, errno: 'ENODEV' });
  t.deepEqual(result(s, bind('device_dax', 'dax0.1')), { ok: false, errno: 'ENXIO' }, 'size 0 fails the bus probe gate');
  s = must(s, w(devRef('dax0.1', 'size'), `${2n * MiB}`), bind('device_dax', 'dax0.1'));
  t.deepEqual(result(s, bind('device_dax', 'dax0.1')), { ok: false, errno: 'EBUSY' });
  t.deepEqual(result(s, bind('kmem', 'dax0.1')), { ok: false, errno: 'ENODEV' }, 'match is checked before the bound state');
  t.deepEqual(result(s, bind('device_dax', 'dax0.1\n')), { ok: false, errno: 'EBUSY' }, 'the name with a newline is the same device');
});

test('unbind: only the bound driver, by exact name', (t) => {
  const s = must(stateFor([kmemType], { autoOnline: 'offline' }), bind('kmem', 'dax0.0'));
  t.deepEqual(result(s, unbind('device_dax', 'dax0.0')), { ok: false, errno: 'ENODEV' });
  t.deepEqual(result(s, unbind('kmem', 'dax0.9')), { ok: false, errno: 'ENODEV' });
  t.deepEqual(result(s, unbind('kmem', 'dax0.0 ')), { ok: false, errno: 'ENODEV' });
  const after = must(s, unbind('kmem', 'dax0.0\n'));
  t.is(driverOf(after, 'dax0.0'), null);
  t.deepEqual(result(after, unbind('kmem', 'dax0.0')), { ok: false, errno: 'ENODEV' }, 'unbound');
});

test('new_id: canonical names only; the device need not exist; every matching unbound device attaches', (t) => {
  let s = must(stateFor([devType]), create(devType), create(devType), w(devRef('dax0.1', 'size'), `${256n * MiB}`), w(devRef('dax0.2', 'size'), `${256n * MiB}`));
  for (const v of ['dax00.1', ' dax0.1', 'dax0.1x', 'dax0.1 ']) t.deepEqual(result(s, w(drvRef('kmem', 'new_id'), v)), { ok: false, errno: 'EINVAL' }, v);
  t.true(result(s, w(drvRef('kmem', 'new_id'), 'dax-1.0')).ok);
  s = must(s, w(drvRef('kmem', 'new_id'), 'dax0.9'));
  t.is(driverOf(s, 'dax0.1'), null, 'a kmem new_id for another name attaches nothing here');
  s = must(s, w(drvRef('device_dax', 'new_id'), 'dax0.9'));
  t.is(driverOf(s, 'dax0.1'), 'device_dax', 'driver_attach binds every unbound type-matching device');
  t.is(driverOf(s, 'dax0.2'), 'device_dax');
  t.is(driverOf(s, 'dax0.0'), null, 'size 0 fails silently');
});

test('remove_id: format checked, absent entry fine, binding kept', (t) => {
  let s = must(stateFor([kmemType], { autoOnline: 'offline' }), w(drvRef('device_dax', 'new_id'), 'dax0.0'));
  t.deepEqual(result(s, w(drvRef('device_dax', 'remove_id'), 'dax00.0')), { ok: false, errno: 'EINVAL' });
  t.true(result(s, w(drvRef('device_dax', 'remove_id'), 'dax0.77')).ok);
  s = must(s, w(drvRef('device_dax', 'remove_id'), 'dax0.0'));
  t.is(driverOf(s, 'dax0.0'), 'device_dax', 'remove_id unbinds nothing');
  s = must(s, unbind('device_dax', 'dax0.0'));
  t.deepEqual(result(s, bind('device_dax', 'dax0.0')), { ok: false, errno: 'ENODEV' }, 'no longer matches');
});

test('driver and bus write-only files refuse reads', (t) => {
  const s = stateFor([kmemType]);
  for (const attr of ['bind', 'unbind', 'new_id', 'remove_id'] as const) t.deepEqual(result(s, { op: 'read', ref: drvRef('kmem', attr) }), { ok: false, errno: 'EACCES' }, attr);
  t.deepEqual(result(s, { op: 'read', ref: busRef('drivers_probe') }), { ok: false, errno: 'EACCES' });
});

test('drivers_probe: ENODEV for unknown names, success whether or not a driver binds', (t) => {
  let s = must(stateFor([devType]), create(devType));
  t.deepEqual(result(s, w(busRef('drivers_probe'), 'dax0.99')), { ok: false, errno: 'ENODEV' });
  t.true(result(s, w(busRef('drivers_probe'), 'dax0.1')).ok, 'size 0: nothing binds, still success');
  s = must(s, w(devRef('dax0.1', 'size'), `${2n * MiB}`), w(busRef('drivers_probe'), 'dax0.1'));
  t.is(driverOf(s, 'dax0.1'), 'device_dax');
  t.true(result(s, w(busRef('drivers_probe'), 'dax0.1')).ok, 'already bound');
});

test('drivers_probe tries drivers in registration order until one binds', (t) => {
  const setup = (order: DaxDriver[]) =>
    must(stateFor([devType], { driverOrder: order, autoOnline: 'offline' }), create(devType), w(devRef('dax0.1', 'size'), `${256n * MiB}`), w(drvRef('kmem', 'new_id'), 'dax0.7'));
  // With a kmem new_id for dax0.1 both drivers match it; new_id itself binds it, so unbind first.
  for (const [order, first] of [[['device_dax', 'kmem'], 'device_dax'], [['kmem', 'device_dax'], 'kmem']] as const) {
    let s = must(setup([...order]), w(drvRef('kmem', 'new_id'), 'dax0.1'));
    s = must(s, unbind(driverOf(s, 'dax0.1')!, 'dax0.1'), w(busRef('drivers_probe'), 'dax0.1'));
    t.is(driverOf(s, 'dax0.1'), first, order.join(','));
  }
});

test('drivers_autoprobe: first character 0 disables, anything else enables', (t) => {
  let s = stateFor([kmemType]);
  t.is(read(s, busRef('drivers_autoprobe')), '1\n');
  s = must(s, w(busRef('drivers_autoprobe'), '0'));
  t.is(read(s, busRef('drivers_autoprobe')), '0\n');
  s = must(s, w(busRef('drivers_autoprobe'), 'x'));
  t.is(read(s, busRef('drivers_autoprobe')), '1\n');
  s = must(s, w(busRef('drivers_autoprobe'), '0junk'), w(busRef('drivers_autoprobe'), '\0'));
  t.is(read(s, busRef('drivers_autoprobe')), '1\n', 'a NUL first byte is not 0');
});

test('§4.5 matrix on a device-type dynamic region', (t) => {
  const base = must(stateFor([devType], { autoOnline: 'offline' }), create(devType), create(devType), w(devRef('dax0.2', 'size'), `${256n * MiB}`));
  const U0 = base; // dax0.1 unbound size 0
  const Uplus = must(base, w(devRef('dax0.1', 'size'), `${256n * MiB}`));
  const BD = must(Uplus, bind('device_dax', 'dax0.1'));
  const BK = must(Uplus, w(drvRef('kmem', 'new_id'), 'dax0.1'));
  t.is(driverOf(BK, 'dax0.1'), 'kmem');
  const cases: [string, (s: State) => unknown, unknown[]][] = [
    ['size', (s) => result(s, w(devRef('dax0.1', 'size'), `${128n * MiB}`)).ok, [true, true, false, false]],
    ['align', (s) => result(s, w(devRef('dax0.1', 'align'), '4096')).ok, [true, true, false, false]],
    // §4.5 says every kernel takes it bound; intended, mapping refuses a bound device as size and align do.
    ['mapping', (s) => result(s, w(devRef('dax0.1', 'mapping'), mappingValue(B + 3n * GiB, 2n * MiB))).ok, [true, true, false, false]],
    ['mapping (mapping-on-bound-device)', (s) => result(withBugs(s, ['mapping-on-bound-device']), w(devRef('dax0.1', 'mapping'), mappingValue(B + 3n * GiB, 2n * MiB))).ok, [true, true, true, true]],
    ['delete', (s) => result(s, w(regionRef(devType, 'delete'), 'dax0.1')), [{ ok: true }, { ok: false, errno: 'EBUSY' }, { ok: false, errno: 'EBUSY' }, { ok: false, errno: 'EBUSY' }]],
    ['device_dax/bind', (s) => result(s, bind('device_dax', 'dax0.1')), [{ ok: false, errno: 'ENXIO' }, { ok: true }, { ok: false, errno: 'EBUSY' }, { ok: false, errno: 'EBUSY' }]],
    ['device_dax/unbind', (s) => result(s, unbind('device_dax', 'dax0.1')), [{ ok: false, errno: 'ENODEV' }, { ok: false, errno: 'ENODEV' }, { ok: true }, { ok: false, errno: 'ENODEV' }]],
    ['kmem/unbind', (s) => result(s, unbind('kmem', 'dax0.1')), [{ ok: false, errno: 'ENODEV' }, { ok: false, errno: 'ENODEV' }, { ok: false, errno: 'ENODEV' }, { ok: true }]],
  ];
  for (const [what, f, expected] of cases) t.deepEqual([U0, Uplus, BD, BK].map(f), expected, what);
  // kmem/bind without new_id: ENODEV in every state of a device-type region.
  t.deepEqual([U0, Uplus, BD].map((s) => result(s, bind('kmem', 'dax0.1'))), Array(3).fill({ ok: false, errno: 'ENODEV' }));
  t.deepEqual(result(BK, bind('kmem', 'dax0.1')), { ok: false, errno: 'EBUSY' });
});

test('device_dax: a misaligned range start fails EINVAL with a WARNING; a kernel that keeps the stale page map cannot bind it again', (t) => {
  let s = must(withBugs(stateFor([devType]), ['device-dax-probe-keeps-stale-pgmap']), create(devType), w(devRef('dax0.1', 'mapping'), mappingValue(B + 0xf0900000n, 2n * MiB)));
  const first = apply(s, bind('device_dax', 'dax0.1'));
  t.deepEqual(first.result, { ok: false, errno: 'EINVAL' });
  t.regex(first.kernelWarning ?? '', /Misaligned __add_pages/);
  s = first.next;
  t.true(s.devices.get('dax0.1')!.stalePgmap);
  s = must(s, w(devRef('dax0.1', 'size'), '0'), w(devRef('dax0.1', 'mapping'), mappingValue(B + 3n * GiB, 2n * MiB)));
  const again = apply(s, bind('device_dax', 'dax0.1'));
  t.deepEqual(again.result, { ok: false, errno: 'EINVAL' }, 'even after resizing to a clean range');
  t.is(again.kernelWarning, undefined, 'refused before any mapping is attempted');
  s = must(s, w(devRef('dax0.1', 'size'), '0'), w(regionRef(devType, 'delete'), 'dax0.1'), create(devType), w(devRef('dax0.1', 'mapping'), mappingValue(B + 3n * GiB, 2n * MiB)));
  t.true(result(s, bind('device_dax', 'dax0.1')).ok, 'only deleting the device clears it');
  const intended = must(stateFor([devType]), create(devType), w(devRef('dax0.1', 'mapping'), mappingValue(B + 0xf0900000n, 2n * MiB)), w(devRef('dax0.1', 'size'), '0'), w(devRef('dax0.1', 'mapping'), mappingValue(B + 3n * GiB, 2n * MiB)));
  const failedOnce = apply(must(stateFor([devType]), create(devType), w(devRef('dax0.1', 'mapping'), mappingValue(B + 0xf0900000n, 2n * MiB))), bind('device_dax', 'dax0.1')).next;
  t.true(failedOnce.devices.get('dax0.1')!.stalePgmap, 'the failed probe is remembered either way');
  t.true(result(intended, bind('device_dax', 'dax0.1')).ok, 'intended: a clean range binds');
});

test('device_dax over leaked kmem memory: EBUSY on the first probe, EINVAL after (stale page map); new_id performs that first probe', (t) => {
  const kt = hmem({ start: B, size: 4n * GiB, driver: 'kmem' });
  let s = must(withBugs(stateFor([kt]), ['device-dax-probe-keeps-stale-pgmap']), unbind('kmem', 'dax0.0')); // blocks online: the memory leaks
  t.is(observe(s).iomem.length, 2, 'daxR.N and System RAM (kmem) stay');
  t.deepEqual(result(s, bind('kmem', 'dax0.0')), { ok: false, errno: 'EBUSY' }, 'kmem cannot reserve it again');
  s = must(s, w(drvRef('device_dax', 'new_id'), 'dax0.0'));
  t.is(driverOf(s, 'dax0.0'), null);
  t.deepEqual(result(s, bind('device_dax', 'dax0.0')), { ok: false, errno: 'EINVAL' });
  // The dax allocator does not know about the leak: another device gets the range, and kmem refuses it.
  s = must(s, w(devRef('dax0.0', 'size'), '0'), create(kt), w(devRef('dax0.1', 'size'), `${256n * MiB}`));
  t.is(s.devices.get('dax0.1')!.ranges[0]!.start, B);
  t.deepEqual(result(s, w(drvRef('kmem', 'bind'), 'dax0.1')), { ok: false, errno: 'EBUSY' });
  const fresh = apply(s, w(drvRef('device_dax', 'new_id'), 'dax0.1')).next;
  t.true(fresh.devices.get('dax0.1')!.stalePgmap);
});

test('a successful device_dax bind, unbind, resize and rebind works (pgmap cleared on unbind)', (t) => {
  let s = must(stateFor([devType]), create(devType), w(devRef('dax0.1', 'size'), `${8n * MiB}`), bind('device_dax', 'dax0.1'), unbind('device_dax', 'dax0.1'));
  s = must(s, w(devRef('dax0.1', 'size'), `${4n * MiB}`), bind('device_dax', 'dax0.1'));
  t.is(driverOf(s, 'dax0.1'), 'device_dax');
  t.deepEqual(observe(s).iomem, [{ start: B, end: B + 4n * MiB - 1n, name: 'dax0.1', parent: 'Soft Reserved' }]);
});

test('static devices: kmem only through new_id; device_dax rebinds after unbind', (t) => {
  let s = stateFor([stat], { autoOnline: 'offline' });
  t.is(driverOf(s, 'dax1.0'), 'device_dax');
  t.deepEqual(result(s, bind('kmem', 'dax1.0')), { ok: false, errno: 'ENODEV' }, 'while device_dax-bound');
  s = must(s, unbind('device_dax', 'dax1.0'));
  t.deepEqual(result(s, bind('kmem', 'dax1.0')), { ok: false, errno: 'ENODEV' }, 'pmem regions are device-type');
  s = must(s, w(drvRef('kmem', 'new_id'), 'dax1.0'));
  t.is(driverOf(s, 'dax1.0'), 'kmem');
  s = must(s, unbind('kmem', 'dax1.0'), bind('device_dax', 'dax1.0'));
  t.is(driverOf(s, 'dax1.0'), 'device_dax', 'static devices keep the provider page map: no stale state');
});

test('new_id lists hold a name once; probe warnings from new_id surface although the write succeeds', (t) => {
  let s = must(stateFor([kmemType], { autoOnline: 'offline' }), w(devRef('dax0.0', 'size'), '0'), create(kmemType));
  s = must(s, w(drvRef('device_dax', 'new_id'), 'dax0.1'), w(drvRef('device_dax', 'new_id'), 'dax0.1\n'));
  t.deepEqual([...s.newIds.device_dax], ['dax0.1']);
  const removed = must(s, w(drvRef('device_dax', 'remove_id'), 'dax0.1'), w(devRef('dax0.1', 'size'), `${2n * MiB}`));
  t.deepEqual(result(removed, bind('device_dax', 'dax0.1')), { ok: false, errno: 'ENODEV' }, 'one remove_id drops the only entry');
  s = must(s, w(devRef('dax0.1', 'mapping'), mappingValue(B + 0xf0900000n, 2n * MiB)));
  const again = apply(s, w(drvRef('device_dax', 'new_id'), 'dax0.1'));
  t.deepEqual(again.result, { ok: true });
  t.regex(again.kernelWarning ?? '', /Misaligned __add_pages/);
  t.is(driverOf(again.next, 'dax0.1'), null);
});
