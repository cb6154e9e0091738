// The suites against the model on real guests (a selection that keeps `npm test` short; `daxh run` runs all).
import test from 'ava';
import { failures, kernel, runSelection } from './fixture.ts';

test.serial('sysfs writes, kmem hotplug, memmap_on_memory and regressions agree with the model on hmem, cxl and pmem', async (t) => {
  const r = await runSelection(await kernel(), { suites: ['sysfs-writes', 'kmem-hotplug', 'memmap-on-memory', 'regressions'], topologies: ['hmem', 'cxl', 'pmem', 'hmem+mom'] }, { jobs: 2 });
  t.is(r.totals.failed, 0, failures(r));
  t.true(r.totals.passed + r.totals.known > 10);
  t.true(r.checks >= 300, `only ${r.checks} checks ran`);
  t.log(`${r.cases.length} cases, ${r.checks} checks, known: ${r.cases.flatMap((c) => (c.known ?? []).map((k) => k.id)).join(', ') || 'none'}`);
});
