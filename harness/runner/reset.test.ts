import test from 'ava';
import type { Observation, ObservedDevice } from '../model/observation.ts';
import { describeOp, type Op } from '../model/ops.ts';
import { newIdsOf, undoOps } from './reset.ts';

const host = '/sys/devices/platform/hmem.0';
const G = 1n << 30n;
const dev = (name: string, size: bigint, driver: ObservedDevice['driver'], extra: Partial<ObservedDevice> = {}): ObservedDevice => ({
  name, host, size, align: 2097152n, targetNode: 1, numaNode: 0, resource: 0x100000000n, modalias: 'dax:t0', memmapOnMemory: false, state: null, driver,
  mappings: size ? [{ start: 0x100000000n, end: 0x100000000n + size - 1n, pageOffset: 0n }] : [], ...extra,
});
const obs = (devices: ObservedDevice[], blocks: number[] = []): Observation => ({
  regions: [], devices, iomem: [], memTotalKiB: 0n,
  memoryBlocks: blocks.map((index) => ({ index, state: 'online' as const, node: 1, zone: 'Normal' as const })),
});

test('nothing changed: only the invisible settings are restored', (t) => {
  const boot = obs([dev('dax0.0', G, 'kmem')], [32, 33]);
  t.deepEqual(undoOps(boot, boot, 128n << 20n, [], 'online').map(describeOp), ['write memory/auto_online_blocks "online"', 'write bus/drivers_autoprobe "1"']);
});

test('a shrunk, unbound provider device and a created one are put back in the order the kernel needs', (t) => {
  const boot = obs([dev('dax0.0', G, 'kmem')], [32, 33, 34, 35, 36, 37, 38, 39]);
  const now = obs([dev('dax0.0', G / 2n, null), dev('dax0.1', 2n << 20n, 'device_dax', { mappings: [{ start: 0x140000000n, end: 0x1401fffffn, pageOffset: 0n }] })]);
  t.deepEqual(undoOps(now, boot, 128n << 20n, [{ driver: 'device_dax', name: 'dax0.1' }], 'online').map(describeOp), [
    'write memory/auto_online_blocks "online"',
    'write bus/drivers_autoprobe "1"',
    'write drivers/device_dax/remove_id "dax0.1"',
    'write drivers/device_dax/unbind "dax0.1"',
    'write dax0.1/size "0"',
    'write hmem.0/dax_region/delete "dax0.1"',
    'write dax0.0/size "0"',
    `write dax0.0/size "${G}"`,
    'write drivers/kmem/bind "dax0.0"',
  ]);
});

test("the new_id entries a case wrote are removed from the driver each was written to, fsdev_dax's too", (t) => {
  const nid = (driver: 'device_dax' | 'kmem' | 'fsdev_dax', name: string): Op => ({ op: 'write', ref: { kind: 'driver', driver, attr: 'new_id' }, value: name });
  const ids = newIdsOf([nid('fsdev_dax', 'dax0.0'), nid('kmem', 'dax0.1'), nid('fsdev_dax', 'dax0.0'), { op: 'write', ref: { kind: 'driver', driver: 'kmem', attr: 'bind' }, value: 'dax0.2' }]);
  t.deepEqual(ids, [{ driver: 'fsdev_dax', name: 'dax0.0' }, { driver: 'kmem', name: 'dax0.1' }]);
  const boot = obs([dev('dax0.0', G, 'kmem')], []);
  t.deepEqual(undoOps(boot, boot, 128n << 20n, ids, 'online').map(describeOp).slice(2), ['write drivers/fsdev_dax/remove_id "dax0.0"', 'write drivers/kmem/remove_id "dax0.1"']);
});

test('a kmem device that moved to device_dax is offlined nowhere (no blocks) and rebound to kmem', (t) => {
  const boot = obs([dev('dax0.0', G, 'kmem', { memmapOnMemory: true })], [32]);
  const now = obs([dev('dax0.0', G, 'device_dax', { memmapOnMemory: false, align: 4096n })]);
  const ops = undoOps(now, boot, 128n << 20n, [], 'online').map(describeOp);
  t.deepEqual(ops.slice(2), ['write drivers/device_dax/unbind "dax0.0"', 'write dax0.0/align "2097152"', 'write dax0.0/memmap_on_memory "1"', 'write drivers/kmem/bind "dax0.0"']);
});

test('blocks a case offlined or moved under a kmem binding it kept are onlined back into their boot zone', (t) => {
  const boot = obs([dev('dax0.0', G, 'kmem')], [32, 33, 34]);
  const now: Observation = {
    ...boot,
    memoryBlocks: [
      { index: 32, state: 'online', node: 1, zone: 'Movable' },
      { index: 33, state: 'offline', node: 1, zone: 'none' },
      { index: 34, state: 'online', node: 1, zone: 'Normal' },
    ],
  };
  t.deepEqual(undoOps(now, boot, 128n << 20n, [], 'online').map(describeOp).slice(2), ['write memory32/state "offline"', 'write memory32/state "online_kernel"', 'write memory33/state "online_kernel"']);
  const movableBoot: Observation = { ...boot, memoryBlocks: boot.memoryBlocks.map((b) => ({ ...b, zone: 'Movable' as const })) };
  t.deepEqual(undoOps({ ...now, memoryBlocks: [now.memoryBlocks[1]!] }, movableBoot, 128n << 20n, [], 'online').map(describeOp).slice(2), ['write memory33/state "online_movable"']);
});
