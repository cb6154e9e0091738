// Range allocation (spec §2.6.1 size, §2.6.2 mapping): first-fit growth over holes before, between and after
// allocations, tail shrinking, explicit mappings and their page offsets.
import test from 'ava';
import { withBugs } from './bugs.ts';
import { apply } from './apply.ts';
import { observe } from './observe.ts';
import type { State } from './state.ts';
import { GiB, MiB, devRef, drvRef, hmem, mappingValue, must, regionRef, result, stateFor, w } from './testing/fixtures.ts';

const B = 4n * GiB; // region base
const SIZE = 4n * GiB;
const region = hmem({ start: B, size: SIZE, driver: null, kmemDefault: false });
const PAGE = 4096n;

/** [start, end, pageOffset] of each mapping dir of `name`. */
function mappings(s: State, name: string): [bigint, bigint, bigint][] {
  const d = observe(s).devices.find((x) => x.name === name);
  if (!d) throw new Error(`no ${name}`);
  return d.mappings.map((m) => [m.start, m.end, m.pageOffset]);
}
const size = (name: string, bytes: bigint) => w(devRef(name, 'size'), `${bytes}`);
const map = (name: string, start: bigint, len: bigint) => w(devRef(name, 'mapping'), mappingValue(start, len));
const create = w(regionRef(region, 'create'), '1');

test('the verified G1 sequence: holes before, between and after; no merge into a non-last range', (t) => {
  let s = must(stateFor([region]), size('dax0.0', 0n), create, create, map('dax0.1', B + GiB, GiB));
  s = must(s, size('dax0.0', 512n * MiB));
  t.deepEqual(mappings(s, 'dax0.0'), [[B, B + 512n * MiB - 1n, 0n]], 'the hole before the first allocation');

  s = must(s, size('dax0.0', 1536n * MiB));
  // The hole up to dax0.1 extends the last range in place; the rest comes from the tail as a new range.
  t.deepEqual(mappings(s, 'dax0.0'), [
    [B, B + GiB - 1n, 0n],
    [B + 2n * GiB, B + 2n * GiB + 512n * MiB - 1n, GiB / PAGE],
  ]);

  s = must(s, size('dax0.1', 512n * MiB));
  t.deepEqual(mappings(s, 'dax0.1'), [[B + GiB, B + GiB + 512n * MiB - 1n, 0n]], 'shrink trims the tail');

  s = must(s, size('dax0.0', 1792n * MiB));
  const m2start = B + GiB + 512n * MiB;
  t.deepEqual(mappings(s, 'dax0.0')[2], [m2start, m2start + 256n * MiB - 1n, (GiB + 512n * MiB) / PAGE], 'hole between: a new range, physically before mapping1');

  s = must(s, size('dax0.0', 2560n * MiB));
  t.deepEqual(mappings(s, 'dax0.0').slice(2), [
    [m2start, B + 2n * GiB - 1n, (GiB + 512n * MiB) / PAGE],
    [B + 2n * GiB + 512n * MiB, B + 3n * GiB - 1n, 2n * GiB / PAGE],
  ], 'mapping2 grows in place up to mapping1, which is not merged; the rest is a new mapping3');

  s = must(s, size('dax0.0', 1792n * MiB));
  t.is(mappings(s, 'dax0.0').length, 3, 'shrink drops mapping3 whole');
  t.deepEqual(mappings(s, 'dax0.0')[2], [m2start, m2start + 256n * MiB - 1n, (GiB + 512n * MiB) / PAGE], 'and trims mapping2');

  s = must(s, size('dax0.0', 2816n * MiB));
  t.deepEqual(mappings(s, 'dax0.0').slice(2), [
    [m2start, B + 2n * GiB - 1n, (GiB + 512n * MiB) / PAGE],
    [B + 2n * GiB + 512n * MiB, B + 3n * GiB + 256n * MiB - 1n, 2n * GiB / PAGE],
  ]);
  t.is(observe(s).regions[0]!.dynamic!.availableSize, SIZE - 2816n * MiB - 512n * MiB);
});

test('growth takes holes as they are: ranges need not be multiples of align, only the total', (t) => {
  let s = must(stateFor([region]), size('dax0.0', 0n), create, create);
  s = must(s, map('dax0.2', B + 512n * MiB, 512n * MiB), map('dax0.2', B + GiB + 254n * MiB, 770n * MiB));
  s = must(s, w(devRef('dax0.1', 'align'), `${GiB}`), size('dax0.1', GiB));
  t.deepEqual(
    mappings(s, 'dax0.1').map(([a, b]) => b - a + 1n),
    [512n * MiB, 254n * MiB, 258n * MiB],
  );
  t.deepEqual(result(s, w(devRef('dax0.1', 'align'), `${GiB}`)), { ok: false, errno: 'EINVAL' }, 'rewriting align now fails: the ranges are not 1 GiB multiples');
});

test('shrink across several ranges removes whole tail ranges, then trims', (t) => {
  let s = must(stateFor([region]), size('dax0.0', 0n), create, map('dax0.1', B + GiB, 2n * MiB), map('dax0.1', B, 4n * MiB), map('dax0.1', B + 2n * GiB, 8n * MiB));
  s = must(s, size('dax0.1', 4n * MiB));
  t.deepEqual(mappings(s, 'dax0.1'), [
    [B + GiB, B + GiB + 2n * MiB - 1n, 0n],
    [B, B + 2n * MiB - 1n, 2n * MiB / PAGE],
  ]);
  s = must(s, size('dax0.1', 0n));
  t.deepEqual(mappings(s, 'dax0.1'), []);
});

test('mapping: appended ranges get prefix-sum page offsets', (t) => {
  let s = must(stateFor([region]), size('dax0.0', 0n), create);
  for (let i = 0n; i < 4n; i++) s = must(s, map('dax0.1', B + 3n * GiB + i * 4n * MiB, 2n * MiB));
  t.deepEqual(mappings(s, 'dax0.1').map(([, , po]) => po), [0n, 0x200n, 0x400n, 0x600n]);
});

test('mapping: parse failures are EINVAL', (t) => {
  const s = must(stateFor([region]), size('dax0.0', 0n), create);
  for (const v of ['1000', '-1000', '1000-', '0x1000 - 0x2000', '1-2-3', 'zz-1fff', '0x1d0000000']) {
    t.deepEqual(result(s, w(devRef('dax0.1', 'mapping'), v)), { ok: false, errno: 'EINVAL' }, v);
  }
  const split = `${(B + GiB).toString(16)}\n-${(B + GiB + 2n * MiB - 1n).toString(16)}`;
  t.true(result(s, w(devRef('dax0.1', 'mapping'), split)).ok, 'each half may end in a newline');
});

test('mapping: a length not a multiple of max(align, 2 MiB) is ENXIO and allocates nothing', (t) => {
  const s = must(stateFor([region]), size('dax0.0', 0n), create);
  const step = apply(s, map('dax0.1', B, MiB));
  t.deepEqual(step.result, { ok: false, errno: 'ENXIO' });
  t.deepEqual(step.next, s);
});

test('mapping: zero length is a no-op without ranges, a WARN and EBUSY with ranges', (t) => {
  let s = must(stateFor([region]), size('dax0.0', 0n), create);
  for (const v of ['1000-fff', '0-ffffffffffffffff']) {
    const step = apply(s, w(devRef('dax0.1', 'mapping'), v));
    t.true(step.result.ok, v);
    t.deepEqual(step.next, s);
    t.is(step.kernelWarning, undefined);
  }
  s = must(s, map('dax0.1', B, 2n * MiB));
  for (const v of ['1000-fff', '0-ffffffffffffffff']) {
    const step = apply(s, w(devRef('dax0.1', 'mapping'), v));
    t.deepEqual(step.result, { ok: false, errno: 'EBUSY' }, v);
    t.regex(step.kernelWarning ?? '', /0-size allocation must be first/);
  }
});

test('mapping: wrapped, outside or overlapping ranges are ENOMEM', (t) => {
  const s = must(stateFor([region]), size('dax0.0', 0n), create, create, map('dax0.1', B + GiB, 2n * MiB));
  const bad = [
    `${(B + GiB).toString(16)}-${(B + GiB - 2n * MiB - 1n).toString(16)}`, // start > end, aligned modulo 2^64
    mappingValue(B + SIZE, 2n * MiB), // just past the region
    mappingValue(B - 2n * MiB, 4n * MiB), // straddles the region start
    mappingValue(B + GiB - 2n * MiB, 4n * MiB), // overlaps dax0.1's range
    mappingValue(B + GiB + MiB, 2n * MiB), // overlaps it from inside
  ];
  for (const v of bad) t.deepEqual(result(s, w(devRef('dax0.2', 'mapping'), v)), { ok: false, errno: 'ENOMEM' }, v);
  t.deepEqual(result(s, w(devRef('dax0.1', 'mapping'), mappingValue(B + GiB, 2n * MiB))), { ok: false, errno: 'ENOMEM' }, 'its own range too');
});

test('mapping: an unaligned start is accepted when the length is aligned', (t) => {
  const s = must(stateFor([region]), size('dax0.0', 0n), create, map('dax0.1', B + 0xf0900000n, 2n * MiB));
  t.deepEqual(mappings(s, 'dax0.1'), [[B + 0xf0900000n, B + 0xf0900000n + 2n * MiB - 1n, 0n]]);
});

test('mapping on a bound device (a kernel with mapping-on-bound-device) appends a range the driver never claimed', (t) => {
  let s = must(withBugs(stateFor([region]), ['mapping-on-bound-device']), size('dax0.0', 0n), create, size('dax0.1', 2n * MiB), w(drvRef('device_dax', 'bind'), 'dax0.1'));
  s = must(s, map('dax0.1', B + GiB, 2n * MiB));
  t.is(mappings(s, 'dax0.1').length, 2);
  t.deepEqual(observe(s).iomem.map((e) => [e.name, e.start]), [['dax0.1', B]], 'no iomem entry for the appended range');
});

test('the allocator sees every device of the region, bound or not', (t) => {
  const s = must(stateFor([region]), size('dax0.0', GiB), create, size('dax0.1', GiB));
  t.deepEqual(mappings(s, 'dax0.1'), [[B + GiB, B + 2n * GiB - 1n, 0n]]);
  t.deepEqual(result(s, size('dax0.1', 3n * GiB + 2n * MiB)), { ok: false, errno: 'ENOSPC' });
  t.deepEqual(result(s, w(drvRef('device_dax', 'bind'), 'dax0.0')), { ok: true });
});
