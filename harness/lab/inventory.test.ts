import test from 'ava';
import type { IomemResource } from '../driver/parse-sysfs.ts';
import type { ObservedDevice } from '../model/observation.ts';
import { parseMachineProbe, providerOf, regionRange, parseCxlFabric } from './inventory.ts';

// Region hosts, their drivers and nd buses as the probe printed them on 6.12.117 and 7.3.4 guests (mixed topology).
const HOSTS = [
  { host: '/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0', driver: 'dax_pmem', ndBus: 'e820' },
  { host: '/sys/devices/LNXSYSTM:00/LNXSYBUS:00/ACPI0012:00/ndbus1/region1/dax1.0', driver: 'dax_pmem', ndBus: 'ACPI.NFIT' },
  { host: '/sys/devices/platform/ACPI0012:00/ndbus1/region1/dax1.0', driver: 'dax_pmem', ndBus: 'ACPI.NFIT' },
  { host: '/sys/devices/platform/ACPI0017:00/root0/decoder0.0/region2/dax_region2', driver: 'cxl_dax_region', ndBus: null },
  { host: '/sys/devices/platform/hmem.3', driver: 'hmem', ndBus: null },
  { host: '/sys/devices/platform/hmem_platform.0/hmem.3', driver: 'hmem', ndBus: null },
  { host: '/sys/devices/platform/ACPI0017:00/root0/nvdimm-bridge0/ndbus2/region4/dax4.0', driver: 'dax_pmem', ndBus: 'CXL' },
];

test('the provider of a region host is told by its driver and the nd bus above it, not by its path', (t) => {
  t.deepEqual(HOSTS.map((h) => providerOf(h.host, HOSTS)), ['legacy-pmem', 'nvdimm', 'nvdimm', 'cxl-ram', 'hmem', 'hmem', 'cxl-pmem']);
  t.throws(() => providerOf('/sys/devices/platform/other', [{ host: '/sys/devices/platform/other', driver: 'acme', ndBus: null }]), { message: /which provider owns dax region host \/sys\/devices\/platform\/other \(driver acme\)/ });
});

const dev = (name: string, host: string, size: bigint, resource: bigint, mappings: [bigint, bigint][]): ObservedDevice => ({
  name, host, size, align: 2097152n, targetNode: 1, numaNode: 0, resource, modalias: 'dax:t0', memmapOnMemory: false, state: null, driver: null,
  mappings: mappings.map(([start, end], i) => ({ start, end, pageOffset: BigInt(i) })),
});
const res = (start: bigint, end: bigint, name: string, ancestors: string[] = []): IomemResource => ({ start, end, name, ancestors });

test('7.0+ hmem bound to kmem: no Soft Reserved line, so the device covering the region gives it, at top level', (t) => {
  const host = '/sys/devices/platform/hmem_platform.0/hmem.0';
  const iomem = [res(0x100000000n, 0x13fffffffn, 'dax0.0'), res(0x100000000n, 0x13fffffffn, 'System RAM (kmem)', ['dax0.0'])];
  const r = regionRange({ host, size: 1n << 30n, dynamic: true }, [dev('dax0.0', host, 1n << 30n, 0x100000000n, [[0x100000000n, 0x13fffffffn]])], iomem);
  t.deepEqual(r, { start: 0x100000000n, end: 0x13fffffffn, iomemParent: null });
});

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
  // A 7.0+ hmem region whose devices leave a gap cannot be placed from them.
  const host = '/h';
  const gap = [dev('dax0.0', host, 1n << 29n, 0x100000000n, [[0x100000000n, 0x11fffffffn]]), dev('dax0.1', host, 1n << 28n, 0x130000000n, [[0x130000000n, 0x13fffffffn]])];
  t.throws(() => regionRange({ host, size: 1n << 30n, dynamic: true }, gap, []), { message: /do not cover it/ });
});

test('machine probe: zone spans, dax driver order (built-in first, then load order), region hosts, taint', (t) => {
  const zone = 'Node 1, zone   Normal\n  pages free 1\n        spanned  262144\n  start_pfn:           1310720\n';
  const hosts = '@@hosts\n/sys/devices/platform/hmem.0 hmem \n/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0 dax_pmem e820\n';
  const p = parseMachineProbe(`${zone}@@modules\nfsdev_dax 1 0 - Live 0x0\nkmem 1 0 - Live 0x0\ndax_hmem 1 0 - Live 0x0\ndevice_dax 1 0 - Live 0x0\n@@builtin\nkernel/drivers/base/x.ko\n${hosts}@@tainted\n8192\n`);
  t.deepEqual(p.driverOrder, ['device_dax', 'kmem', 'fsdev_dax']);
  t.deepEqual(p.zoneSpans, [{ node: 1, zone: 'Normal', start: 0x140000000n, end: 0x17fffffffn }]);
  t.deepEqual(p.hosts, [{ host: '/sys/devices/platform/hmem.0', driver: 'hmem', ndBus: null }, { host: '/sys/devices/platform/e820_pmem/ndbus0/region0/dax0.0', driver: 'dax_pmem', ndBus: 'e820' }]);
  t.is(p.tainted, 8192);
  const q = parseMachineProbe(`${zone}@@modules\ndevice_dax 1 0 - Live 0x0\n@@builtin\nkernel/drivers/dax/kmem.ko\n@@hosts\n@@tainted\n0\n`);
  t.deepEqual(q.driverOrder, ['kmem', 'device_dax']);
  t.deepEqual(parseMachineProbe(`${zone}@@modules\ndevice_dax 1 0 - Live 0x0\n@@builtin\n@@hosts\n@@tainted\n0\n`).driverOrder, ['device_dax'], 'a tree without modules.builtin');
});

test('the CXL fabric: ports above each endpoint, and the host bridges each region spreads over (cxl-switched on 6.12)', (t) => {
  // As the machine probe printed it on Debian 6.12.117, cxl-switched: memdevs behind a switch on each host bridge.
  const text = [
    'endpoint 0x3 /sys/devices/platform/ACPI0017:00/root0/port1/port3/endpoint4',
    'endpoint 0x2 /sys/devices/platform/ACPI0017:00/root0/port2/port5/endpoint6',
    'endpoint 0x1 /sys/devices/platform/ACPI0017:00/root0/port2/port5/endpoint7',
    'region region1 ram 2 /sys/devices/platform/ACPI0017:00/root0/port2/port5/endpoint7/decoder7.0 /sys/devices/platform/ACPI0017:00/root0/port1/port3/endpoint4/decoder4.0',
    'region region2 pmem 1 /sys/devices/platform/ACPI0017:00/root0/port2/port5/endpoint6/decoder6.0',
  ].join('\n');
  t.deepEqual(parseCxlFabric(text), {
    endpoints: [
      { serial: 1, ports: ['port2', 'port5'] },
      { serial: 2, ports: ['port2', 'port5'] },
      { serial: 3, ports: ['port1', 'port3'] },
    ],
    regions: [
      { name: 'region1', mode: 'ram', ways: 2, hostBridges: ['port2', 'port1'] },
      { name: 'region2', mode: 'pmem', ways: 1, hostBridges: ['port2'] },
    ],
  });
  t.deepEqual(parseCxlFabric(''), { endpoints: [], regions: [] });
});
