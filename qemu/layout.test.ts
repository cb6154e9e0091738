import test from 'ava';
import { nodeRamLayout, ramEnd } from './layout.ts';
import { GiB, MiB } from './size.ts';

const G = (n: number) => BigInt(n * 1024) * MiB;

test('RAM of 2.75G or more: 2G below the PCI hole, the rest from 4G', (t) => {
  const layout = nodeRamLayout([
    { node: 0, size: G(2) },
    { node: 1, size: G(2) },
  ]);
  t.deepEqual(layout, [
    { node: 0, spans: [{ start: 0n, end: G(2) }] },
    { node: 1, spans: [{ start: G(4), end: G(6) }] },
  ]);
  t.is(ramEnd(layout), 6n * GiB);
});

test('exactly 2.75G is split', (t) => {
  const [, node1] = nodeRamLayout([
    { node: 0, size: G(2) },
    { node: 1, size: G(0.75) },
  ]);
  t.deepEqual(node1!.spans, [{ start: G(4), end: G(4.75) }]);
});

test('RAM below 2.75G stays below 4G, so a second node starts where node 0 ends', (t) => {
  const [, node1] = nodeRamLayout([
    { node: 0, size: G(2) },
    { node: 1, size: G(0.5) },
  ]);
  t.deepEqual(node1!.spans, [{ start: G(2), end: G(2.5) }]);
});

test('a node may straddle the hole', (t) => {
  const [node0, node1] = nodeRamLayout([
    { node: 0, size: G(1) },
    { node: 1, size: G(2) },
  ]);
  t.deepEqual(node0!.spans, [{ start: 0n, end: G(1) }]);
  t.deepEqual(node1!.spans, [
    { start: G(1), end: G(2) },
    { start: G(4), end: G(5) },
  ]);
});

test('memoryless nodes have no RAM and do not shift the others; slices follow node ids', (t) => {
  const layout = nodeRamLayout([
    { node: 0, size: G(2) },
    { node: 2, size: G(1) },
    { node: 1, size: 0n },
  ]);
  t.deepEqual(
    layout.map((n) => n.node),
    [0, 1, 2],
  );
  t.deepEqual(layout[1]!.spans, []);
  t.deepEqual(layout[2]!.spans, [{ start: G(4), end: G(5) }]);
});
