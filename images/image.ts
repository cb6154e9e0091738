// A guest image for one kernel: userland + that kernel's needed modules + the helper + /init, packed as a
// zstd cpio initramfs, content-addressed by everything that goes into it.
import { chmod, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { cachePath, cachedDir, hashOf, exists } from './cache.ts';
import { FileHasher } from './file-hash.ts';
import { HELPER_GUEST_PATH, buildHelper, helperSourceHash } from './guest-helper.ts';
import { initScript } from './init-script.ts';
import type { Kernel } from './kernel.ts';
import { MODULE_METADATA, allModuleFiles, contentKey, moduleClosure, parseModulesDep, readModulesDep } from './modules.ts';
import { GUEST_MODULES } from './pins.ts';
import { buildUserland, userlandKey } from './userland.ts';

export interface GuestImage {
  initramfs: string;
  /** The guest's SSH host key (`ssh-ed25519 AAAA…`): the harness refuses any other. */
  hostKey: string;
  /** Short content hash printed in every run, so a report says exactly which image ran. */
  hash: string;
  /** The whole content key (what saved machines of this image are keyed by). */
  key: string;
  release: string;
  packages: { name: string; version: string }[];
  cacheHit: boolean;
}

interface Manifest {
  hostKey: string;
  release: string;
  packages: { name: string; version: string }[];
  /** The module files copied in, relative to the kernel's module tree. */
  modules: string[];
}

/** The modules the image takes from the kernel's tree, as files relative to `modulesDir` (from modules.dep). */
async function guestModuleFiles(kernel: Kernel, hasher: FileHasher): Promise<{ files: string[]; depTree: string }> {
  let depTree = kernel.modulesDir;
  let depText = await readModulesDep(depTree);
  if (depText === null) {
    // No modules.dep (a tree installed without depmod): depmod runs on a hard-linked copy, never in the
    // user's tree, cached by the content of every module file (depmod reads them all).
    const all = await allModuleFiles(kernel.modulesDir);
    const key = hashOf('kmods-v2', kernel.release, await contentKey(kernel.modulesDir, all, hasher));
    const { dir } = await cachedDir(cachePath('kmods', key.slice(0, 32)), async (tmp) => {
      const into = join(tmp, 'lib', 'modules', kernel.release);
      await mkdir(dirname(into), { recursive: true });
      await execa('cp', ['-al', kernel.modulesDir, into]).catch(() => execa('cp', ['-a', kernel.modulesDir, into]));
      await execa('depmod', ['-b', tmp, kernel.release]);
    });
    depTree = join(dir, 'lib', 'modules', kernel.release);
    depText = (await readModulesDep(depTree)) ?? '';
  }
  return { files: moduleClosure(parseModulesDep(depText), GUEST_MODULES), depTree };
}

/**
 * What the image is made of, as one hash: the userland, the kernel image, its config and release, every
 * module file the image copies and the modules.* metadata (by content, so a module rebuilt in place makes a
 * new image), the helper and /init.
 */
export async function imageKey(kernel: Kernel, files: readonly string[], hasher: FileHasher): Promise<string> {
  return hashOf('image-v2', userlandKey(), await hasher.hash(kernel.bzImage), kernel.configText ?? '', kernel.release, await contentKey(kernel.modulesDir, files, hasher), await helperSourceHash(), initScript());
}

export async function buildImage(kernel: Kernel): Promise<GuestImage> {
  const hasher = new FileHasher();
  const { files, depTree } = await guestModuleFiles(kernel, hasher);
  const key = await imageKey(kernel, files, hasher);
  await hasher.save();
  const { dir, hit } = await cachedDir(cachePath('images', key.slice(0, 32)), async (tmp) => {
    const userland = await buildUserland();
    const root = join(tmp, 'root');
    await cp(userland.root, root, { recursive: true, verbatimSymlinks: true });
    await installModules(kernel, depTree, files, root);
    await copyFile(await buildHelper(), join(root, HELPER_GUEST_PATH));
    await chmod(join(root, HELPER_GUEST_PATH), 0o755);
    const hostKey = await configure(root);
    await pack(root, join(tmp, 'initramfs.cpio.zst'));
    await rm(root, { recursive: true });
    const manifest: Manifest = { hostKey, release: kernel.release, packages: userland.packages, modules: files };
    await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
  });
  const manifest: Manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  return { initramfs: join(dir, 'initramfs.cpio.zst'), hostKey: manifest.hostKey, hash: key.slice(0, 12), key, release: manifest.release, packages: manifest.packages, cacheHit: hit };
}

/**
 * Copies the module files, decompressed (the guest's kmod has no xz/zstd support loaded without udev's
 * helpers), and the modules.* metadata the kernel's tree has, then runs depmod for the guest tree.
 */
async function installModules(kernel: Kernel, depTree: string, files: readonly string[], root: string): Promise<void> {
  const rel = kernel.release;
  const dstBase = join(root, 'usr', 'lib', 'modules', rel);
  await mkdir(dstBase, { recursive: true });
  for (const rp of files) {
    const file = join(kernel.modulesDir, rp);
    const out = join(dstBase, rp.replace(/\.(xz|zst|gz)$/, ''));
    await mkdir(dirname(out), { recursive: true });
    const tool = { xz: 'xz', zst: 'zstd', gz: 'gzip' }[rp.match(/\.(xz|zst|gz)$/)?.[1] ?? ''];
    if (tool) await execa(tool, ['-dc', file], { stdout: { file: out } });
    else await copyFile(file, out);
  }
  for (const f of MODULE_METADATA) {
    const src = (await exists(join(kernel.modulesDir, f))) ? join(kernel.modulesDir, f) : join(depTree, f);
    if (await exists(src)) await copyFile(src, join(dstBase, f));
  }
  await execa('depmod', ['-b', root, rel]);
}

/** Users, SSH server, /init. Only public-key root login; the key itself arrives per guest in an overlay. */
async function configure(root: string): Promise<string> {
  for (const d of ['proc', 'sys', 'dev', 'run', 'tmp', 'root/.ssh', 'etc/dropbear', 'var/log']) await mkdir(join(root, d), { recursive: true });
  await chmod(join(root, 'root'), 0o700);
  await chmod(join(root, 'root/.ssh'), 0o700);
  await chmod(join(root, 'tmp'), 0o1777);
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  await writeFile(join(root, 'etc/shadow'), 'root:*:20000:0:99999:7:::\n', { mode: 0o600 });
  await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
  await writeFile(join(root, 'etc/shells'), '/bin/sh\n/usr/bin/sh\n');
  await writeFile(join(root, 'init'), initScript(), { mode: 0o755 });
  const { stdout } = await execa('chroot', [root, '/usr/bin/dropbearkey', '-t', 'ed25519', '-f', '/etc/dropbear/dropbear_ed25519_host_key']);
  const hostKey = stdout.split('\n').find((l) => l.startsWith('ssh-ed25519 '));
  if (!hostKey) throw new Error(`dropbearkey printed no public key:\n${stdout}`);
  return hostKey.split(' ').slice(0, 2).join(' ');
}

async function pack(root: string, out: string): Promise<void> {
  // Sorted names make the archive a function of the tree, not of readdir order.
  await execa('sh', ['-c', 'find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet --reproducible | zstd -q -T0 -10 -o "$1"', 'pack', out], { cwd: root });
}
