import test from 'ava';
import {
  SysfsFormatError,
  parseBlockSizeBytes,
  parseBool01,
  parseDecimal,
  parseDeviceName,
  parseHex,
  parseInt32,
  parseIomem,
  parseLine,
  parseMemTotalKiB,
  parseMemblockState,
  parseOnlinePolicy,
  parseValidZones,
  parseZoneinfo,
  parseProcModules,
} from './parse-sysfs.ts';

const F = '/sys/bus/dax/devices/dax0.0/x';

// Values as read on 6.12.117 / 6.1.192 guests (drivers/dax/bus.c show functions print with %llu / %lu).
test('decimal sizes and aligns', (t) => {
  t.is(parseDecimal('4294967296\n', F), 4294967296n);
  t.is(parseDecimal('0\n', F), 0n);
  t.is(parseDecimal('18446744073709551615\n', F), 18446744073709551615n);
});

test('signed ints: ids and NUMA nodes', (t) => {
  t.is(parseInt32('1\n', F), 1);
  t.is(parseInt32('-1\n', F), -1);
  t.is(parseInt32('0\n', F), 0);
});

test('%#llx hex: zero is 0x0', (t) => {
  t.is(parseHex('0x100200000\n', F), 0x100200000n);
  t.is(parseHex('0x0\n', F), 0n);
  t.is(parseHex('0x40000\n', F), 0x40000n);
});

test('block_size_bytes is hex without 0x', (t) => {
  t.is(parseBlockSizeBytes('8000000\n', '/sys/devices/system/memory/block_size_bytes'), 128n << 20n);
});

test('single-line strings, names and enums', (t) => {
  t.is(parseLine('dax:t0\n', F), 'dax:t0');
  t.is(parseDeviceName('\n', F), null);
  t.is(parseDeviceName('dax0.1\n', F), 'dax0.1');
  t.is(parseBool01('1\n', F), true);
  t.is(parseBool01('0\n', F), false);
  t.is(parseMemblockState('going-offline\n', F), 'going-offline');
  t.is(parseOnlinePolicy('online_movable\n', F), 'online_movable');
  t.is(parseOnlinePolicy('offline\n', F), 'offline');
});

test('valid_zones: online blocks show one zone or none, offline ones a list', (t) => {
  t.deepEqual(parseValidZones('none\n', F), ['none']);
  t.deepEqual(parseValidZones('DMA32\n', F), ['DMA32']);
  t.deepEqual(parseValidZones('Normal\n', F), ['Normal']);
  t.deepEqual(parseValidZones('Movable Normal\n', F), ['Movable', 'Normal']);
  t.throws(() => parseValidZones('none Normal\n', F), { instanceOf: SysfsFormatError });
  t.throws(() => parseValidZones('Device\n', F), { instanceOf: SysfsFormatError });
});

test('MemTotal line, including numbers wider than the padding', (t) => {
  t.is(parseMemTotalKiB('MemTotal:        2034152 kB\n'), 2034152n);
  t.is(parseMemTotalKiB('MemTotal:       123456789 kB\n'), 123456789n);
  t.throws(() => parseMemTotalKiB('MemTotal:        2034152 KB\n'), { message: /^\/proc\/meminfo: / });
});

const violations: [string, (text: string, file: string) => unknown, string][] = [
  ['missing newline', parseDecimal, '4096'],
  ['two newlines', parseDecimal, '4096\n\n'],
  ['leading space', parseDecimal, ' 4096\n'],
  ['leading zero', parseDecimal, '04096\n'],
  ['sign on unsigned', parseDecimal, '-1\n'],
  ['u64 overflow', parseDecimal, '18446744073709551616\n'],
  ['int overflow', parseInt32, '2147483648\n'],
  ['negative zero', parseInt32, '-0\n'],
  ['glibc zero', parseHex, '0\n'],
  ['upper-case hex', parseHex, '0xABC\n'],
  ['upper-case prefix', parseHex, '0X10\n'],
  ['padded hex', parseHex, '0x0100\n'],
  ['decimal where hex', parseHex, '4096\n'],
  ['0x on block size', parseBlockSizeBytes, '0x8000000\n'],
  ['two lines', parseLine, 'dax:t0\nx\n'],
  ['bad device name', parseDeviceName, 'dax00.1\n'],
  ['bool word', parseBool01, 'Y\n'],
  ['unknown state', parseMemblockState, 'ERROR-UNKNOWN-3\n'],
  ['unknown policy', parseOnlinePolicy, 'online_auto\n'],
];
for (const [what, parse, text] of violations) {
  test(`format violation (${what}) throws naming the file`, (t) => {
    const err = t.throws(() => parse(text, '/sys/bus/dax/devices/dax0.7/resource'), { instanceOf: SysfsFormatError });
    t.is(err?.file, '/sys/bus/dax/devices/dax0.7/resource');
    t.true(err?.message.startsWith('/sys/bus/dax/devices/dax0.7/resource: expected '));
    t.true(err?.message.includes(JSON.stringify(text)));
  });
}

const chain = (text: string) => parseIomem(text).map((r) => [...r.ancestors, r.name].join(' > '));

test('iomem nesting: CXL window > region > device > kmem RAM', (t) => {
  const text = [
    '00000000-00000fff : Reserved',
    '110000000-20fffffff : CXL Window 0',
    '  110000000-14fffffff : region0',
    '    110000000-14fffffff : dax0.0',
    '      110000000-14fffffff : System RAM (kmem)',
    '240000000-a3fffffff : PCI Bus 0000:00',
    'fd00000000-ffffffffff : Reserved',
    '',
  ].join('\n');
  t.deepEqual(chain(text), ['Reserved', 'CXL Window 0', 'CXL Window 0 > region0', 'CXL Window 0 > region0 > dax0.0', 'CXL Window 0 > region0 > dax0.0 > System RAM (kmem)', 'PCI Bus 0000:00', 'Reserved']);
  const kmem = parseIomem(text)[4]!;
  t.deepEqual([kmem.start, kmem.end], [0x110000000n, 0x14fffffffn]);
});

test('iomem nesting: Soft Reserved > device > kmem RAM, then back to the top level', (t) => {
  const text = '100000000-1ffffffff : Soft Reserved\n  100000000-1ffffffff : dax0.0\n    100000000-1ffffffff : System RAM (kmem)\n200000000-23fffffff : System RAM\n';
  t.deepEqual(chain(text), ['Soft Reserved', 'Soft Reserved > dax0.0', 'Soft Reserved > dax0.0 > System RAM (kmem)', 'System RAM']);
});

test('iomem nesting: NVDIMM namespaces and devices are siblings', (t) => {
  const text = [
    '100000000-17ffdffff : Persistent Memory',
    '  100000000-1011fffff : namespace0.0',
    '  108000000-13fffffff : dax0.0',
    '    108000000-13fffffff : System RAM (kmem)',
    '  140000000-1409fffff : namespace0.1',
    '  140a00000-15fffffff : dax0.1',
    '',
  ].join('\n');
  t.deepEqual(chain(text).slice(2, 6), ['Persistent Memory > dax0.0', 'Persistent Memory > dax0.0 > System RAM (kmem)', 'Persistent Memory > namespace0.1', 'Persistent Memory > dax0.1']);
});

test('iomem: a line two levels deeper than its predecessor, or short addresses, are format errors', (t) => {
  t.throws(() => parseIomem('100000000-1ffffffff : Soft Reserved\n    100000000-1ffffffff : dax0.0\n'), { message: /^\/proc\/iomem: / });
  t.throws(() => parseIomem('1000-1fff : x\n'), { instanceOf: SysfsFormatError });
  t.throws(() => parseIomem('00001000-00000fff : backwards\n'), { instanceOf: SysfsFormatError });
  t.throws(() => parseIomem('00001000-00001fff : no trailing newline'), { instanceOf: SysfsFormatError });
});

test('iomem read without root (all zeros) is rejected', (t) => {
  t.throws(() => parseIomem('00000000-00000000 : Reserved\n00000000-00000000 : System RAM\n'), { message: /all zero/ });
});

test('zoneinfo: spans per node and zone from start_pfn and spanned, empty zones left out', (t) => {
  const text = [
    'Node 0, zone      DMA', '  per-node stats', '      nr_inactive_anon 0', '  pages free     3840', '        spanned  4095', '        present  3998', '  start_pfn:           1',
    'Node 0, zone    DMA32', '  pages free     1', '        spanned  520160', '  start_pfn:           4096',
    'Node 0, zone   Normal', '  pages free     0', '        spanned  0', '        present  0',
    'Node 1, zone   Normal', '  pages free     2', '        spanned  262144', '        present  262144', '  start_pfn:           1310720',
    'Node 1, zone   Device', '  pages free     0', '        spanned  491520', '        present  0', '        managed  0',
    '',
  ].join('\n');
  t.deepEqual(parseZoneinfo(text), [
    { node: 0, zone: 'DMA', start: 0x1000n, end: 0x1000n + 4095n * 4096n - 1n },
    { node: 0, zone: 'DMA32', start: 0x1000000n, end: 0x1000000n + 520160n * 4096n - 1n },
    { node: 1, zone: 'Normal', start: 0x140000000n, end: 0x17fffffffn },
  ]);
  t.throws(() => parseZoneinfo('Node 0, zone DMA\n  pages free 1\n'), { message: /^\/proc\/zoneinfo: expected/ });
  t.throws(() => parseZoneinfo('Node 0, zone DMA\n        spanned  4\n        present  4\n'), { message: /start_pfn/ });
});

test('/proc/modules: names in load order', (t) => {
  t.deepEqual(parseProcModules('kmem 16384 0 - Live 0x0\ndevice_dax 20480 0 - Live 0x0\ndax_hmem 12288 0 - Live 0x0\n'), ['dax_hmem', 'device_dax', 'kmem']);
});
