// Starting from an inventory (init.ts, inventory.ts) and observing (observe.ts).
import test from 'ava';
import { withBugs } from './bugs.ts';
import { apply } from './apply.ts';
import { initState } from './init.ts';
import { modelInventoryFromObservation, type RegionFacts } from './inventory.ts';
import { checkStateInvariants } from './invariants.ts';
import { observe } from './observe.ts';
import { profileFor } from './profiles.ts';
import { GiB, KiB, MiB, R612, cxl, devRef, drvRef, hmem, hostOf, inventoryFor, mappingValue, must, pmem, regionRef, stateFor, w } from './testing/fixtures.ts';

const BLOCK = 128n * MiB;
const facts = (over: Partial<Parameters<typeof profileFor>[1]> = {}) => ({ memmapOnMemoryParam: 'Y' as const, blockSize: BLOCK, autoOnline: 'online' as const, ...over });

test('a CXL guest right after create-region: observe() reproduces the inventory', (t) => {
  const region = cxl({ id: 0, start: 0x110000000n, size: 1n * GiB, numaNode: -1 });
  const inv = inventoryFor([region]);
  const s = initState(inv, profileFor(R612, facts()));
  const obs = observe(s);
  t.deepEqual(obs.devices, inv.devices);
  t.deepEqual(obs.iomem, inv.iomem);
  t.deepEqual(obs.memoryBlocks, inv.blocks);
  t.is(obs.memTotalKiB, inv.memTotalKiB);
  t.deepEqual(obs.regions, [{ host: hostOf(region), id: 0, size: GiB, align: 2n * MiB, dynamic: { availableSize: 0n, seed: null, create: null } }]);
  t.deepEqual(checkStateInvariants(s), []);
  // Its blocks carry their memmap (flag 1, parameter Y): offlining one takes back the block minus 2 MiB.
  const idx = inv.blocks[0]!.index;
  const after = must(s, w({ kind: 'memblock', index: idx, attr: 'state' }, 'offline'));
  t.is(observe(after).memTotalKiB, inv.memTotalKiB - (BLOCK - 2n * MiB) / KiB);
});

test('leaked kmem memory in the inventory is recognised and blocks kmem', (t) => {
  const region = hmem({ start: 4n * GiB, size: 1n * GiB, driver: 'kmem' });
  const inv = inventoryFor([region]);
  const unbound = { ...inv, devices: inv.devices.map((d) => ({ ...d, driver: null })) };
  const s = initState(unbound, profileFor(R612, facts()));
  t.is(s.leaked.length, 1);
  t.deepEqual(observe(s).iomem, inv.iomem);
  t.deepEqual(apply(s, w(drvRef('kmem', 'bind'), 'dax0.0')).result, { ok: false, errno: 'EBUSY' });
  t.deepEqual(checkStateInvariants(s), []);
});

test('device_dax claims are what iomem shows, not every current range', (t) => {
  const region = hmem({ start: 4n * GiB, size: 2n * GiB, initial: 'empty', kmemDefault: false });
  // A range appended while bound, as every kernel so far allows (mapping-on-bound-device).
  let s = must(withBugs(stateFor([region]), ['mapping-on-bound-device']), w(regionRef(region, 'create'), '1'), w(devRef('dax0.1', 'size'), `${2n * MiB}`), w(drvRef('device_dax', 'bind'), 'dax0.1'));
  s = must(s, w(devRef('dax0.1', 'mapping'), mappingValue(5n * GiB, 2n * MiB)));
  const obs = observe(s);
  const regionFacts = new Map<string, RegionFacts>([[hostOf(region), { provider: 'hmem', start: 4n * GiB, iomemParent: 'Soft Reserved', kmemDefault: false }]]);
  const inv = modelInventoryFromObservation(obs, regionFacts, { blockSize: BLOCK, driversAutoprobe: true });
  const again = initState(inv, s.profile);
  t.deepEqual(observe(again), obs);
  t.deepEqual(again.devices.get('dax0.1')!.binding, s.devices.get('dax0.1')!.binding);
  t.deepEqual(again.regions.get(hostOf(region)), s.regions.get(hostOf(region)));
});

test('inventory errors name the problem', (t) => {
  const region = hmem({ start: 4n * GiB, size: 1n * GiB, driver: 'device_dax' });
  const inv = inventoryFor([region]);
  t.throws(() => initState(inv, profileFor(R612, facts({ blockSize: 256n * MiB }))), { message: /block size/ });
  const orphan = { ...inv, devices: inv.devices.map((d) => ({ ...d, driver: null })) };
  t.throws(() => initState(orphan, profileFor(R612, facts())), { message: /not held by a device_dax- or fsdev_dax-bound device/ });
  const stray = { ...inv, devices: [...inv.devices, { ...inv.devices[0]!, name: 'dax7.0', host: '/sys/devices/nowhere' }] };
  t.throws(() => initState(stray, profileFor(R612, facts())), { message: /unknown region/ });
  t.throws(() => modelInventoryFromObservation(observe(initState(inv, profileFor(R612, facts()))), new Map(), { blockSize: BLOCK, driversAutoprobe: true }), { message: /no region facts/ });
});

test('observe: regions by host, devices in natural order, iomem by address', (t) => {
  const a = hmem({ id: 1, start: 8n * GiB, size: 1n * GiB, initial: 'empty', kmemDefault: false, host: '/sys/devices/b' });
  const b = pmem({ id: 0, start: 4n * GiB, size: 512n * MiB, host: '/sys/devices/a' });
  let s = stateFor([a, b]);
  const create = w(regionRef(a, 'create'), '1');
  for (let i = 0; i < 10; i++) s = must(s, create);
  s = must(s, w(devRef('dax1.10', 'size'), `${2n * MiB}`), w(drvRef('device_dax', 'bind'), 'dax1.10'));
  const obs = observe(s);
  t.deepEqual(obs.regions.map((r) => r.host), ['/sys/devices/a', '/sys/devices/b']);
  t.deepEqual(obs.devices.map((d) => d.name), ['dax0.0', 'dax1.0', 'dax1.1', 'dax1.2', 'dax1.3', 'dax1.4', 'dax1.5', 'dax1.6', 'dax1.7', 'dax1.8', 'dax1.9', 'dax1.10']);
  t.deepEqual(obs.iomem.map((e) => [e.name, e.start, e.parent]), [['dax0.0', 4n * GiB, 'Persistent Memory (legacy)'], ['dax1.10', 8n * GiB, 'Soft Reserved']]);
});
