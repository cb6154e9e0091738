import test from 'ava';
import { instantiate, select, shard, type Suite } from './suite.ts';

const noop = async () => {};
const suites: Suite[] = [
  { name: 'a', about: '', cases: [{ name: 'one', topologies: ['hmem', 'cxl'], run: noop }, { name: 'two', topologies: ['pmem'], run: noop }] },
  { name: 'b', about: '', cases: [{ name: 'three', topologies: ['hmem', 'nvdimm', 'mixed'], run: noop }] },
];
const all = instantiate(suites);
const id = (c: { suite: string; topology: string; name: string }) => `${c.suite}/${c.topology}/${c.name}`;

test('one instance per case and topology', (t) => {
  t.deepEqual(all.map(id), ['a/hmem/one', 'a/cxl/one', 'a/pmem/two', 'b/hmem/three', 'b/nvdimm/three', 'b/mixed/three']);
});

test('selection by suite, topology and glob', (t) => {
  t.deepEqual(select(all, { suites: ['b'] }).map(id), ['b/hmem/three', 'b/nvdimm/three', 'b/mixed/three']);
  t.deepEqual(select(all, { topologies: ['hmem'] }).map(id), ['a/hmem/one', 'b/hmem/three']);
  t.deepEqual(select(all, { match: 't*' }).map(id), ['a/pmem/two', 'b/hmem/three', 'b/nvdimm/three', 'b/mixed/three']);
});

for (const n of [1, 2, 3, 4, 7]) {
  test(`${n} shards together run every case exactly once, keeping a topology in one shard`, (t) => {
    const parts = Array.from({ length: n }, (_, i) => shard(all, i + 1, n));
    t.deepEqual(parts.flat().map(id).sort(), all.map(id).sort());
    for (const topo of new Set(all.map((c) => c.topology))) {
      t.is(parts.filter((p) => p.some((c) => c.topology === topo)).length, 1);
    }
  });
}
