// The guest's userland: trixie .debs extracted into a tree, made runnable without dpkg (merged /usr,
// busybox applets, ld.so cache), trimmed. Built once per pin set and shared by every kernel's image.
import { cp, lstat, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { aptClosure, aptDownload, aptRecord, privateAptState, type PackageRecord } from './apt.ts';
import { cachePath, cachedDir, exists, hashOf } from './cache.ts';
import { NDCTL_MAJOR, USERLAND_PACKAGES, USERLAND_SUITE } from './pins.ts';

export interface Userland {
  root: string;
  packages: { name: string; version: string }[];
}

const TRIM = ['usr/share/doc', 'usr/share/man', 'usr/share/locale', 'usr/share/lintian', 'usr/share/info', 'usr/share/bug', 'usr/share/bash-completion', 'usr/share/zsh', 'usr/lib/x86_64-linux-gnu/gconv', 'usr/lib/systemd', 'etc/init.d', 'usr/lib/udev'];

export function userlandKey(): string {
  return hashOf('userland-v1', USERLAND_SUITE, ...USERLAND_PACKAGES);
}

export async function buildUserland(): Promise<Userland> {
  const { dir } = await cachedDir(cachePath('userland', userlandKey()), async (tmp) => {
    const state = await privateAptState(USERLAND_SUITE);
    const names = await aptClosure(state, USERLAND_PACKAGES);
    const records: PackageRecord[] = [];
    for (const name of names) records.push(await aptRecord(state, name));
    const ndctl = records.find((r) => r.name === 'ndctl');
    if (!ndctl || !ndctl.version.startsWith(`${NDCTL_MAJOR}`)) {
      throw new Error(`${USERLAND_SUITE} offers ndctl ${ndctl?.version ?? 'none'}, the harness needs ${NDCTL_MAJOR}`);
    }
    const debs = await aptDownload(state, records, cachePath('debs', USERLAND_SUITE));
    const root = join(tmp, 'root');
    await mkdir(root);
    for (const deb of debs) await execa('dpkg-deb', ['-x', deb, root]);
    await mergeUsr(root);
    for (const t of TRIM) await rm(join(root, t), { recursive: true, force: true });
    await linkBusyboxApplets(root);
    await execa('ldconfig', ['-r', root]); // trixie's ldconfig is in libc-bin, which the closure does not ship
    await writeFile(join(tmp, 'packages.json'), JSON.stringify(records.map((r) => ({ name: r.name, version: r.version })), null, 1));
  });
  return { root: join(dir, 'root'), packages: JSON.parse(await readFile(join(dir, 'packages.json'), 'utf8')) };
}

/** trixie packages assume /bin, /sbin, /lib, /lib64 are links into /usr; some still ship files there. */
async function mergeUsr(root: string): Promise<void> {
  for (const d of ['bin', 'sbin', 'lib', 'lib64']) {
    const top = join(root, d);
    await mkdir(join(root, 'usr', d), { recursive: true });
    if ((await exists(top)) && !(await lstat(top)).isSymbolicLink()) {
      await cp(top, join(root, 'usr', d), { recursive: true, verbatimSymlinks: true });
      await rm(top, { recursive: true });
    }
    if (!(await exists(top))) await symlink(`usr/${d}`, top);
  }
}

/** busybox applets fill the gaps, but never shadow the real kmod, dropbear or ndctl binaries. */
async function linkBusyboxApplets(root: string): Promise<void> {
  const { stdout } = await execa(join(root, 'usr/bin/busybox'), ['--list-full']);
  for (const applet of stdout.split('\n').filter(Boolean)) {
    const target = join(root, applet);
    const present = await lstat(target).then(() => true, () => false);
    if (present) continue;
    await mkdir(join(target, '..'), { recursive: true });
    await symlink('/usr/bin/busybox', target);
  }
}
