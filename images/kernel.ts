// The kernel under test, from one of three places, resolved to a bzImage, its module tree and its config.
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { HOST_APT, aptDownload, aptRecord, aptUpdate, sha256File } from './apt.ts';
import { cachePath, cachedDir, exists, hashOf } from './cache.ts';
import { parseKernelConfig, missingDaxOptions, type KernelConfig } from './kconfig.ts';
import { DEBIAN_KERNELS, type DebianKernelPin } from './pins.ts';

export type KernelChoice =
  | { kind: 'debian'; series: DebianKernelPin['series'] }
  | { kind: 'files'; bzImage: string; modules: string }
  | { kind: 'tree'; dir: string };

export interface Kernel {
  label: string; // how reports name where it came from
  bzImage: string;
  /** A directory holding lib/modules/<release>/ (an INSTALL_MOD_PATH tree). */
  modulesRoot: string;
  release: string;
  /** null when no config could be found before boot; the guest's /proc/config.gz is checked instead. */
  config: KernelConfig | null;
  /** Hash of what makes this kernel this kernel; image cache keys include it. */
  identity: string;
}

export class KernelError extends Error {}

export async function resolveKernel(choice: KernelChoice): Promise<Kernel> {
  const kernel = await resolveUnchecked(choice);
  if (kernel.config) {
    const missing = missingDaxOptions(kernel.config);
    if (missing.length > 0) {
      throw new KernelError(`${kernel.label} (${kernel.release}) lacks ${missing.join(', ')}: rebuild it with ${missing.map((o) => `${o}=m`).join(' ')}`);
    }
  }
  return kernel;
}

async function resolveUnchecked(choice: KernelChoice): Promise<Kernel> {
  switch (choice.kind) {
    case 'debian':
      return debianKernel(choice.series);
    case 'files':
      return filesKernel(resolve(choice.bzImage), resolve(choice.modules));
    case 'tree':
      return treeKernel(resolve(choice.dir));
  }
}

export function debianPin(series: string): DebianKernelPin {
  const pin = DEBIAN_KERNELS.find((k) => k.series === series);
  if (!pin) throw new KernelError(`--debian-kernel ${series}: unknown series; use one of ${DEBIAN_KERNELS.map((k) => k.series).join(', ')}`);
  return pin;
}

async function debianKernel(series: string): Promise<Kernel> {
  // Flags arrive as text; this is the one place that knows which series exist.
  const pin = debianPin(series);
  const { dir } = await cachedDir(cachePath('kernels', `${pin.package}_${pin.version}`), async (tmp) => {
    // A fresh machine's package lists may predate the pin: refresh once before giving up.
    const record = await aptRecord(HOST_APT, pin.package, pin.version).catch(async () => {
      await aptUpdate(HOST_APT);
      return aptRecord(HOST_APT, pin.package, pin.version);
    });
    const [deb] = await aptDownload(HOST_APT, [record], cachePath('debs'));
    await execa('dpkg-deb', ['-x', deb!, tmp]);
  });
  const release = await singleRelease(dir);
  const bzImage = join(dir, 'boot', `vmlinuz-${release}`);
  const config = parseKernelConfig(await readFile(join(dir, 'boot', `config-${release}`), 'utf8'));
  return { label: `Debian ${pin.package} ${pin.version}`, bzImage, modulesRoot: dir, release, config, identity: hashOf(pin.package, pin.version) };
}

async function filesKernel(bzImage: string, modules: string): Promise<Kernel> {
  if (!(await exists(bzImage))) throw new KernelError(`--kernel ${bzImage}: no such file`);
  if (!(await exists(join(modules, 'lib', 'modules')))) {
    throw new KernelError(`--modules ${modules}: no lib/modules/ inside; pass the INSTALL_MOD_PATH of \`make modules_install\``);
  }
  const release = await singleRelease(modules);
  const candidates = [join(dirname(bzImage), `config-${release}`), join(modules, 'lib', 'modules', release, 'build', '.config')];
  let config: KernelConfig | null = null;
  for (const c of candidates) {
    if (await exists(c)) {
      config = parseKernelConfig(await readFile(c, 'utf8'));
      break;
    }
  }
  return { label: `bzImage ${bzImage}`, bzImage, modulesRoot: modules, release, config, identity: hashOf(await sha256File(bzImage), release, modules) };
}

async function treeKernel(dir: string): Promise<Kernel> {
  const bzImage = join(dir, 'arch', 'x86', 'boot', 'bzImage');
  if (!(await exists(bzImage))) throw new KernelError(`--kernel-tree ${dir}: no arch/x86/boot/bzImage; build it first (make -j$(nproc) bzImage modules)`);
  const configText = await readFile(join(dir, '.config'), 'utf8').catch(() => {
    throw new KernelError(`--kernel-tree ${dir}: no .config`);
  });
  const release = (await readFile(join(dir, 'include', 'config', 'kernel.release'), 'utf8')).trim();
  const identity = hashOf(await sha256File(bzImage), configText, release);
  // modules_install into the cache keyed by the built image, so an unchanged tree installs once.
  const { dir: modulesRoot } = await cachedDir(cachePath('kernel-trees', identity), async (tmp) => {
    await execa('make', ['-C', dir, '-s', `INSTALL_MOD_PATH=${tmp}`, 'INSTALL_MOD_STRIP=1', 'modules_install']);
  });
  return { label: `tree ${dir}`, bzImage, modulesRoot, release, config: parseKernelConfig(configText), identity };
}

async function singleRelease(root: string): Promise<string> {
  const releases = (await readdir(join(root, 'lib', 'modules'))).filter((d) => !d.startsWith('.'));
  if (releases.length !== 1) {
    throw new KernelError(`${join(root, 'lib', 'modules')}: expected exactly one kernel release, found ${releases.length ? releases.join(', ') : 'none'}`);
  }
  return releases[0]!;
}

export function describeKernelChoice(choice: KernelChoice): string {
  switch (choice.kind) {
    case 'debian':
      return `debian-${choice.series}`;
    case 'files':
      return basename(choice.bzImage);
    case 'tree':
      return basename(choice.dir);
  }
}
