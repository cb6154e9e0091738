import test from 'ava';
import fc from 'fast-check';
import { formatSize, GiB, isPowerOfTwo, KiB, MiB, parseSize, SizeError, TiB } from './size.ts';

test('parseSize reads binary suffixes, byte counts and hex addresses', (t) => {
  const cases: [string | number, bigint][] = [
    ['4G', 4n * GiB],
    ['512M', 512n * MiB],
    ['128K', 128n * KiB],
    ['1T', TiB],
    ['4g', 4n * GiB],
    ['2MiB', 2n * MiB],
    ['2MB', 2n * MiB],
    ['4096', 4096n],
    ['4096B', 4096n],
    [' 1G ', GiB],
    [4096, 4096n],
    [0, 0n],
    ['0x100000000', 4n * GiB],
  ];
  for (const [input, bytes] of cases) t.is(parseSize(input), bytes, String(input));
});

test('parseSize rejects what is not a whole byte count, saying how to write it', (t) => {
  t.is(t.throws(() => parseSize('1.5G'), { instanceOf: SizeError }).message, '"1.5G" is not a size; sizes are whole numbers, e.g. 1536M');
  t.regex(t.throws(() => parseSize('lots'), { instanceOf: SizeError }).message, /^"lots" is not a size; write e\.g\. 512M/);
  for (const bad of ['4 G', '4X', '-1G', '', 'G']) t.throws(() => parseSize(bad), { instanceOf: SizeError }, bad);
  t.throws(() => parseSize(-1), { instanceOf: SizeError });
  t.throws(() => parseSize(1.5), { instanceOf: SizeError });
  t.throws(() => parseSize(2 ** 60), { instanceOf: SizeError, message: /write it as a string/ });
});

test('formatSize picks the largest exact unit', (t) => {
  t.is(formatSize(4n * GiB), '4G');
  t.is(formatSize(640n * MiB), '640M');
  t.is(formatSize(4864n * MiB), '4864M');
  t.is(formatSize(128n * KiB), '128K');
  t.is(formatSize(1000n), '1000');
  t.is(formatSize(0n), '0');
});

test('formatSize output parses back to the same bytes', (t) => {
  fc.assert(fc.property(fc.bigInt({ min: 0n, max: 1n << 50n }), (n) => parseSize(formatSize(n)) === n));
  t.pass();
});

test('isPowerOfTwo', (t) => {
  t.deepEqual([0n, 1n, 256n, 384n, 16384n].map(isPowerOfTwo), [false, true, true, false, true]);
});
