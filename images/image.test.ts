import test from 'ava';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { FileHasher } from './file-hash.ts';
import { imageKey } from './image.ts';
import type { Kernel } from './kernel.ts';

test('rewriting one module in place makes a new image, even with its size and mtime put back', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'image-key-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const modulesDir = join(dir, 'lib', 'modules', '6.99.0');
  await mkdir(join(modulesDir, 'kernel', 'drivers', 'dax'), { recursive: true });
  const kmem = join(modulesDir, 'kernel', 'drivers', 'dax', 'kmem.ko');
  await writeFile(join(dir, 'bzImage'), 'kernel');
  await writeFile(kmem, 'module version A');
  await writeFile(join(modulesDir, 'modules.order'), 'kernel/drivers/dax/kmem.ko\n');
  const kernel: Kernel = { label: 'test', origin: 'user', bzImage: join(dir, 'bzImage'), modulesDir, release: '6.99.0', configText: 'CONFIG_DEV_DAX=m\n', config: null };
  const files = ['kernel/drivers/dax/kmem.ko'];
  const hasher = new FileHasher(join(dir, 'hashes.json'));
  const before = await imageKey(kernel, files, hasher);
  t.is(await imageKey(kernel, files, hasher), before, 'an unchanged tree keeps its image');
  // touch -r puts the mtime back to the nanosecond, as `cp -p` or a build system restoring stamps would.
  const ref = join(dir, 'ref');
  await execa('cp', ['-p', kmem, ref]);
  const was = await stat(kmem, { bigint: true });
  await writeFile(kmem, 'module version B');
  await execa('touch', ['-r', ref, kmem]);
  const now = await stat(kmem, { bigint: true });
  t.deepEqual([now.size, now.mtimeNs, now.ino], [was.size, was.mtimeNs, was.ino], 'size, mtime and inode are as before');
  t.not(await imageKey(kernel, files, hasher), before, 'same path, size and mtime, new content: a new image');
  await hasher.save();
  t.not(await imageKey(kernel, files, new FileHasher(join(dir, 'hashes.json'))), before, 'also through the saved hash cache');
});
