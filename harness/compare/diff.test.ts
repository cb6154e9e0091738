import test from 'ava';
import { diff, renderDiff } from './diff.ts';

const dev = (name: string, size: bigint, end: bigint) => ({ name, host: '/h', size, mappings: [{ start: 0x100000000n, end, pageOffset: 0n }] });

test('equal observations have no differences', (t) => {
  t.deepEqual(diff({ devices: [dev('dax0.0', 1n, 2n)] }, { devices: [dev('dax0.0', 1n, 2n)] }), []);
});

test('a changed leaf is reported by its path, devices matched by name', (t) => {
  const d = diff({ devices: [dev('dax0.0', 1n, 0x1ffffffffn), dev('dax0.1', 0n, 0n)] }, { devices: [dev('dax0.0', 1n, 0x17fffffffn), dev('dax0.1', 0n, 0n)] });
  t.deepEqual(d, [{ path: 'devices[dax0.0].mappings[0].end', expected: 0x1ffffffffn, actual: 0x17fffffffn }]);
  t.is(renderDiff(d), '  devices[dax0.0].mappings[0].end: expected 0x1ffffffff, got 0x17fffffff');
});

test('an extra or missing device is one difference, not a cascade of shifted indexes', (t) => {
  const d = diff({ devices: [dev('dax0.0', 1n, 2n), dev('dax0.2', 0n, 0n)] }, { devices: [dev('dax0.0', 1n, 2n), dev('dax0.1', 0n, 0n), dev('dax0.2', 0n, 0n)] });
  t.is(d.length, 1);
  t.is(d[0]!.path, 'devices[dax0.1]');
  t.is(d[0]!.expected, undefined);
});

test('null versus value (hidden attribute) is a difference', (t) => {
  t.deepEqual(diff({ targetNode: null }, { targetNode: 1 }), [{ path: 'targetNode', expected: null, actual: 1 }]);
});
