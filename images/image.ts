// A guest image for one kernel: userland + that kernel's needed modules + the helper + /init, packed as a
// zstd cpio initramfs, content-addressed by everything that goes into it.
import { chmod, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { execa } from 'execa';
import { cachePath, cachedDir, hashOf, exists } from './cache.ts';
import { HELPER_GUEST_PATH, buildHelper, helperSourceHash } from './guest-helper.ts';
import { initScript } from './init-script.ts';
import type { Kernel } from './kernel.ts';
import { GUEST_MODULES } from './pins.ts';
import { buildUserland, userlandKey } from './userland.ts';

export interface GuestImage {
  initramfs: string;
  /** The guest's SSH host key (`ssh-ed25519 AAAA…`): the harness refuses any other. */
  hostKey: string;
  /** Short content hash printed in every run, so a report says exactly which image ran. */
  hash: string;
  release: string;
  packages: { name: string; version: string }[];
  cacheHit: boolean;
}

interface Manifest {
  hostKey: string;
  release: string;
  packages: { name: string; version: string }[];
}

export async function imageKey(kernel: Kernel): Promise<string> {
  return hashOf('image-v1', userlandKey(), kernel.identity, await helperSourceHash(), initScript(), ...GUEST_MODULES);
}

export async function buildImage(kernel: Kernel): Promise<GuestImage> {
  const key = await imageKey(kernel);
  const { dir, hit } = await cachedDir(cachePath('images', key), async (tmp) => {
    const userland = await buildUserland();
    const root = join(tmp, 'root');
    await cp(userland.root, root, { recursive: true, verbatimSymlinks: true });
    await installModules(kernel, root);
    await copyFile(await buildHelper(), join(root, HELPER_GUEST_PATH));
    await chmod(join(root, HELPER_GUEST_PATH), 0o755);
    const hostKey = await configure(root);
    await pack(root, join(tmp, 'initramfs.cpio.zst'));
    await rm(root, { recursive: true });
    const manifest: Manifest = { hostKey, release: kernel.release, packages: userland.packages };
    await writeFile(join(tmp, 'manifest.json'), JSON.stringify(manifest, null, 1));
  });
  const manifest: Manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
  return { initramfs: join(dir, 'initramfs.cpio.zst'), hostKey: manifest.hostKey, hash: key.slice(0, 12), release: manifest.release, packages: manifest.packages, cacheHit: hit };
}

/**
 * Copies GUEST_MODULES and their dependencies, decompressed (the guest's kmod has no xz/zstd support
 * loaded without udev's helpers), then runs depmod for the guest tree. Dependencies are resolved on a
 * hard-linked, depmod-ed copy of the kernel's tree, so a user's module directory is never written to.
 */
async function installModules(kernel: Kernel, root: string): Promise<void> {
  const rel = kernel.release;
  const { dir: depTree } = await cachedDir(cachePath('kmods', kernel.identity), async (tmp) => {
    await mkdir(join(tmp, 'lib', 'modules'), { recursive: true });
    await execa('cp', ['-al', join(kernel.modulesRoot, 'lib', 'modules', rel), join(tmp, 'lib', 'modules', rel)]).catch(() =>
      execa('cp', ['-a', join(kernel.modulesRoot, 'lib', 'modules', rel), join(tmp, 'lib', 'modules', rel)]),
    );
    await execa('depmod', ['-b', tmp, rel]);
  });
  const srcBase = join(depTree, 'lib', 'modules', rel);
  const files = new Set<string>();
  for (const m of GUEST_MODULES) {
    // Built-in and absent modules print no insmod line; absence is the kernel's choice, reported later as a capability.
    const { stdout } = await execa('modprobe', ['-S', rel, '-d', depTree, '--show-depends', m], { reject: false });
    for (const line of stdout.split('\n')) {
      const path = line.match(/^insmod (\S+)/)?.[1];
      if (path) files.add(path);
    }
  }
  const dstBase = join(root, 'usr', 'lib', 'modules', rel);
  for (const file of files) {
    const rp = relative(srcBase, file);
    const out = join(dstBase, rp.replace(/\.(xz|zst|gz)$/, ''));
    await mkdir(dirname(out), { recursive: true });
    const tool = { xz: 'xz', zst: 'zstd', gz: 'gzip' }[rp.match(/\.(xz|zst|gz)$/)?.[1] ?? ''];
    if (tool) await execa(tool, ['-dc', file], { stdout: { file: out } });
    else await copyFile(file, out);
  }
  for (const f of ['modules.builtin', 'modules.builtin.modinfo', 'modules.order']) {
    if (await exists(join(srcBase, f))) await copyFile(join(srcBase, f), join(dstBase, f));
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
