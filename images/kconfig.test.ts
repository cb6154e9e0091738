import test from 'ava';
import { configProfile, editLoopNote, kconfigSymbols, missingDaxOptions, parseKernelConfig, scriptsConfigArgs, settingsMissing } from './kconfig.ts';

test('parses set options and ignores "is not set" comments', (t) => {
  const c = parseKernelConfig('CONFIG_DEV_DAX=m\n# CONFIG_DEV_DAX_KMEM is not set\nCONFIG_X86_64=y\nCONFIG_CMDLINE=""\n');
  t.is(c.get('CONFIG_DEV_DAX'), 'm');
  t.is(c.get('CONFIG_DEV_DAX_KMEM'), undefined);
  t.is(c.get('CONFIG_CMDLINE'), '""');
});

test('a kernel without kmem is refused, one with both options is not', (t) => {
  t.deepEqual(missingDaxOptions(parseKernelConfig('CONFIG_DEV_DAX=y\n# CONFIG_DEV_DAX_KMEM is not set\n')), ['CONFIG_DEV_DAX_KMEM']);
  t.deepEqual(missingDaxOptions(parseKernelConfig('')), ['CONFIG_DEV_DAX', 'CONFIG_DEV_DAX_KMEM']);
  t.deepEqual(missingDaxOptions(parseKernelConfig('CONFIG_DEV_DAX=y\nCONFIG_DEV_DAX_KMEM=m\n')), []);
});

test('the profile names debug options beyond what a distribution turns on anyway', (t) => {
  t.is(configProfile(parseKernelConfig('CONFIG_DETECT_HUNG_TASK=y\nCONFIG_DEBUG_LIST=y\n'), 'debian'), 'debian');
  t.is(configProfile(parseKernelConfig('CONFIG_KASAN=y\nCONFIG_PROVE_LOCKING=y\nCONFIG_DEBUG_LIST=y\nCONFIG_UBSAN=y\n'), 'user'), 'user debug: KASAN PROVE_LOCKING');
  t.is(configProfile(null, 'user'), 'user (config unknown)');
});

test('kconfig: settings the tree defines but the config lacks are named; an m built in counts as set', (t) => {
  const settings = [
    { option: 'CONFIG_DEV_DAX', value: 'm' as const, why: '' },
    { option: 'CONFIG_DEV_DAX_KMEM', value: 'm' as const, why: '' },
    { option: 'CONFIG_NUMA', value: 'y' as const, why: '' },
    { option: 'CONFIG_DEV_DAX_FSDEV', value: 'm' as const, why: '' },
  ];
  const known = kconfigSymbols(['config DEV_DAX\n\ttristate "x"\nmenuconfig NUMA\n', '  config DEV_DAX_KMEM\n']);
  const config = parseKernelConfig('CONFIG_DEV_DAX=y\n# CONFIG_DEV_DAX_KMEM is not set\nCONFIG_NUMA=y\n');
  t.deepEqual(settingsMissing(settings, config, (o) => known.has(o)).map((s) => s.option), ['CONFIG_DEV_DAX_KMEM'], 'FSDEV is not in this tree, DEV_DAX=y is fine');
  t.deepEqual(scriptsConfigArgs(settings.slice(1, 3)), ['--module', 'DEV_DAX_KMEM', '--enable', 'NUMA']);
});

test('the edit-loop note names LOCALVERSION_AUTO only where it is set', (t) => {
  t.regex(editLoopNote(parseKernelConfig('CONFIG_LOCALVERSION_AUTO=y\n')) ?? '', /first edit after a commit turns the release -dirty/);
  t.is(editLoopNote(parseKernelConfig('# CONFIG_LOCALVERSION_AUTO is not set\n')), null);
});
