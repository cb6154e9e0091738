// The kernel under test, from one of three places, resolved to a bzImage, its module tree and its config.
// Every cache on the way is keyed by content: the pinned packages' SHA256, a tree's built module files.
import { readFile } from 'node:fs/promises';
import { MAX_BYTES, readUserBytes, userDir } from '../harness/util/user-file.ts';
import { untestableRelease } from '../harness/abi/kernel.ts';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../harness/util/input-error.ts';
import { HOST_APT, aptDownload, aptFetchUrl, aptRecord, aptUpdate, privateAptState, sha256File, type AptState } from './apt.ts';
import { cachePath, cachedDir, exists, hashOf } from './cache.ts';
import { FileHasher } from './file-hash.ts';
import { buildTree } from './kernel-tree.ts';
import { parseKernelConfig, missingDaxOptions, type KernelConfig } from './kconfig.ts';
import { ModuleTreeError, contentKey, findModulesDir } from './modules.ts';
import { DEBIAN_KERNELS, DEFAULT_KERNEL_SERIES, LATEST_KERNEL_SERIES, type DebianKernelPin, type PinnedPackage } from './pins.ts';
import { profileName, sourceBuildRoot, sourceTree, type BuildProfile } from './source-build.ts';

export type KernelChoice =
  | { kind: 'debian'; series: string }
  | { kind: 'files'; bzImage: string; modules: string }
  | { kind: 'tree'; dir: string; build?: boolean }
  /** Debian's linux-source of a series, built here with the harness's config and a profile (--debug, --coverage). */
  | { kind: 'source'; series: string; profile: BuildProfile };

export interface Kernel {
  /** How reports name where it came from. */
  label: string;
  /** `debian` for a pinned Debian kernel, `user` for a bzImage or a tree the user brought. */
  origin: 'debian' | 'user';
  bzImage: string;
  /** The `<...>/modules/<release>` dir. */
  modulesDir: string;
  release: string;
  /** The config text, when one was found before boot. */
  configText: string | null;
  config: KernelConfig | null;
  /** The build tree, when the kernel was built from one: gcov data maps back to its sources. */
  tree?: string;
}

export class KernelError extends InputError {}

export async function resolveKernel(choice: KernelChoice, log: (line: string) => void = () => {}): Promise<Kernel> {
  const kernel = await resolveUnchecked(choice, log).catch((err) => {
    if (err instanceof ModuleTreeError) throw new KernelError(err.message);
    throw err;
  });
  if (kernel.config) {
    const missing = missingDaxOptions(kernel.config);
    if (missing.length > 0) {
      throw new KernelError(`${kernel.label} (${kernel.release}) lacks ${missing.join(', ')}: rebuild it with ${missing.map((o) => `${o}=m`).join(' ')} (daxh kconfig sets them)`);
    }
  }
  return kernel;
}

async function resolveUnchecked(choice: KernelChoice, log: (line: string) => void): Promise<Kernel> {
  switch (choice.kind) {
    case 'debian':
      return debianKernel(debianPin(choice.series), log);
    case 'files':
      return filesKernel(resolve(choice.bzImage), resolve(choice.modules));
    case 'tree':
      if (choice.build) {
        const { seconds } = await buildTree(choice.dir, log);
        log(`built in ${seconds.toFixed(1)} s`);
      }
      return treeKernel(resolve(choice.dir));
    case 'source': {
      const pin = debianPin(choice.series);
      const source = pinSource(pin, choice.profile);
      const tree = await sourceTree({ source, apt: await aptStateFor(pin), profile: choice.profile }, log);
      return treeKernel(tree, `Debian ${source.name} ${source.version}, ${profileName(choice.profile)} build`, 'debian');
    }
  }
}

/** What a choice gets wrong that shows without downloading or building anything: an unknown series, a series without source. */
export function checkChoice(choice: KernelChoice): void {
  if (choice.kind === 'debian') debianPin(choice.series);
  if (choice.kind === 'source') pinSource(debianPin(choice.series), choice.profile);
}

/** The source package a series is built from, or one line naming the series that have one. */
function pinSource(pin: DebianKernelPin, profile: BuildProfile): PinnedPackage {
  if (pin.source) return pin.source;
  const flag = profile.debug ? '--debug' : '--coverage';
  throw new KernelError(`${flag} builds Debian's linux-source-${pin.series}, which the ${pin.suite} index no longer lists; use --debian-kernel ${DEBIAN_KERNELS.filter((k) => k.source).map((k) => k.series).join(', ')} or a tree (daxh kconfig --kernel-tree DIR ${flag})`);
}

/** The pin for a series name (`7.3`, `latest`), or one line listing the series there are. */
export function debianPin(series: string): DebianKernelPin {
  const wanted = series === 'latest' ? LATEST_KERNEL_SERIES : series;
  const pin = DEBIAN_KERNELS.find((k) => k.series === wanted);
  if (!pin) throw new KernelError(`--debian-kernel ${series}: unknown series; use one of ${DEBIAN_KERNELS.map((k) => k.series).join(', ')} or latest (default ${DEFAULT_KERNEL_SERIES})`);
  return pin;
}

/** Where a pin's extracted kernel lives: keyed by the SHA256 of its packages, never by its name. */
export const debianKernelDir = (pin: DebianKernelPin): string => cachePath('kernels', hashOf('debian-kernel-v1', ...pin.packages.map((p) => p.sha256)).slice(0, 32));

export async function aptStateFor(pin: DebianKernelPin): Promise<AptState> {
  return pin.suite === 'bookworm' ? HOST_APT : privateAptState(pin.suite);
}

async function downloadPin(pin: DebianKernelPin, log: (line: string) => void): Promise<string[]> {
  const state = await aptStateFor(pin);
  const dir = cachePath('debs', pin.suite);
  const files: string[] = [];
  for (const pkg of pin.packages) {
    if (pkg.pool) {
      const mirror = state.kind === 'private' ? state.mirror : null;
      if (!mirror) throw new KernelError(`${pkg.name}: pool downloads need a private apt state`);
      const file = join(dir, `${pkg.name}_${pkg.version}_amd64.deb`);
      log(`fetching ${pkg.name} ${pkg.version} from ${mirror}/pool (no longer in the ${pin.suite} index)`);
      await aptFetchUrl(state, `${mirror}/${pkg.pool.split('/').map(encodeURIComponent).join('/')}`, file, pkg.sha256);
      files.push(file);
      continue;
    }
    // A fresh machine's package lists may predate the pin: refresh once before giving up.
    const record = await aptRecord(state, pkg.name, pkg.version).catch(async () => {
      await aptUpdate(state);
      return aptRecord(state, pkg.name, pkg.version);
    });
    if (record.sha256 !== pkg.sha256) throw new KernelError(`${pkg.name} ${pkg.version}: the archive's SHA256 ${record.sha256} differs from the pinned ${pkg.sha256}; the pin is wrong or the mirror is not Debian's`);
    log(`fetching ${pkg.name} ${pkg.version} (${pin.suite})`);
    files.push(...(await aptDownload(state, [record], dir, log)));
  }
  return files;
}

async function debianKernel(pin: DebianKernelPin, log: (line: string) => void): Promise<Kernel> {
  const { dir } = await cachedDir(debianKernelDir(pin), async (tmp) => {
    for (const deb of await downloadPin(pin, log)) await execa('dpkg-deb', ['-x', deb, tmp]);
    // Debian generates modules.dep at install time; the extracted tree gets it here, once.
    const { dir: modules } = await findModulesDir(tmp, '--debian-kernel');
    await execa('depmod', ['-b', depmodBase(modules), pin.release]);
  });
  const { dir: modulesDir, release } = await findModulesDir(dir, '--debian-kernel');
  const bzImage = (await firstExisting([join(dir, 'boot', `vmlinuz-${release}`), join(modulesDir, 'vmlinuz')]))!;
  const configFile = await firstExisting([join(dir, 'boot', `config-${release}`), join(modulesDir, 'config')]);
  const configText = configFile ? await readFile(configFile, 'utf8') : null;
  return { label: `Debian ${pin.packages[0]!.name} ${pin.packages[0]!.version}`, origin: 'debian', bzImage, modulesDir, release, configText, config: configText ? parseKernelConfig(configText) : null };
}

/** depmod -b BASE R works on BASE/lib/modules/R: the base of a lib/modules or usr/lib/modules tree. */
export const depmodBase = (modulesDir: string): string => modulesDir.replace(/\/lib\/modules\/[^/]+\/?$/, '');

async function firstExisting(paths: readonly string[]): Promise<string | undefined> {
  for (const p of paths) if (await exists(p)) return p;
  return undefined;
}

/** The x86 boot protocol header: "HdrS" at 0x202 (Documentation/arch/x86/boot.rst). */
export async function checkBzImage(path: string, flag: string): Promise<void> {
  const head = readUserBytes(flag, path, 'the bzImage file (arch/x86/boot/bzImage)', MAX_BYTES.bzImage, 0x206);
  if (head.subarray(0x202, 0x206).toString('latin1') !== 'HdrS') throw new KernelError(`${flag} ${path}: not an x86 bzImage (no "HdrS" boot header at 0x202); give arch/x86/boot/bzImage or /boot/vmlinuz-*`);
}

async function filesKernel(bzImage: string, modules: string): Promise<Kernel> {
  await checkBzImage(bzImage, '--kernel');
  const { dir: modulesDir, release } = await findModulesDir(modules, '--modules');
  const configFile = await firstExisting([join(bzImage, '..', `config-${release}`), join(modulesDir, 'config'), join(modulesDir, 'build', '.config')]);
  const configText = configFile ? await readFile(configFile, 'utf8') : null;
  return { label: `bzImage ${bzImage}`, origin: 'user', bzImage, modulesDir, release, configText, config: configText ? parseKernelConfig(configText) : null };
}

/** The built modules a tree's modules.order lists (`drivers/dax/kmem.o` in older trees, `.ko` in newer ones). */
async function builtModules(dir: string): Promise<string[]> {
  const order = await readFile(join(dir, 'modules.order'), 'utf8').catch(() => '');
  return order
    .split('\n')
    .filter(Boolean)
    .map((l) => l.replace(/^kernel\//, '').replace(/\.o$/, '.ko'));
}

async function treeKernel(dir: string, label = `tree ${dir}`, origin: Kernel['origin'] = 'user'): Promise<Kernel> {
  userDir('--kernel-tree', dir, 'a built kernel tree');
  const bzImage = join(dir, 'arch', 'x86', 'boot', 'bzImage');
  if (!(await exists(bzImage))) throw new KernelError(`--kernel-tree ${dir}: no arch/x86/boot/bzImage; build it first (make -j$(nproc) bzImage modules, or daxh run --build)`);
  await checkBzImage(bzImage, '--kernel-tree');
  const configText = await readFile(join(dir, '.config'), 'utf8').catch(() => {
    throw new KernelError(`--kernel-tree ${dir}: no .config; configure it first (daxh kconfig --kernel-tree ${dir})`);
  });
  const release = (
    await readFile(join(dir, 'include', 'config', 'kernel.release'), 'utf8').catch(() => {
      throw new KernelError(`--kernel-tree ${dir}: no include/config/kernel.release; the tree is not built (make -j$(nproc) bzImage modules)`);
    })
  ).trim();
  const why = untestableRelease(release);
  if (why) throw new KernelError(`--kernel-tree ${dir}: ${why}`);
  // modules_install into the cache, keyed by the content of every built module, so an unchanged tree
  // installs once and a rebuilt module installs again.
  const hasher = new FileHasher();
  const built = await builtModules(dir);
  const key = hashOf('tree-modules-v1', release, await hasher.hash(bzImage), configText, await contentKey(dir, built, hasher));
  await hasher.save();
  const { dir: installed } = await cachedDir(cachePath('kernel-trees', key.slice(0, 32)), async (tmp) => {
    const r = await execa('make', ['-C', dir, '-s', `INSTALL_MOD_PATH=${tmp}`, 'INSTALL_MOD_STRIP=1', 'modules_install'], { reject: false, all: true });
    if (r.exitCode !== 0) throw new KernelError(`--kernel-tree ${dir}: make modules_install failed: ${String(r.all).trim().split('\n').slice(-3).join(' ')}`);
  });
  const { dir: modulesDir } = await findModulesDir(installed, '--kernel-tree');
  return { label, origin, bzImage, modulesDir, release, configText, config: parseKernelConfig(configText), tree: dir };
}

/** The release a choice will boot, found without downloading or building anything (for --dry-run). */
export async function releaseOf(choice: KernelChoice): Promise<string> {
  switch (choice.kind) {
    case 'debian':
      return debianPin(choice.series).release;
    case 'files':
      return (await findModulesDir(resolve(choice.modules), '--modules')).release;
    case 'tree':
      return (
        await readFile(join(resolve(choice.dir), 'include', 'config', 'kernel.release'), 'utf8').catch(() => {
          throw new KernelError(`--kernel-tree ${choice.dir}: no include/config/kernel.release; the tree is not built`);
        })
      ).trim();
    case 'source': {
      const source = pinSource(debianPin(choice.series), choice.profile);
      // Built already, or what the build will name itself: the upstream part of the package version.
      const built = await readFile(join(sourceBuildRoot({ source, profile: choice.profile }), 'linux', 'include', 'config', 'kernel.release'), 'utf8').catch(() => null);
      return built?.trim() ?? source.version.replace(/-[^-]*$/, '');
    }
  }
}

/** What is cached for a pin: for `daxh kernels`. */
export async function pinCached(pin: DebianKernelPin): Promise<boolean> {
  return exists(debianKernelDir(pin));
}

export { sha256File };
