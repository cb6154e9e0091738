// What a write under an injected allocation failure may leave: the failures the kernel lets pass.
import test from 'ava';
import { toleratedFailures } from './allocation-failure.ts';
import { apply } from './apply.ts';
import { observe } from './observe.ts';
import { GiB, MiB, devRef, drvRef, hmem, mappingValue, must, regionRef, stateFor, w } from './testing/fixtures.ts';

const BLOCK = 128n * MiB;
const B = 4n * GiB;
const region = hmem({ start: B, size: 4n * GiB, initial: 'empty', kmemDefault: false });
// Two ranges of two blocks each, apart: two add_memory calls, each onlining its own blocks in order.
const before = must(
  stateFor([region]),
  w(regionRef(region, 'create'), '1'),
  w(devRef('dax0.1', 'mapping'), mappingValue(B, 2n * BLOCK)),
  w(devRef('dax0.1', 'mapping'), mappingValue(B + 4n * BLOCK, 2n * BLOCK)),
);
const after = apply(before, w(drvRef('kmem', 'new_id'), 'dax0.1')).next;
const blocksOf = (s: typeof before) => observe(s).memoryBlocks.map((b) => `${b.index}:${b.state}:${b.node ?? 'unlinked'}`);

test('each new block may lose its node link, one at a time', (t) => {
  const lost = toleratedFailures(before, after).filter((f) => f.id === 'node-link-lost');
  t.deepEqual(lost.map((f) => blocksOf(f.next).filter((b) => b.endsWith('unlinked'))), [['32:online:unlinked'], ['33:online:unlinked'], ['36:online:unlinked'], ['37:online:unlinked']]);
});

test('onlining stops at any block of a range and leaves the rest of that range offline, not the other range', (t) => {
  const stopped = toleratedFailures(before, after).filter((f) => f.id === 'onlining-stopped');
  t.deepEqual(
    stopped.map((f) => blocksOf(f.next).join(' ')),
    [
      '32:offline:1 33:offline:1 36:online:1 37:online:1',
      '32:online:1 33:offline:1 36:online:1 37:online:1',
      '32:online:1 33:online:1 36:offline:1 37:offline:1',
      '32:online:1 33:online:1 36:online:1 37:offline:1',
    ],
  );
});

test('a write that adds no memory has nothing to tolerate', (t) => {
  const refused = apply(after, w(devRef('dax0.1', 'align'), String(2n * MiB)));
  t.deepEqual(toleratedFailures(after, refused.next), []);
});
