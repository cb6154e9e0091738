import test from 'ava';
import { instantiate, select, shard, topologiesFor, type Suite, type TopologyOffer } from './suite.ts';

const noop = async () => {};
const offers: TopologyOffer[] = [
  { name: 'hmem', regions: [{ provider: 'hmem', kind: 'dynamic' }] },
  { name: 'cxl', regions: [{ provider: 'cxl-ram', kind: 'dynamic' }] },
  { name: 'cxl-interleave', regions: [{ provider: 'cxl-ram', kind: 'dynamic' }] },
  { name: 'pmem', regions: [{ provider: 'legacy-pmem', kind: 'static' }] },
  { name: 'nvdimm', regions: [{ provider: 'nvdimm', kind: 'static' }, { provider: 'nvdimm', kind: 'static' }] },
  { name: 'mixed', regions: [{ provider: 'legacy-pmem', kind: 'static' }, { provider: 'hmem', kind: 'dynamic' }, { provider: 'cxl-ram', kind: 'dynamic' }] },
];
const suites: Suite[] = [
  { name: 'a', about: '', cases: [{ name: 'one', needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider' }, run: noop }, { name: 'two', needs: { providers: ['legacy-pmem'], spread: 'each-provider' }, run: noop }] },
  { name: 'b', about: '', cases: [{ name: 'three', needs: { providers: ['hmem', 'nvdimm'] }, run: noop }] },
];
const all = instantiate(suites, offers);

test('a case runs on the topologies whose regions fit its needs, derived, never listed', (t) => {
  t.deepEqual(topologiesFor({ region: 'dynamic' }, offers), ['hmem', 'cxl', 'cxl-interleave', 'mixed']);
  t.deepEqual(topologiesFor({ region: 'static' }, offers), ['pmem', 'nvdimm', 'mixed']);
  t.deepEqual(topologiesFor({ region: 'dynamic', spread: 'each-provider' }, offers), ['hmem', 'cxl'], 'the smallest topology per provider, then by name');
  t.deepEqual(topologiesFor({ providers: ['legacy-pmem'], boots: 'both' }, offers), ['pmem', 'pmem+mom', 'mixed', 'mixed+mom']);
  t.deepEqual(topologiesFor({ providers: ['cxl-pmem'] }, offers), [], 'no topology offers it');
  const withNew = [...offers, { name: 'two-hmem', regions: [{ provider: 'hmem', kind: 'dynamic' }, { provider: 'hmem', kind: 'dynamic' }] } as TopologyOffer];
  t.true(topologiesFor({ region: 'dynamic' }, withNew).includes('two-hmem'), 'a new topology is picked up with no edit to any case');
});
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
