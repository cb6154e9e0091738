import test from 'ava';
import { kernelArgs, kernelChoice } from './kernel-flags.ts';
import { UsageError } from './errors.ts';

test('--debug and --coverage build the series from its source; alone they take the default series', (t) => {
  t.deepEqual(kernelChoice({ 'debian-kernel': '7.3', debug: true }), { kind: 'source', series: '7.3', profile: { debug: true, coverage: false } });
  t.deepEqual(kernelChoice({ coverage: true, debug: true }), { kind: 'source', series: '6.12', profile: { debug: true, coverage: true } });
  t.deepEqual(kernelChoice({ 'debian-kernel': 'latest' }), { kind: 'debian', series: 'latest' });
});

test('a tree takes --coverage (its own config must have gcov) but not --debug, which daxh kconfig sets', (t) => {
  t.deepEqual(kernelChoice({ 'kernel-tree': 'linux', coverage: true }), { kind: 'tree', dir: 'linux', build: false });
  t.regex(t.throws(() => kernelChoice({ 'kernel-tree': 'linux', debug: true }), { instanceOf: UsageError })!.message, /daxh kconfig --kernel-tree linux --debug/);
});

test('a bzImage has no source to build: --debug or --coverage with --kernel is refused', (t) => {
  for (const flag of ['debug', 'coverage'] as const) t.regex(t.throws(() => kernelChoice({ kernel: 'bz', modules: 'm', [flag]: true }), { instanceOf: UsageError })!.message, new RegExp(`^--${flag} builds a kernel from source`));
});

test('the flags round-trip for commands that start another daxh', (t) => {
  t.deepEqual(kernelArgs({ 'debian-kernel': '7.3', debug: true, coverage: true }), ['--debian-kernel', '7.3', '--debug', '--coverage']);
});
