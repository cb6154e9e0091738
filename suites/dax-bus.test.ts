// The suites against the model on real guests (a selection that keeps `npm test` short; `daxh run` runs all,
// and `npm run matrix` every pinned kernel): the default 6.12, the oldest (6.1) and the newest pin.
import test from 'ava';
import { failures, kernel, runSelection } from './fixture.ts';

test.serial('sysfs writes, kmem hotplug, memmap_on_memory and regressions agree with the model on hmem, cxl and pmem', async (t) => {
  const r = await runSelection(await kernel(), { suites: ['sysfs-writes', 'kmem-hotplug', 'memmap-on-memory', 'regressions'], topologies: ['hmem', 'cxl', 'pmem', 'hmem+mom'] }, { jobs: 2 });
  t.is(r.totals.failed, 0, failures(r));
  t.true(r.totals.passed + r.totals.known > 10);
  t.true(r.checks >= 300, `only ${r.checks} checks ran`);
  t.log(`${r.cases.length} cases, ${r.checks} checks, known: ${r.cases.flatMap((c) => (c.known ?? []).map((k) => k.id)).join(', ') || 'none'}`);
});

for (const series of ['latest', '6.1']) {
  test.serial(`${series}: sysfs writes, kmem hotplug and regressions agree with the model on hmem, cxl and pmem`, async (t) => {
    const p = await kernel(series);
    const r = await runSelection(p, { suites: ['sysfs-writes', 'kmem-hotplug', 'regressions'], topologies: ['hmem', 'cxl', 'pmem', 'cxl+movable', 'hmem+movable'] }, { jobs: 2 });
    t.is(r.totals.failed, 0, failures(r));
    const skipped = r.cases.filter((c) => c.status === 'skipped');
    // Skips only where the kernel lacks a feature (6.1: dax_cxl, the memmap_on_memory attribute), each
    // saying which and since when; the newest kernel skips nothing.
    t.deepEqual(skipped.filter((c) => !/predates .* \(\d+\.\d+\)|needs dax_cxl .*\(kernel \d+\.\d+ or later\)/.test(c.skipReason ?? '')).map((c) => `${c.topology}/${c.name}: ${c.skipReason}`), []);
    if (series === 'latest') t.is(skipped.length, 0);
    t.true(r.checks >= 300, `only ${r.checks} checks ran`);
    t.log(`${p.kernel.release}: ${r.cases.length} cases, ${r.checks} checks, ${r.totals.known} known, ${skipped.length} skipped`);
  });
}
