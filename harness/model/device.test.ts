// Device attribute files (spec §2.3, §2.4, §2.6.3, §2.6.4): modes, visibility, read bytes, write errors.
import test from 'ava';
import { apply } from './apply.ts';
import type { AttrRef } from './ops.ts';
import { GiB, MiB, cxl, devRef, drvRef, hex, hmem, mapRef, must, pmem, read, regionRef, result, stateFor, w } from './testing/fixtures.ts';

const START = 4n * GiB;
const SIZE = 4n * GiB;
const dyn = hmem({ start: START, size: SIZE, driver: null, targetNode: 1, numaNode: 0 });
// region_idle-style region: empty provider device, device_dax matches created devices.
const idle = hmem({ start: START, size: SIZE, initial: 'empty', kmemDefault: false });
const stat = pmem({ start: 6n * GiB + 2n * MiB, size: 510n * MiB, targetNode: 1, numaNode: 1 });

const rd = (ref: AttrRef) => ({ op: 'read' as const, ref });

test('device reads: exact bytes of every attribute and mapping0', (t) => {
  const s = stateFor([dyn]);
  t.is(read(s, devRef('dax0.0', 'size')), `${SIZE}\n`);
  t.is(read(s, devRef('dax0.0', 'align')), `${2n * MiB}\n`);
  t.is(read(s, devRef('dax0.0', 'target_node')), '1\n');
  t.is(read(s, devRef('dax0.0', 'numa_node')), '0\n');
  t.is(read(s, devRef('dax0.0', 'resource')), `${hex(START)}\n`);
  t.is(read(s, devRef('dax0.0', 'modalias')), 'dax:t0\n');
  t.is(read(s, devRef('dax0.0', 'memmap_on_memory')), '0\n');
  t.is(read(s, mapRef('dax0.0', 0, 'start')), `${hex(START)}\n`);
  t.is(read(s, mapRef('dax0.0', 0, 'end')), `${hex(START + SIZE - 1n)}\n`);
  t.is(read(s, mapRef('dax0.0', 0, 'page_offset')), '0x0\n', '%#lx prints zero as 0x0');
});

test('device modes: write-only mapping, read-only files, absent objects', (t) => {
  const s = stateFor([dyn]);
  t.deepEqual(result(s, rd(devRef('dax0.0', 'mapping'))), { ok: false, errno: 'EACCES' });
  for (const attr of ['resource', 'modalias', 'target_node', 'numa_node'] as const) {
    t.deepEqual(result(s, w(devRef('dax0.0', attr), '1')), { ok: false, errno: 'EACCES' }, attr);
  }
  t.deepEqual(result(s, w(mapRef('dax0.0', 0, 'start'), '0')), { ok: false, errno: 'EACCES' });
  t.deepEqual(result(s, rd(mapRef('dax0.0', 1, 'start'))), { ok: false, errno: 'ENOENT' }, 'no mapping1');
  t.deepEqual(result(s, rd(devRef('dax9.9', 'size'))), { ok: false, errno: 'ENOENT' });
});

test('target_node is hidden when the region has no node', (t) => {
  const s = stateFor([{ ...dyn, targetNode: null, numaNode: -1 }]);
  t.deepEqual(result(s, rd(devRef('dax0.0', 'target_node'))), { ok: false, errno: 'ENOENT' });
  t.is(read(s, devRef('dax0.0', 'numa_node')), '-1\n');
});

test('size: parse and alignment errors (G1 list)', (t) => {
  const s = must(stateFor([idle]), w(regionRef(idle, 'create'), '1'));
  const size = (v: string) => result(s, w(devRef('dax0.1', 'size'), v));
  for (const v of [`${1n * MiB}`, 'abc', '2M', ' 2097152', '-2097152', '2097152 ']) t.deepEqual(size(v), { ok: false, errno: 'EINVAL' }, v);
  t.deepEqual(size('99999999999999999999'), { ok: false, errno: 'ERANGE' });
  for (const v of ['+2097152', '010000000', '0x200000', '2097152\n', '']) t.true(size(v).ok, JSON.stringify(v));
  const octal = must(s, w(devRef('dax0.1', 'size'), '010000000'));
  t.is(read(octal, devRef('dax0.1', 'size')), `${0o10000000}\n`);
});

test('size: growth beyond available_size is ENOSPC; same size is a no-op', (t) => {
  let s = must(stateFor([idle]), w(regionRef(idle, 'create'), '1'), w(devRef('dax0.0', 'size'), `${3n * GiB}`));
  t.deepEqual(result(s, w(devRef('dax0.1', 'size'), `${2n * GiB}`)), { ok: false, errno: 'ENOSPC' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), `${SIZE + 2n * MiB}`)), { ok: false, errno: 'ENOSPC' });
  s = must(s, w(devRef('dax0.1', 'size'), `${1n * GiB}`));
  t.is(read(s, regionRef(idle, 'available_size')), '0\n');
  t.deepEqual(apply(s, w(devRef('dax0.0', 'size'), hex(3n * GiB))).next, s);
});

test('size and align while bound are EBUSY, even for the current value', (t) => {
  let s = must(stateFor([idle]), w(regionRef(idle, 'create'), '1'), w(devRef('dax0.1', 'size'), `${4n * MiB}`), w(drvRef('device_dax', 'bind'), 'dax0.1'));
  t.deepEqual(result(s, w(devRef('dax0.1', 'size'), `${4n * MiB}`)), { ok: false, errno: 'EBUSY' });
  t.deepEqual(result(s, w(devRef('dax0.1', 'size'), '0')), { ok: false, errno: 'EBUSY' });
  t.deepEqual(result(s, w(devRef('dax0.1', 'align'), '4096')), { ok: false, errno: 'EBUSY' });
  t.deepEqual(result(s, w(devRef('dax0.1', 'size'), '1048576')), { ok: false, errno: 'EINVAL' }, 'alignment is checked before the bound state');
  s = must(s, w(drvRef('device_dax', 'unbind'), 'dax0.1'));
  t.true(result(s, w(devRef('dax0.1', 'size'), '0')).ok);
});

test('align: ENXIO for unparsable, EINVAL for invalid values or ranges it does not divide', (t) => {
  let s = must(stateFor([idle]), w(regionRef(idle, 'create'), '1'), w(devRef('dax0.1', 'size'), `${2n * MiB}`));
  const align = (v: string) => result(s, w(devRef('dax0.1', 'align'), v));
  t.deepEqual(align('abc'), { ok: false, errno: 'ENXIO' }, 'parse failure is ENXIO, not EINVAL');
  t.deepEqual(align('-1'), { ok: false, errno: 'ENXIO' });
  for (const v of ['12345', '0', '8192', `${4n * MiB}`]) t.deepEqual(align(v), { ok: false, errno: 'EINVAL' }, v);
  t.deepEqual(align(`${1n * GiB}`), { ok: false, errno: 'EINVAL' }, 'a 2 MiB range is not a multiple of 1 GiB');
  t.true(align('4096').ok);
  t.true(align('0x200000').ok);
  s = must(s, w(devRef('dax0.1', 'align'), '4096'));
  t.is(read(s, devRef('dax0.1', 'align')), '4096\n');
  t.is(read(s, regionRef(idle, 'align')), `${2n * MiB}\n`, 'the region align is unchanged');
  // Size 0 accepts any valid align; later sizes must follow it.
  s = must(s, w(devRef('dax0.1', 'size'), '0'), w(devRef('dax0.1', 'align'), `${1n * GiB}`));
  t.deepEqual(result(s, w(devRef('dax0.1', 'size'), `${512n * MiB}`)), { ok: false, errno: 'EINVAL' });
  t.true(result(s, w(devRef('dax0.1', 'size'), `${1n * GiB}`)).ok);
});

test('memmap_on_memory with memory_hotplug.memmap_on_memory=N', (t) => {
  const s = must(stateFor([idle]), w(regionRef(idle, 'create'), '1'));
  const mom = (v: string) => result(s, w(devRef('dax0.1', 'memmap_on_memory'), v));
  for (const v of ['0', 'off', 'N', 'no']) t.true(mom(v).ok, v);
  for (const v of ['1', 'yes', 'on', '10']) t.deepEqual(mom(v), { ok: false, errno: 'EOPNOTSUPP' }, v);
  for (const v of ['x', '\n']) t.deepEqual(mom(v), { ok: false, errno: 'EINVAL' }, JSON.stringify(v));
});

test('memmap_on_memory with Y: free while unbound or device_dax-bound; kmem-bound only the same value', (t) => {
  let s = must(stateFor([idle], { memmapOnMemoryParam: 'Y' }), w(regionRef(idle, 'create'), '1'));
  s = must(s, w(devRef('dax0.1', 'memmap_on_memory'), '1'), w(devRef('dax0.1', 'memmap_on_memory'), '0'), w(devRef('dax0.1', 'memmap_on_memory'), '1'));
  t.is(read(s, devRef('dax0.1', 'memmap_on_memory')), '1\n');
  s = must(s, w(devRef('dax0.1', 'size'), `${256n * MiB}`), w(drvRef('device_dax', 'bind'), 'dax0.1'));
  s = must(s, w(devRef('dax0.1', 'memmap_on_memory'), '0'), w(devRef('dax0.1', 'memmap_on_memory'), '1'));
  s = must(s, w(drvRef('device_dax', 'unbind'), 'dax0.1'), w(drvRef('kmem', 'new_id'), 'dax0.1'));
  t.is(s.devices.get('dax0.1')?.binding?.driver, 'kmem');
  t.deepEqual(result(s, w(devRef('dax0.1', 'memmap_on_memory'), '0')), { ok: false, errno: 'EBUSY' });
  t.true(result(s, w(devRef('dax0.1', 'memmap_on_memory'), '1')).ok, 'same value while kmem-bound');
  t.deepEqual(result(s, w(devRef('dax0.1', 'memmap_on_memory'), 'x')), { ok: false, errno: 'EINVAL' });
});

test('memmap_on_memory: EOPNOTSUPP is checked before the kmem-bound EBUSY (CXL default 1, param N)', (t) => {
  const region = cxl({ start: 0x110000000n, size: 1n * GiB });
  const s = stateFor([region]);
  t.is(read(s, devRef('dax0.0', 'memmap_on_memory')), '1\n');
  t.deepEqual(result(s, w(devRef('dax0.0', 'memmap_on_memory'), '1')), { ok: false, errno: 'EOPNOTSUPP' }, 'although equal to the current value');
  t.deepEqual(result(s, w(devRef('dax0.0', 'memmap_on_memory'), '0')), { ok: false, errno: 'EBUSY' });
});

test('memmap_on_memory support follows the block size: a 64 MiB block has a 1 MiB memmap, not a whole PMD', (t) => {
  const region = hmem({ start: START, size: SIZE, initial: 'empty', kmemDefault: false });
  for (const [blockSize, param, ok] of [
    [128n * MiB, 'Y', true],
    [128n * MiB, 'force', true],
    [2n * GiB, 'Y', true],
    [64n * MiB, 'Y', false],
    [64n * MiB, 'force', false],
  ] as const) {
    const s = must(stateFor([region], { blockSize, memmapOnMemoryParam: param }), w(regionRef(region, 'create'), '1'));
    t.is(result(s, w(devRef('dax0.1', 'memmap_on_memory'), '1')).ok, ok, `${blockSize} ${param}`);
  }
});

test('static devices: size/align read-only, no mapping, memmap_on_memory writable', (t) => {
  const s = stateFor([stat]);
  t.is(read(s, devRef('dax0.0', 'size')), `${stat.size}\n`);
  t.is(read(s, devRef('dax0.0', 'numa_node')), '1\n');
  t.is(read(s, devRef('dax0.0', 'resource')), `${hex(stat.start)}\n`);
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), '0')), { ok: false, errno: 'EACCES' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'size'), `${stat.size}`)), { ok: false, errno: 'EACCES' }, 'even the current value');
  t.deepEqual(result(s, w(devRef('dax0.0', 'align'), `${2n * MiB}`)), { ok: false, errno: 'EACCES' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'mapping'), '0-1fffff')), { ok: false, errno: 'ENOENT' });
  t.deepEqual(result(s, rd(devRef('dax0.0', 'mapping'))), { ok: false, errno: 'ENOENT' });
  t.true(result(s, w(devRef('dax0.0', 'memmap_on_memory'), '0')).ok);
  t.deepEqual(result(s, w(devRef('dax0.0', 'memmap_on_memory'), '1')), { ok: false, errno: 'EOPNOTSUPP' });
  t.deepEqual(result(s, w(devRef('dax0.0', 'memmap_on_memory'), 'x')), { ok: false, errno: 'EINVAL' });
});
