import test from 'ava';
import { handlerInput, kstrtobool, kstrtoint, kstrtoull, parseDaxIdName, parseMappingRange, sysfsStreq } from './parse.ts';

const U64_MAX = 2n ** 64n - 1n;

test('kstrtoull base 0: accepted spellings', (t) => {
  t.deepEqual(kstrtoull('2097152', 0), { ok: true, value: 2097152n });
  t.deepEqual(kstrtoull('2097152\n', 0), { ok: true, value: 2097152n }, 'one trailing newline');
  t.deepEqual(kstrtoull('+2097152', 0), { ok: true, value: 2097152n }, 'plus sign');
  t.deepEqual(kstrtoull('010000000', 0), { ok: true, value: 0o10000000n }, 'leading 0 is octal');
  t.deepEqual(kstrtoull('0x200000', 0), { ok: true, value: 0x200000n });
  t.deepEqual(kstrtoull('0X20000A', 0), { ok: true, value: 0x20000an }, 'upper-case prefix and digit');
  t.deepEqual(kstrtoull('0', 0), { ok: true, value: 0n });
  t.deepEqual(kstrtoull(U64_MAX.toString(), 0), { ok: true, value: U64_MAX });
});

test('kstrtoull base 0: every malformed class', (t) => {
  const einval = ['', '\n', 'abc', '2M', ' 2097152', '2097152 ', '-2097152', '2097152\n\n', '++1', '08', '0x', '0xg', '1.5'];
  for (const s of einval) t.deepEqual(kstrtoull(s, 0), { ok: false, errno: 'EINVAL' }, JSON.stringify(s));
  t.deepEqual(kstrtoull('99999999999999999999', 0), { ok: false, errno: 'ERANGE' });
  t.deepEqual(kstrtoull((U64_MAX + 1n).toString(), 0), { ok: false, errno: 'ERANGE' });
  t.deepEqual(kstrtoull('0x10000000000000000', 0), { ok: false, errno: 'ERANGE' });
  // _parse_integer_limit flags overflow and keeps going, so junk after an overflow is still ERANGE.
  t.deepEqual(kstrtoull('99999999999999999999x', 0), { ok: false, errno: 'ERANGE' });
});

test('kstrtoull base 16 (mapping halves): optional 0x, hex digits only', (t) => {
  t.deepEqual(kstrtoull('1e0200000\n', 16), { ok: true, value: 0x1e0200000n });
  t.deepEqual(kstrtoull('0x1000', 16), { ok: true, value: 0x1000n });
  t.deepEqual(kstrtoull('ABC', 16), { ok: true, value: 0xabcn });
  t.deepEqual(kstrtoull('zz', 16), { ok: false, errno: 'EINVAL' });
  t.deepEqual(kstrtoull('0x', 16), { ok: false, errno: 'EINVAL' });
  t.deepEqual(kstrtoull('1ffffffffffffffff', 16), { ok: false, errno: 'ERANGE' });
});

test('kstrtoint: sign handling and int range', (t) => {
  t.deepEqual(kstrtoint('1', 0), { ok: true, value: 1 });
  t.deepEqual(kstrtoint('0x1', 0), { ok: true, value: 1 });
  t.deepEqual(kstrtoint('-1', 0), { ok: true, value: -1 });
  t.deepEqual(kstrtoint('-0', 0), { ok: true, value: 0 });
  t.deepEqual(kstrtoint('2147483647', 0), { ok: true, value: 2147483647 });
  t.deepEqual(kstrtoint('-2147483648', 0), { ok: true, value: -2147483648 });
  t.deepEqual(kstrtoint('2147483648', 0), { ok: false, errno: 'ERANGE' });
  t.deepEqual(kstrtoint('-2147483649', 0), { ok: false, errno: 'ERANGE' });
  t.deepEqual(kstrtoint('9223372036854775808', 0), { ok: false, errno: 'ERANGE' }, 'negative as long long');
  t.deepEqual(kstrtoint('99999999999999999999', 0), { ok: false, errno: 'ERANGE' });
  t.deepEqual(kstrtoint('-+1', 0), { ok: false, errno: 'EINVAL' }, "no '+' after '-'");
  t.deepEqual(kstrtoint('+-1', 0), { ok: false, errno: 'EINVAL' });
  t.deepEqual(kstrtoint('1\n', 0), { ok: true, value: 1 });
  t.deepEqual(kstrtoint('', 0), { ok: false, errno: 'EINVAL' });
});

const OLD = { kstrtoboolEnableDisable: false };
const NEW = { kstrtoboolEnableDisable: true };

test('kstrtobool: first one or two characters decide', (t) => {
  for (const s of ['1', 'y', 'Y', 't', 'T', 'yes', 'on', 'ON', 'On', '10', 'true\n', 'oN']) t.deepEqual(kstrtobool(s, OLD), { ok: true, value: true }, s);
  for (const s of ['0', 'n', 'N', 'f', 'F', 'no', 'off', 'OFF', 'false', '0\n', 'oF']) t.deepEqual(kstrtobool(s, OLD), { ok: true, value: false }, s);
  for (const s of ['', '\n', 'x', 'o', 'ox', ' 1', '2', 'enable', 'disable']) t.deepEqual(kstrtobool(s, OLD), { ok: false, errno: 'EINVAL' }, JSON.stringify(s));
});

test('kstrtobool with enable/disable (6.16 and later here): e/E true, d/D false, the rest as before', (t) => {
  for (const s of ['e', 'E', 'enable', 'Enabled', 'exit']) t.deepEqual(kstrtobool(s, NEW), { ok: true, value: true }, s);
  for (const s of ['d', 'D', 'disable', 'dis', 'dxyz']) t.deepEqual(kstrtobool(s, NEW), { ok: true, value: false }, s);
  for (const s of ['', 'x', 'o', ' e']) t.deepEqual(kstrtobool(s, NEW), { ok: false, errno: 'EINVAL' }, JSON.stringify(s));
  t.deepEqual(kstrtobool('yes', NEW), { ok: true, value: true });
});

test('sysfs_streq: one trailing newline on either side, nothing else', (t) => {
  t.true(sysfsStreq('dax0.1', 'dax0.1'));
  t.true(sysfsStreq('dax0.1', 'dax0.1\n'));
  t.true(sysfsStreq('dax0.1\n', 'dax0.1'));
  t.false(sysfsStreq('dax0.1', 'dax0.1\n\n'));
  t.false(sysfsStreq('dax0.1', 'dax0.1 '));
  t.false(sysfsStreq('dax0.1', ' dax0.1'));
  t.false(sysfsStreq('dax0.1', 'dax0.10'));
  t.false(sysfsStreq('dax0.1', ''));
});

test('new_id/remove_id names: canonical dax%d.%d only', (t) => {
  t.is(parseDaxIdName('dax0.1'), 'dax0.1');
  t.is(parseDaxIdName('dax0.1\n'), 'dax0.1');
  t.is(parseDaxIdName('dax12.345'), 'dax12.345');
  t.is(parseDaxIdName('dax-1.0'), 'dax-1.0', 'unsigned parse, signed print');
  t.is(parseDaxIdName('dax0.9'), 'dax0.9', 'the device need not exist');
  for (const s of ['dax00.1', ' dax0.1', 'dax0.1x', 'dax0.1 ', 'dax0. 1', 'dax0.-0', 'dax0.1\n\n', 'dax0', 'dax0.', 'DAX0.1', 'dax2147483648.0', 'dax+1.0', '']) {
    t.is(parseDaxIdName(s), null, JSON.stringify(s));
  }
});

test('mapping values: split at the first dash, both halves hex', (t) => {
  t.deepEqual(parseMappingRange('0x140000000-0x17fffffff'), { ok: true, value: { start: 0x140000000n, end: 0x17fffffffn } });
  t.deepEqual(parseMappingRange('1e0200000\n-1e03fffff'), { ok: true, value: { start: 0x1e0200000n, end: 0x1e03fffffn } });
  t.deepEqual(parseMappingRange('1000-fff'), { ok: true, value: { start: 0x1000n, end: 0xfffn } });
  t.deepEqual(parseMappingRange('+1000-+2000'), { ok: true, value: { start: 0x1000n, end: 0x2000n } });
  for (const s of ['1000', '-1000', '1000-', '0x1000 - 0x2000', '1-2-3', 'zz-1fff', '0x1d0000000', '']) {
    t.deepEqual(parseMappingRange(s), { ok: false, errno: 'EINVAL' }, JSON.stringify(s));
  }
  t.deepEqual(parseMappingRange('1ffffffffffffffff-2'), { ok: false, errno: 'ERANGE' }, "an overflowing half passes kstrtoull's ERANGE through");
});

test('handler input: a C string of at most one page', (t) => {
  t.is(handlerInput('dax0.1\0junk'), 'dax0.1');
  t.is(handlerInput('\0'), '');
  const long = '1'.repeat(5000);
  t.is(handlerInput(long).length, 4096);
  t.is(handlerInput('abc'), 'abc');
});
