// `daxh bisect` end to end, on a stand-in kernel tree: a git repository whose Makefile "builds" one of the
// two pinned Debian kernels, chosen by a file that a later commit switches from 6.1 to 6.12. The recipe is
// the 6.9+ misaligned-mapping bug with --strict, on a device released first (a mapping write to a bound
// device is a bug of its own, on 6.1 too), so 6.1 commits are good, 6.12 commits bad.
import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { makeRecipe } from '../harness/recipe/recipe.ts';
import { depmodBase } from '../images/kernel.ts';
import { write } from './ops.ts';
import { kernel } from './fixture.ts';

const MAKEFILE = `# Stand-in kernel tree for the bisect test: "building" copies a prebuilt kernel named in ./KERNEL.
K := $(shell cat KERNEL)
R := $(shell ls $(K)/lib/modules)
olddefconfig:
\tcp $(K)/boot/config-$(R) .config
# Two targets on one rule would run the copy twice under make -j: modules has nothing to build here.
.PHONY: olddefconfig bzImage modules modules_install
bzImage:
\tmkdir -p arch/x86/boot include/config
\tcp -f $(K)/boot/vmlinuz-$(R) arch/x86/boot/bzImage
\techo $(R) > include/config/kernel.release
modules:
\t@true
modules_install:
\tmkdir -p $(INSTALL_MOD_PATH)/lib/modules
\tcp -al $(K)/lib/modules/$(R) $(INSTALL_MOD_PATH)/lib/modules/$(R)
`;

test.serial('bisect finds the commit that switched to a kernel with the bug', async (t) => {
  const [old, cur] = [await kernel('6.1'), await kernel('6.12')];
  const tree = await mkdtemp(join(tmpdir(), 'daxh-bisect-tree-'));
  t.teardown(() => rm(tree, { recursive: true, force: true }));
  const git = (...args: string[]) => execa('git', ['-C', tree, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
  await git('init', '-q');
  await writeFile(join(tree, 'Makefile'), MAKEFILE);
  // The shape daxh checks a --kernel-tree for; the stand-in's make never calls scripts/config.
  await writeFile(join(tree, 'Kconfig'), '');
  await mkdir(join(tree, 'scripts'));
  await writeFile(join(tree, 'scripts', 'config'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  await writeFile(join(tree, '.gitignore'), '.config\narch/\ninclude/\n');
  const kernelDir = (p: typeof old) => depmodBase(p.kernel.modulesDir);
  const commits: string[] = [];
  for (const [i, p] of [old, old, old, cur, cur].entries()) {
    await writeFile(join(tree, 'KERNEL'), kernelDir(p));
    await writeFile(join(tree, 'step'), String(i));
    await git('add', '-A');
    await git('commit', '-q', '-m', `step ${i}`);
    commits.push((await git('rev-parse', 'HEAD')).stdout.trim());
  }
  await execa('make', ['-C', tree, '-s', 'olddefconfig']);
  const recipe = join(tree, '..', `${tree.split('/').pop()}-recipe.json`);
  t.teardown(() => rm(recipe, { force: true }));
  await writeFile(recipe, JSON.stringify(makeRecipe({ topology: 'hmem', capabilities: ['hmem'], steps: [write.driver('device_dax', 'unbind', 'dax0.0'), write.device('dax0.0', 'size', '0'), write.device('dax0.0', 'mapping', '0x100000000-0x1000fffff')], origin: { suite: 'bisect-test', case: 'misaligned mapping', kernel: 'any', savedAt: 'now' } })));
  const r = await execa('node', ['bin/daxh.js', 'bisect', '--kernel-tree', tree, '--good', commits[0]!, '--bad', commits[4]!, '--strict', recipe], { reject: false, all: true });
  t.is(r.exitCode, 0, r.all);
  t.regex(r.stdout, new RegExp(`first bad commit: ${commits[3]}`));
  t.log(r.stderr.split('\n').filter((l) => l.includes('bisect took')).join(''));
});
