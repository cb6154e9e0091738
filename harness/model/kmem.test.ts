// kmem bind/unbind (spec §4.2, §4.3) and the memory blocks it creates: alignment to blocks, the online
// policy and zones, MemTotal with and without memmap_on_memory, leaks, and block state writes.
import test from 'ava';
import { withBugs } from './bugs.ts';
import { apply } from './apply.ts';
import { checkStateInvariants } from './invariants.ts';
import { observe } from './observe.ts';
import type { State } from './state.ts';
import { GiB, KiB, MiB, autoOnlineRef, blockRef, cxl, devRef, drvRef, hmem, mappingValue, must, pmem, read, regionRef, result, stateFor, step, w } from './testing/fixtures.ts';
import { fail } from './ops.ts';
import { probedAndRemoved } from './drivers.ts';

const BLOCK = 128n * MiB;
const B = 4n * GiB;
const BOOT_KIB = 2n * GiB / KiB;
/** A device-type dynamic region: devices are carved out and handed to kmem with new_id. */
const region = hmem({ start: B, size: 4n * GiB, initial: 'empty', kmemDefault: false });
const create = w(regionRef(region, 'create'), '1');
const mapping = (start: bigint, len: bigint) => w(devRef('dax0.1', 'mapping'), mappingValue(start, len));
const toKmem = w(drvRef('kmem', 'new_id'), 'dax0.1');
const unbindKmem = w(drvRef('kmem', 'unbind'), 'dax0.1');
const blockIndex = (addr: bigint) => Number(addr / BLOCK);

function blocks(s: State) {
  return observe(s).memoryBlocks.map((b) => [b.index, b.state, b.zone, b.node] as const);
}

test('kmem bind adds only the block-aligned part of each range, and onlines it per policy', (t) => {
  // Range 1 starts 2 MiB into a block and ends 2 MiB into another: only the two whole blocks between count.
  const r1 = { start: B + 2n * MiB, len: 3n * BLOCK };
  let s = must(stateFor([region]), create, mapping(r1.start, r1.len), toKmem);
  const first = B + BLOCK;
  const last = B + 3n * BLOCK - 1n;
  t.deepEqual(blocks(s), [
    [blockIndex(first), 'online', 'Normal', 1],
    [blockIndex(first) + 1, 'online', 'Normal', 1],
  ]);
  t.deepEqual(observe(s).iomem, [
    { start: first, end: last, name: 'dax0.1', parent: 'Soft Reserved' },
    { start: first, end: last, name: 'System RAM (kmem)', parent: 'dax0.1' },
  ]);
  t.is(observe(s).memTotalKiB, BOOT_KIB + (2n * BLOCK) / KiB);
  t.deepEqual(checkStateInvariants(s), []);
  s = must(s, w(blockRef(blockIndex(first)), 'offline'), w(blockRef(blockIndex(first) + 1), 'offline'), unbindKmem);
  t.deepEqual(blocks(s), [], 'all offline: unbind removes the memory');
  t.deepEqual(observe(s).iomem, []);
  t.is(observe(s).memTotalKiB, BOOT_KIB);
});

test('kmem bind refuses: nothing fits a block, no target node, size 0', (t) => {
  let s = must(stateFor([region]), create, mapping(B + 7n * BLOCK, 2n * MiB));
  t.deepEqual(result(s, w(drvRef('kmem', 'new_id'), 'dax0.1')), { ok: true }, 'new_id swallows the probe error');
  s = must(s, toKmem);
  t.is(s.devices.get('dax0.1')!.binding, null);
  t.deepEqual(result(s, w(drvRef('kmem', 'bind'), 'dax0.1')), { ok: false, errno: 'EINVAL' });

  const noNode = hmem({ start: B, size: 4n * GiB, initial: 'empty', kmemDefault: false, targetNode: null, numaNode: -1 });
  let n = must(stateFor([noNode]), w(regionRef(noNode, 'create'), '1'), w(devRef('dax0.1', 'size'), `${BLOCK}`), w(drvRef('kmem', 'new_id'), 'dax0.1'));
  t.deepEqual(result(n, w(drvRef('kmem', 'bind'), 'dax0.1')), { ok: false, errno: 'EINVAL' }, 'rejecting DAX region with invalid node');
  n = must(n, w(devRef('dax0.1', 'size'), '0'));
  t.deepEqual(result(n, w(drvRef('kmem', 'bind'), 'dax0.1')), { ok: false, errno: 'ENXIO' });
});

test('policy offline: blocks added offline, MemTotal unchanged; online_movable: Movable', (t) => {
  let s = must(stateFor([region], { autoOnline: 'offline' }), create, w(devRef('dax0.1', 'size'), `${2n * BLOCK}`), toKmem);
  t.deepEqual(blocks(s).map(([, st, z]) => [st, z]), [['offline', 'none'], ['offline', 'none']]);
  t.is(observe(s).memTotalKiB, BOOT_KIB);
  s = must(stateFor([region], { autoOnline: 'online_movable' }), create, w(devRef('dax0.1', 'size'), `${2n * BLOCK}`), toKmem);
  t.deepEqual(blocks(s).map(([, st, z]) => [st, z]), [['online', 'Movable'], ['online', 'Movable']]);
});

test('auto_online_blocks: the four names with an optional newline; anything else EINVAL', (t) => {
  let s = stateFor([region], { autoOnline: 'online' });
  t.is(read(s, autoOnlineRef), 'online\n');
  for (const v of ['offline', 'online_kernel', 'online_movable\n', 'online']) {
    s = must(s, w(autoOnlineRef, v));
    t.is(read(s, autoOnlineRef), `${v.trim()}\n`);
  }
  for (const v of ['on', 'Online', 'online ', 'movable', 'offline\n\n']) t.deepEqual(result(s, w(autoOnlineRef, v)), { ok: false, errno: 'EINVAL' }, JSON.stringify(v));
});

test('memory block state: online/offline/online_movable/online_kernel; same state or garbage EINVAL', (t) => {
  let s = must(stateFor([region], { autoOnline: 'offline' }), create, w(devRef('dax0.1', 'size'), `${BLOCK}`), toKmem);
  const idx = blockIndex(B);
  t.is(read(s, blockRef(idx)), 'offline\n');
  t.deepEqual(result(s, w(blockRef(idx), 'offline')), { ok: false, errno: 'EINVAL' }, 'already offline');
  for (const v of ['garbage', 'Online', '']) t.is(result(s, w(blockRef(idx), v)).ok, v === '', JSON.stringify(v));
  s = must(s, w(blockRef(idx), 'online_movable'));
  t.deepEqual(blocks(s)[0], [idx, 'online', 'Movable', 1]);
  t.is(observe(s).memTotalKiB, BOOT_KIB + BLOCK / KiB);
  t.deepEqual(result(s, w(blockRef(idx), 'online')), { ok: false, errno: 'EINVAL' }, 'already online');
  s = must(s, w(blockRef(idx), 'offline\n'), w(blockRef(idx), 'online_kernel'));
  t.deepEqual(blocks(s)[0], [idx, 'online', 'Normal', 1]);
  t.deepEqual(result(s, { op: 'read', ref: blockRef(idx + 1) }), { ok: false, errno: 'ENOENT' }, 'only hot-added blocks are modelled');
});

test('offlining a block by hand: in a kernel zone EBUSY (unmovable page) or EINTR (retried until signalled) may leave it online; in ZONE_MOVABLE neither', (t) => {
  const bound = must(stateFor([region], { autoOnline: 'offline' }), create, w(devRef('dax0.1', 'size'), `${BLOCK}`), toKmem);
  const idx = blockIndex(B);
  const kernel = must(bound, w(blockRef(idx), 'online_kernel'));
  const out = step(kernel, w(blockRef(idx), 'offline'));
  t.deepEqual(out.result, { ok: true });
  t.deepEqual(out.alternatives?.map((a) => [a.id, a.result]), [['memblock-offline-busy', fail('EBUSY')], ['memblock-offline-interrupted', fail('EINTR')]]);
  for (const a of out.alternatives!) t.is(a.next, kernel, `${a.id}: the block stays online`);
  t.is(step(must(bound, w(blockRef(idx), 'online_movable')), w(blockRef(idx), 'offline')).alternatives, undefined);
});

test('`online` inherits a zone only when exactly one zone span covers the block (contig-zones)', (t) => {
  let s = must(stateFor([region], { autoOnline: 'offline' }), create, w(devRef('dax0.1', 'size'), `${4n * BLOCK}`), toKmem);
  const b0 = blockIndex(B);
  s = must(s, w(blockRef(b0), 'online_movable'), w(blockRef(b0 + 2), 'online_movable'));
  s = must(s, w(blockRef(b0 + 1), 'online'));
  t.is(blocks(s)[1]![2], 'Movable', 'inside the Movable span, outside any kernel zone');
  s = must(s, w(blockRef(b0 + 3), 'online'));
  t.is(blocks(s)[3]![2], 'Normal', 'beyond the Movable span');
  // A boot Normal span over the same addresses makes both zones intersect: the kernel zone wins.
  let z = must(
    stateFor([region], { autoOnline: 'offline', bootZoneSpans: [{ node: 1, zone: 'Normal', start: B - GiB, end: B + 8n * GiB - 1n }] }),
    create, w(devRef('dax0.1', 'size'), `${3n * BLOCK}`), toKmem,
  );
  z = must(z, w(blockRef(b0), 'online_movable'), w(blockRef(b0 + 2), 'online_movable'), w(blockRef(b0 + 1), 'online'));
  t.is(blocks(z)[1]![2], 'Normal');
});

test('memmap_on_memory: effective only with the device flag and the boot parameter', (t) => {
  const memmapKiB = (BLOCK / 4096n) * 64n / KiB; // struct page per 4 KiB page
  for (const [param, flag, perBlockKiB] of [
    ['Y', false, BLOCK / KiB],
    ['Y', true, BLOCK / KiB - memmapKiB],
    ['force', true, BLOCK / KiB - memmapKiB],
  ] as const) {
    let s = must(stateFor([region], { memmapOnMemoryParam: param }), create, w(devRef('dax0.1', 'size'), `${8n * BLOCK}`));
    if (flag) s = must(s, w(devRef('dax0.1', 'memmap_on_memory'), '1'));
    s = must(s, toKmem);
    t.is(observe(s).memTotalKiB - BOOT_KIB, 8n * perBlockKiB, `${param} flag=${flag}`);
    s = must(s, ...Array.from({ length: 8 }, (_, i) => w(blockRef(blockIndex(B) + i), 'offline')));
    t.is(observe(s).memTotalKiB, BOOT_KIB);
  }
});

test('the CXL default (memmap_on_memory 1): 1 GiB adds 1008 MiB with the parameter Y, 1024 MiB with N', (t) => {
  const region1 = cxl({ start: 0x110000000n, size: 1n * GiB, driver: null });
  for (const [param, addedMiB] of [['Y', 1008n], ['N', 1024n]] as const) {
    const s = must(stateFor([region1], { memmapOnMemoryParam: param }), w(drvRef('kmem', 'bind'), 'dax0.0'));
    t.is(observe(s).memTotalKiB - BOOT_KIB, addedMiB * MiB / KiB, param);
    t.deepEqual(observe(s).iomem.map((e) => e.parent), ['region0', 'dax0.0']);
  }
});

test('a bind undone by remove right after probe (probedAndRemoved): offline memory goes, online memory stays as with an unbind', (t) => {
  const sized = (policy: 'offline' | 'online') => must(stateFor([region], { autoOnline: policy }), create, w(devRef('dax0.1', 'size'), `${2n * BLOCK}`), toKmem, unbindKmem);
  const gone = probedAndRemoved(sized('offline'), 'kmem', 'dax0.1');
  t.deepEqual([blocks(gone), observe(gone).iomem.length, gone.devices.get('dax0.1')!.binding], [[], 0, null]);
  const stuck = probedAndRemoved(sized('online'), 'kmem', 'dax0.1');
  t.deepEqual(blocks(stuck), [[blockIndex(B), 'online', 'Normal', 1], [blockIndex(B) + 1, 'online', 'Normal', 1]]);
  t.deepEqual(observe(stuck).iomem.map((e) => e.name), ['dax0.1', 'System RAM (kmem)']);
  t.is(stuck.devices.get('dax0.1')!.binding, null);
  t.is(probedAndRemoved(stuck, 'kmem', 'dax0.1'), stuck, 'a probe that fails changes nothing');
});

test('unbind with an online block leaks the range until reboot; other ranges are still removed', (t) => {
  let s = must(stateFor([region], { autoOnline: 'offline' }), create, mapping(B, BLOCK), mapping(B + 2n * GiB, BLOCK), toKmem);
  const [a, b] = [blockIndex(B), blockIndex(B + 2n * GiB)];
  s = must(s, w(blockRef(b), 'online'), unbindKmem);
  t.is(s.devices.get('dax0.1')!.binding, null, 'unbind succeeds anyway');
  t.deepEqual(blocks(s), [[b, 'online', 'Normal', 1]]);
  t.deepEqual(observe(s).iomem.map((e) => [e.name, e.start]), [['dax0.1', B + 2n * GiB], ['System RAM (kmem)', B + 2n * GiB]]);
  t.is(observe(s).memTotalKiB, BOOT_KIB + BLOCK / KiB);
  t.not(a, b);
  // Offlining afterwards does not remove it, and kmem cannot take it back.
  s = must(s, w(blockRef(b), 'offline'));
  t.deepEqual(blocks(s), [[b, 'offline', 'none', 1]]);
  const rebind = apply(s, w(drvRef('kmem', 'bind'), 'dax0.1'));
  t.true(rebind.result.ok, 'the first range is free again, so the second conflict is only skipped');
  t.deepEqual(blocks(rebind.next).map(([i]) => i), [a, b]);
  t.deepEqual(checkStateInvariants(rebind.next), []);
});

test('a conflict on the first usable range is EBUSY; later ones are skipped', (t) => {
  let s = must(stateFor([region]), create, mapping(B, BLOCK), toKmem, unbindKmem); // online → leaked
  s = must(s, w(devRef('dax0.1', 'size'), '0'), mapping(B, BLOCK));
  t.deepEqual(result(s, w(drvRef('kmem', 'bind'), 'dax0.1')), { ok: false, errno: 'EBUSY' });
});

test('without CONFIG_MEMORY_HOTREMOVE unbind never removes memory', (t) => {
  let s = must(stateFor([region], { autoOnline: 'offline', memoryHotremove: false }), create, w(devRef('dax0.1', 'size'), `${BLOCK}`), toKmem, unbindKmem);
  t.is(blocks(s).length, 1);
  t.is(observe(s).iomem.length, 2);
  s = must(s, w(devRef('dax0.1', 'size'), '0'));
  t.deepEqual(checkStateInvariants(s), []);
});

test('a range appended with `mapping` while kmem-bound (mapping-on-bound-device) is ignored by unbind', (t) => {
  let s = must(withBugs(stateFor([region], { autoOnline: 'offline' }), ['mapping-on-bound-device']), create, mapping(B, BLOCK), toKmem, mapping(B + GiB, BLOCK));
  t.is(blocks(s).length, 1, 'the driver was not told');
  s = must(s, unbindKmem);
  t.deepEqual(blocks(s), []);
  t.deepEqual(observe(s).iomem, []);
});

test('static device to kmem (daxctl reconfigure-device): only the block-aligned part, under the pmem parent', (t) => {
  const stat = pmem({ start: 4n * GiB + 2n * MiB, size: 512n * MiB - 2n * MiB });
  const s = must(stateFor([stat], { autoOnline: 'offline' }), w(drvRef('device_dax', 'unbind'), 'dax0.0'), w(drvRef('kmem', 'new_id'), 'dax0.0'));
  const first = 4n * GiB + BLOCK;
  t.deepEqual(observe(s).iomem, [
    { start: first, end: 4n * GiB + 512n * MiB - 1n, name: 'dax0.0', parent: 'Persistent Memory (legacy)' },
    { start: first, end: 4n * GiB + 512n * MiB - 1n, name: 'System RAM (kmem)', parent: 'dax0.0' },
  ]);
  t.is(blocks(s).length, 3);
});
