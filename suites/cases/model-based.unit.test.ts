import test from 'ava';
import fc from 'fast-check';
import type { ProvisionedRegion } from '../../harness/lab/inventory.ts';
import type { Observation } from '../../harness/model/observation.ts';
import { describeOp } from '../../harness/model/ops.ts';
import { commandArb, concretize } from './model-based.ts';
import { withoutKnownDeadlock } from './concurrency.ts';
import { read, write } from '../ops.ts';

const region: ProvisionedRegion = { host: '/sys/devices/platform/hmem.0', id: 0, provider: 'hmem', dynamic: true, start: 0x100000000n, end: 0x13fffffffn, size: 1n << 30n, align: 2097152n, targetNode: 1, iomemParent: 'Soft Reserved' };
const device = (name: string) => ({ name, host: region.host, size: 0n, align: 2097152n, targetNode: 1, numaNode: 0, resource: region.start, modalias: 'dax:t0', memmapOnMemory: false, state: null, driver: null, mappings: [] });
const obs: Observation = { regions: [], devices: [device('dax0.0'), device('dax0.1')], iomem: [], memoryBlocks: [{ index: 33, state: 'online', node: 1, zone: 'Normal' }], memTotalKiB: 0n };

test('abstract commands bind to the region and the devices that exist now', (t) => {
  t.is(describeOp(concretize({ c: 'size', dev: 3, eighths: 3 }, region, obs)), 'write dax0.1/size "402653184"');
  t.is(describeOp(concretize({ c: 'mapping', dev: 0, slot: 2, blocks: 2 }, region, obs)), 'write dax0.0/mapping "0x108000000-0x1083fffff"');
  t.is(describeOp(concretize({ c: 'delete', dev: 2 }, region, obs)), 'write hmem.0/dax_region/delete "dax0.0"');
  t.is(describeOp(concretize({ c: 'unbind', dev: 1 }, region, obs)), 'write drivers/device_dax/unbind "dax0.1"');
  t.is(describeOp(concretize({ c: 'block', nth: 5, to: 'offline' }, region, obs)), 'write memory33/state "offline"');
});

test('every generated command concretizes to an operation inside the region', (t) => {
  fc.assert(
    fc.property(commandArb, (cmd) => {
      const op = concretize(cmd, region, obs);
      if (op.op === 'write' && op.ref.kind === 'device' && op.ref.attr === 'size') return BigInt(op.value) <= region.size && BigInt(op.value) % 2097152n === 0n;
      if (op.op === 'write' && op.ref.kind === 'device' && op.ref.attr === 'mapping') return BigInt(op.value.split('-')[1]!) <= region.end;
      return true;
    }),
  );
  t.pass();
});

test('a race leaves out operations on the files of a device another racer deletes (the known 6.9+ deadlock)', (t) => {
  const del = write.region('/sys/devices/platform/hmem.0', 'delete', 'dax0.4');
  const align = write.device('dax0.4', 'align', '4096');
  const other = write.device('dax0.1', 'align', '4096');
  const seed = read.region('/sys/devices/platform/hmem.0', 'seed');
  t.deepEqual(withoutKnownDeadlock([align, seed, del, other, read.mapping('dax0.4', 0, 'start')]), [seed, del, other]);
  t.deepEqual(withoutKnownDeadlock([align, other]), [align, other]);
});
