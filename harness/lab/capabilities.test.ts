import test from 'ava';
import { abiFor } from '../abi/kernel.ts';
import { parseCapabilities } from './capabilities.ts';

const probe = (release: string, mods: Record<string, 0 | 1>, mom: string) =>
  [`release=${release}`, ...Object.entries(mods).map(([m, v]) => `mod_${m}=${v}`), `mhp_mom=${mom}`].join('\n');
const caps = (release: string, mods: Record<string, 0 | 1>, mom: string) => parseCapabilities(probe(release, mods, mom), abiFor(release));
const ALL = { dax_cxl: 1, dax_hmem: 1, kmem: 1, device_dax: 1, nfit: 1, nd_e820: 1, cxl_pmem: 1, fsdev_dax: 1 } as const;

test('6.12 with every module: its providers, drivers and features, and the boot setting read back', (t) => {
  const c = caps('6.12.117+deb12-amd64', ALL, 'force');
  t.deepEqual([...c.has].sort(), ['cxl-pmem', 'cxl-ram', 'cxlRamRegions', 'device_dax', 'hmem', 'kmem', 'kmemRegions', 'legacy-pmem', 'memmapOnMemoryAttr', 'mhpMemmapOnMemoryForce', 'nvdimm', 'softReservedInIomem']);
  t.is(c.why('fsdev_dax'), 'kernel 6.12.117+deb12-amd64 predates the fsdev_dax driver (7.1)', 'the module alone does not make the driver: the ABI row decides');
  t.is(c.mhpMemmapOnMemory, 'force');
});

test('7.3 has the fsdev_dax driver and kmem\'s state, and no Soft Reserved in /proc/iomem', (t) => {
  const c = caps('7.3.4+deb13-amd64', ALL, 'N');
  t.true(c.has.has('fsdev_dax'));
  t.true(c.has.has('kmemState'));
  t.is(c.why('softReservedInIomem'), 'kernel 7.3.4+deb13-amd64 no longer has Soft Reserved ranges in /proc/iomem (gone in 7.0)');
});

test('6.1 lacks dax_cxl and the memmap_on_memory attribute, each with a reason naming the kernel', (t) => {
  const c = caps('6.1.0-56-amd64', { ...ALL, dax_cxl: 0 }, 'N');
  t.false(c.has.has('cxl-ram'));
  t.false(c.has.has('memmapOnMemoryAttr'));
  t.true(c.has.has('hmem'));
  t.is(c.why('cxl-ram'), 'kernel 6.1.0-56-amd64 predates dax_cxl (CXL RAM regions as dax regions) (6.3)');
  t.regex(c.why('memmapOnMemoryAttr'), /6\.1\.0-56-amd64 predates the dax memmap_on_memory attribute \(6\.8\)/);
  t.is(c.mhpMemmapOnMemory, 'N');
});

test('a module the probe did not find is named in the reason', (t) => {
  t.is(caps('6.12.1', { ...ALL, nfit: 0 }, 'N').why('nvdimm'), 'kernel 6.12.1 has no nfit module');
});

test('a kernel without the memory_hotplug parameter reports null', (t) => {
  t.is(caps('6.12.1', {}, '').mhpMemmapOnMemory, null);
});
