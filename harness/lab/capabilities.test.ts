import test from 'ava';
import { parseCapabilities } from './capabilities.ts';

const probe = (release: string, mods: Record<string, 0 | 1>, mom: string) =>
  [`release=${release}`, ...Object.entries(mods).map(([m, v]) => `mod_${m}=${v}`), `mhp_mom=${mom}`].join('\n');

test('6.12 with every module: everything available, boot setting read back', (t) => {
  const c = parseCapabilities(probe('6.12.117+deb12-amd64', { dax_cxl: 1, dax_hmem: 1, kmem: 1, device_dax: 1, nfit: 1, nd_e820: 1, cxl_acpi: 1 }, 'force'));
  t.deepEqual([...c.has].sort(), ['cxl_ram_region', 'dax_cxl', 'dax_hmem', 'kmem', 'legacy_pmem', 'memmap_on_memory_attr', 'nvdimm']);
  t.is(c.mhpMemmapOnMemory, 'force');
});

test('6.1 lacks dax_cxl and the memmap_on_memory attribute, each with a reason naming the kernel', (t) => {
  const c = parseCapabilities(probe('6.1.0-56-amd64', { dax_cxl: 0, dax_hmem: 1, kmem: 1, device_dax: 1, nfit: 1, nd_e820: 1, cxl_acpi: 1 }, 'N'));
  t.false(c.has.has('cxl_ram_region'));
  t.false(c.has.has('memmap_on_memory_attr'));
  t.true(c.has.has('dax_hmem'));
  t.is(c.why('cxl_ram_region'), 'kernel 6.1.0-56-amd64 has no dax_cxl module');
  t.regex(c.why('memmap_on_memory_attr'), /6\.1\.0-56-amd64 predates .* \(6\.8\)/);
  t.is(c.mhpMemmapOnMemory, 'N');
});

test('a kernel without the memory_hotplug parameter reports null', (t) => {
  t.is(parseCapabilities(probe('6.12.1', {}, '')).mhpMemmapOnMemory, null);
});
