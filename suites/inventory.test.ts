// Every built-in topology provisions what its plan expects, on 6.12; on 6.1 what works is asserted and
// what 6.1 lacks is skipped with a reason.
import test from 'ava';
import { builtinTopologyNames } from '../qemu/load.ts';
import { failures, kernel, runSelection } from './fixture.ts';

test.serial('6.12: every built-in topology comes up as planned', async (t) => {
  const r = await runSelection(await kernel('6.12'), { suites: ['inventory'], topologies: builtinTopologyNames() }, { jobs: 2 });
  t.is(r.totals.failed, 0, failures(r));
  t.is(r.totals.skipped, 0, r.cases.filter((c) => c.status === 'skipped').map((c) => `${c.topology}/${c.name}: ${c.skipReason}`).join('\n'));
  t.deepEqual([...new Set(r.cases.map((c) => c.topology))].sort(), builtinTopologyNames().sort());
  t.true(r.cases.every((c) => c.checks >= 1), "every case checked something");
});

test.serial('6.1: pmem and hmem asserted, CXL RAM skipped because 6.1 has no dax_cxl', async (t) => {
  const r = await runSelection(await kernel('6.1'), { suites: ['inventory'], topologies: ['pmem', 'hmem', 'cxl'] }, { jobs: 2 });
  t.is(r.totals.failed, 0, failures(r));
  const cxl = r.cases.find((c) => c.topology === 'cxl' && c.name.startsWith('cxl-ram'))!;
  t.is(cxl.status, 'skipped');
  t.regex(cxl.skipReason!, /predates dax_cxl/);
  t.true(r.cases.filter((c) => c.topology !== 'cxl').every((c) => c.status === 'passed'));
});
