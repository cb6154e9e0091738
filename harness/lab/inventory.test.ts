import test from 'ava';
import type { IomemResource } from '../driver/parse-sysfs.ts';
import type { ObservedDevice } from '../model/observation.ts';
import { parseMachineProbe, providerOf, regionRange } from './inventory.ts';

// Host paths as the lab saw them on 6.12.117 guests.
test('provider from the host path', (t) => {
  t.is(providerOf('/sys/devices/platform/hmem.0'), 'hmem');
  t.is(providerOf('/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region0/dax_region0'), 'cxl');
  t.is(providerOf('/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0'), 'pmem');
  t.is(providerOf('/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus0/region0/dax0.0'), 'nvdimm');
  t.is(providerOf('/sys/devices/platform/ACPI0017:00/root0/nvdimm-bridge0/ndbus0/region1/dax1.0'), 'cxl-pmem');
  t.throws(() => providerOf('/sys/devices/platform/other'), { message: /which provider/ });
});

const dev = (name: string, host: string, size: bigint, resource: bigint, mappings: [bigint, bigint][]): ObservedDevice => ({
  name, host, size, align: 2097152n, targetNode: 1, numaNode: 0, resource, modalias: 'dax:t0', memmapOnMemory: false, driver: null,
  mappings: mappings.map(([start, end], i) => ({ start, end, pageOffset: BigInt(i) })),
});
const res = (start: bigint, end: bigint, name: string, ancestors: string[] = []): IomemResource => ({ start, end, name, ancestors });

test('hmem bound to kmem: the Soft Reserved resource is the range and the dax parent, not System RAM (kmem) below it', (t) => {
  const host = '/sys/devices/platform/hmem.0';
  const iomem = [res(0x100000000n, 0x1ffffffffn, 'Soft Reserved'), res(0x100000000n, 0x1ffffffffn, 'dax0.0', ['Soft Reserved']), res(0x100000000n, 0x1ffffffffn, 'System RAM (kmem)', ['Soft Reserved', 'dax0.0'])];
  const r = regionRange({ host, size: 4n << 30n, dynamic: true }, [dev('dax0.0', host, 4n << 30n, 0x100000000n, [[0x100000000n, 0x1ffffffffn]])], iomem);
  t.deepEqual(r, { start: 0x100000000n, end: 0x1ffffffffn, iomemParent: 'Soft Reserved' });
});

test('hmem on 6.1: Soft Reserved nested in hmem.0, both of the region size; the inner one is the parent', (t) => {
  const host = '/sys/devices/platform/hmem.0';
  const iomem = [res(0x100000000n, 0x13fffffffn, 'hmem.0'), res(0x100000000n, 0x13fffffffn, 'Soft Reserved', ['hmem.0']), res(0x100000000n, 0x13fffffffn, 'dax0.0', ['hmem.0', 'Soft Reserved'])];
  const r = regionRange({ host, size: 1n << 30n, dynamic: true }, [dev('dax0.0', host, 1n << 30n, 0x100000000n, [[0x100000000n, 0x13fffffffn]])], iomem);
  t.deepEqual(r, { start: 0x100000000n, end: 0x13fffffffn, iomemParent: 'Soft Reserved' });
});

test('static pmem: the device entry itself gives the range, its parent the dax parent', (t) => {
  const host = '/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0';
  const size = 400556032n;
  const start = 0x100200000n;
  const iomem = [res(0x100000000n, 0x117ffffffn, 'Persistent Memory (legacy)'), res(0x100000000n, 0x1001fffffn, 'namespace0.0', ['Persistent Memory (legacy)']), res(start, start + size - 1n, 'dax0.0', ['Persistent Memory (legacy)'])];
  const r = regionRange({ host, size, dynamic: false }, [dev('dax0.0', host, size, start, [[start, start + size - 1n]])], iomem);
  t.deepEqual(r, { start, end: start + size - 1n, iomemParent: 'Persistent Memory (legacy)' });
});

test('dynamic region whose only device is empty: its resource is the region start', (t) => {
  const host = '/sys/devices/platform/hmem.0';
  const iomem = [res(0x100000000n, 0x1ffffffffn, 'Soft Reserved')];
  const r = regionRange({ host, size: 1n << 30n, dynamic: true }, [dev('dax0.0', host, 0n, 0x140000000n, [])], iomem);
  t.deepEqual(r, { start: 0x140000000n, end: 0x17fffffffn, iomemParent: 'Soft Reserved' });
});

test('no way to place the region is an error naming it', (t) => {
  t.throws(() => regionRange({ host: '/h', size: 1n << 30n, dynamic: false }, [], []), { message: /address range of dax region \/h/ });
});

test('machine probe: zone spans and dax driver order (built-in first, then load order)', (t) => {
  const zone = 'Node 1, zone   Normal\n  pages free 1\n        spanned  262144\n  start_pfn:           1310720\n';
  const p = parseMachineProbe(`${zone}@@modules\nkmem 1 0 - Live 0x0\ndax_hmem 1 0 - Live 0x0\ndevice_dax 1 0 - Live 0x0\n@@builtin\nkernel/drivers/base/x.ko\n`);
  t.deepEqual(p.driverOrder, ['device_dax', 'kmem']);
  t.deepEqual(p.zoneSpans, [{ node: 1, zone: 'Normal', start: 0x140000000n, end: 0x17fffffffn }]);
  const q = parseMachineProbe(`${zone}@@modules\ndevice_dax 1 0 - Live 0x0\n@@builtin\nkernel/drivers/dax/kmem.ko\n`);
  t.deepEqual(q.driverOrder, ['kmem', 'device_dax']);
});
