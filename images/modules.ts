// A kernel's module tree (<root>/lib/modules/<release> or <root>/usr/lib/modules/<release>), the modules
// the guest image takes from it (GUEST_MODULES and their dependencies), and the content hash of exactly
// those files, which is what the image is keyed by.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { untestableRelease } from '../harness/abi/kernel.ts';
import { userDir } from '../harness/util/user-file.ts';
import { InputError } from '../harness/util/input-error.ts';
import { exists } from './cache.ts';
import type { FileHasher } from './file-hash.ts';
import { filesUnder } from '../harness/util/files.ts';

export class ModuleTreeError extends InputError {}

/** Files beside the modules that go into the image (modules.builtin tells the guest what is built in). */
export const MODULE_METADATA = ['modules.builtin', 'modules.builtin.modinfo', 'modules.order'] as const;

/**
 * The single `<...>/modules/<release>` dir under `root`, whichever layout it uses: an INSTALL_MOD_PATH tree
 * (lib/modules/R), a Debian package tree (usr/lib/modules/R), a modules dir (R inside it), or R itself.
 */
export async function findModulesDir(root: string, flag: string): Promise<{ dir: string; release: string }> {
  const found = await modulesDirOf(root, flag);
  const why = untestableRelease(found.release);
  if (why) throw new ModuleTreeError(`${flag} ${root}: ${why}`);
  return found;
}

async function modulesDirOf(root: string, flag: string): Promise<{ dir: string; release: string }> {
  userDir(flag, root, 'a module directory (the INSTALL_MOD_PATH of make modules_install)');
  const looksLikeRelease = async (d: string) => (await exists(join(d, 'kernel'))) || (await exists(join(d, 'modules.dep'))) || (await exists(join(d, 'modules.order')));
  if (await looksLikeRelease(root)) return { dir: root, release: root.replace(/\/+$/, '').split('/').pop()! };
  for (const base of [join(root, 'lib', 'modules'), join(root, 'usr', 'lib', 'modules'), root]) {
    const entries = (await readdir(base).catch(() => [])).filter((d) => !d.startsWith('.'));
    const releases: string[] = [];
    for (const e of entries) if (await looksLikeRelease(join(base, e))) releases.push(e);
    if (releases.length === 1) return { dir: join(base, releases[0]!), release: releases[0]! };
    if (releases.length > 1) throw new ModuleTreeError(`${flag} ${root}: holds modules of several kernels (${releases.join(', ')}); point it at one of ${base}/<release>`);
  }
  throw new ModuleTreeError(`${flag} ${root}: no kernel modules found (looked for lib/modules/<release>/kernel, usr/lib/modules/<release>/kernel and <release>/kernel); pass the INSTALL_MOD_PATH of \`make modules_install\``);
}

/** kbuild treats '-' and '_' in module names as the same. */
export const moduleName = (path: string): string => path.split('/').pop()!.replace(/\.ko(\.(xz|zst|gz))?$/, '').replace(/-/g, '_');

/** modules.dep: `kernel/drivers/dax/kmem.ko.xz: kernel/drivers/dax/dax.ko.xz …`, by module name. Pure. */
export function parseModulesDep(text: string): Map<string, { file: string; deps: string[] }> {
  const out = new Map<string, { file: string; deps: string[] }>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const file = line.slice(0, colon).trim();
    out.set(moduleName(file), { file, deps: line.slice(colon + 1).trim().split(/\s+/).filter(Boolean) });
  }
  return out;
}

/** The files of `wanted` and everything they depend on; modules the kernel lacks or builds in are skipped. Pure. */
export function moduleClosure(dep: ReadonlyMap<string, { file: string; deps: string[] }>, wanted: readonly string[]): string[] {
  const files = new Set<string>();
  for (const name of wanted) {
    const m = dep.get(name.replace(/-/g, '_'));
    if (!m) continue;
    files.add(m.file);
    for (const d of m.deps) files.add(d);
  }
  return [...files].sort();
}

/** Every module file under the tree, relative to it (for a tree without modules.dep, whose depmod must see all). */
export async function allModuleFiles(dir: string): Promise<string[]> {
  const found = await Promise.all(['kernel', 'updates', 'extra'].map((sub) => filesUnder(join(dir, sub))));
  return found.flat().filter((p) => /\.ko(\.(xz|zst|gz))?$/.test(p)).map((p) => relative(dir, p)).sort();
}

/** The content of `files` (relative to `dir`) as one list of `path sha256` lines: a key that changes with any of them. */
export async function contentKey(dir: string, files: readonly string[], hasher: FileHasher): Promise<string> {
  const lines: string[] = [];
  for (const f of files) lines.push(`${f} ${await hasher.hash(join(dir, f))}`);
  for (const f of MODULE_METADATA) if (await exists(join(dir, f))) lines.push(`${f} ${await hasher.hash(join(dir, f))}`);
  return lines.join('\n');
}

/** The tree's modules.dep, or null when there is none (or an empty one: depmod never ran). */
export async function readModulesDep(dir: string): Promise<string | null> {
  const file = join(dir, 'modules.dep');
  if (!(await exists(file)) || (await stat(file)).size === 0) return null;
  return readFile(file, 'utf8');
}
