import test from 'ava';
import { missingDaxOptions, parseKernelConfig } from './kconfig.ts';

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
