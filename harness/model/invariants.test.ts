// Each §5 invariant is reported when an observation breaks it.
import test from 'ava';
import { checkInvariants, checkStateInvariants } from './invariants.ts';
import type { Observation, ObservedDevice } from './observation.ts';
import { observe } from './observe.ts';
import { GiB, MiB, cxl, devRef, drvRef, hmem, must, pmem, regionRef, stateFor, w } from './testing/fixtures.ts';

const BLOCK = 128n * MiB;
const region = hmem({ start: 4n * GiB, size: 2n * GiB, initial: 'empty', kmemDefault: false });
const good = observe(
  must(
    stateFor([region, cxl({ id: 1, start: 16n * GiB, size: 1n * GiB, host: '/sys/devices/test/cxl1' }), pmem({ id: 2, start: 20n * GiB, size: 512n * MiB })]),
    w(regionRef(region, 'create'), '1'),
    w(regionRef(region, 'create'), '1'),
    w(devRef('dax0.1', 'size'), `${256n * MiB}`),
    w(devRef('dax0.2', 'size'), `${2n * MiB}`),
    w(drvRef('device_dax', 'bind'), 'dax0.2'),
  ),
);

/** `good` with one device changed. */
function withDevice(name: string, change: (d: ObservedDevice) => ObservedDevice): Observation {
  return { ...good, devices: good.devices.map((d) => (d.name === name ? change(d) : d)) };
}

test('a consistent observation has no violations', (t) => {
  t.deepEqual(checkInvariants(good, { blockSize: BLOCK }), []);
});

test('region: size = available + device sizes; ranges disjoint and inside; id 0 present', (t) => {
  const grown = withDevice('dax0.1', (d) => ({ ...d, size: d.size + 2n * MiB, mappings: [d.mappings[0]!, { start: 5n * GiB, end: 5n * GiB + 2n * MiB - 1n, pageOffset: 0x10000n }] }));
  t.true(checkInvariants(grown).some((v) => v.includes('available_size')));
  const overlap = withDevice('dax0.2', (d) => ({ ...d, resource: 4n * GiB, mappings: [{ start: 4n * GiB, end: 4n * GiB + 2n * MiB - 1n, pageOffset: 0n }] }));
  t.true(checkInvariants(overlap).some((v) => v.includes('overlaps')));
  const outside = withDevice('dax0.1', (d) => ({ ...d, resource: 3n * GiB, mappings: [{ start: 3n * GiB, end: 3n * GiB + 256n * MiB - 1n, pageOffset: 0n }] }));
  t.true(checkInvariants(outside).some((v) => v.includes('outside the region')));
  const noZero = { ...good, devices: good.devices.filter((d) => d.name !== 'dax0.0') };
  t.true(checkInvariants(noZero).some((v) => v.includes('id 0 is missing')));
});

test('seed and create must name devices of the region; the seed unbound and not id 0', (t) => {
  const set = (seed: string | null, create: string | null): Observation => ({
    ...good,
    regions: good.regions.map((r) => (r.dynamic && r.host.endsWith('hmem0') ? { ...r, dynamic: { ...r.dynamic, seed, create } } : r)),
  });
  t.true(checkInvariants(set('dax0.2', null)).some((v) => v.includes('bound')));
  t.true(checkInvariants(set('dax0.0', null)).some((v) => v.includes('id 0')));
  t.true(checkInvariants(set('dax0.9', null)).some((v) => v.includes('not a device')));
  t.true(checkInvariants(set(null, 'dax1.0')).some((v) => v.includes('create names')));
});

test('device: size is the sum of mappings, page offsets are prefix sums, resource is mapping0, bound needs size', (t) => {
  t.true(checkInvariants(withDevice('dax0.1', (d) => ({ ...d, size: d.size + 1n }))).some((v) => v.includes('sum of mapping lengths')));
  t.true(checkInvariants(withDevice('dax0.1', (d) => ({ ...d, mappings: [{ ...d.mappings[0]!, pageOffset: 1n }] }))).some((v) => v.includes('page_offset')));
  t.true(checkInvariants(withDevice('dax0.1', (d) => ({ ...d, resource: d.resource + 1n }))).some((v) => v.includes('resource')));
  t.true(checkInvariants(withDevice('dax0.0', (d) => ({ ...d, driver: 'kmem' }))).some((v) => v.includes('with size 0')));
  t.true(checkInvariants(withDevice('dax0.1', (d) => ({ ...d, align: 8192n }))).some((v) => v.includes('align')));
  t.true(checkInvariants(withDevice('dax2.0', (d) => ({ ...d, size: 0n, mappings: [] }))).some((v) => v.includes('static device')));
  t.true(checkInvariants(withDevice('dax0.1', (d) => ({ ...d, targetNode: 3 }))).some((v) => v.includes('target_node')));
});

test('iomem: device_dax entries match its ranges; kmem pairs nest; blocks lie in kmem memory', (t) => {
  const noEntry = { ...good, iomem: good.iomem.filter((e) => e.name !== 'dax0.2') };
  t.true(checkInvariants(noEntry).some((v) => v.includes('without any iomem entry')));
  const noRam = { ...good, iomem: good.iomem.filter((e) => e.name !== 'System RAM (kmem)') };
  const v = checkInvariants(noRam, { blockSize: BLOCK });
  t.true(v.some((x) => x.includes('bound to kmem without any System RAM')));
  t.true(v.some((x) => x.includes('not inside any System RAM')));
  const missingBlock = { ...good, memoryBlocks: good.memoryBlocks.slice(1) };
  t.true(checkInvariants(missingBlock, { blockSize: BLOCK }).some((x) => x.includes('lacks memory')));
  const zoneless = { ...good, memoryBlocks: good.memoryBlocks.map((b) => ({ ...b, zone: 'none' as const })) };
  t.true(checkInvariants(zoneless).some((x) => x.includes('with zone none')));
  const reversed = { ...good, iomem: [...good.iomem].reverse() };
  t.true(checkInvariants(reversed).length > 0);
});

test('state invariants hold on a freshly built state and catch an inconsistent one', (t) => {
  const s = stateFor([region]);
  t.deepEqual(checkStateInvariants(s), []);
  const dup = { ...s, devices: new Map(s.devices).set('dax0.5', { ...s.devices.get('dax0.0')!, name: 'dax0.5' }) };
  t.true(checkStateInvariants(dup).some((v) => v.includes('held twice')));
});
