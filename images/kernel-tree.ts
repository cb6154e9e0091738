// A developer's kernel tree: configured for the harness (daxh kconfig) and rebuilt incrementally (--build).
// Both shell out to the tree's own make and scripts/config; what they decide is in images/kconfig.ts.
import { createWriteStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../harness/util/input-error.ts';
import { COVERAGE_CONFIG, DEBUG_CONFIG, HARNESS_CONFIG, kconfigSymbols, parseKernelConfig, scriptsConfigArgs, settingsMissing, type ConfigSetting } from './kconfig.ts';
import { filesUnder } from '../harness/util/files.ts';

export class TreeError extends InputError {}

export interface TreeDirs {
  /** Where make runs and .config lives (the O= build dir, or the source tree itself). */
  build: string;
  /** The source: Kconfig files and scripts/config. */
  source: string;
}

/** A source tree, or an O= build dir (its `source` link names the source); else one line saying why not. */
export async function checkTree(dir: string, flag = '--kernel-tree'): Promise<TreeDirs> {
  const build = resolve(dir);
  const st = await stat(build).catch(() => null);
  if (!st?.isDirectory()) throw new TreeError(`${flag} ${dir}: no such directory`);
  const isSource = async (d: string) => Boolean((await stat(join(d, 'Kconfig')).catch(() => null)) && (await stat(join(d, 'scripts', 'config')).catch(() => null)));
  if (await isSource(build)) return { build, source: build };
  const source = await realpath(join(build, 'source')).catch(() => null);
  if (source && (await isSource(source))) return { build, source };
  throw new TreeError(`${flag} ${dir}: not a kernel source tree or O= build dir (no Kconfig and scripts/config, no source link)`);
}

/** Every Kconfig file's text: what options this tree knows. */
async function treeSymbols(dir: string): Promise<Set<string>> {
  const files = await filesUnder(dir, (name) => !name.startsWith('.') && name !== 'Documentation' && name !== 'tools');
  const texts = await Promise.all(files.filter((p) => basename(p).startsWith('Kconfig')).map((p) => readFile(p, 'utf8')));
  return kconfigSymbols(texts);
}

export interface KconfigOutcome {
  /** Settings the config did not have before (what this call changed). */
  changed: ConfigSetting[];
  /** Whether the tree had no .config and got `make defconfig` first. */
  fromDefconfig: boolean;
}

/** Merges the harness's options (and the debug or coverage profile) into DIR/.config; idempotent. */
export async function configureTree(dir: string, profile: { debug?: boolean; coverage?: boolean }, log: (line: string) => void): Promise<KconfigOutcome> {
  const { build: tree, source } = await checkTree(dir);
  const make = (args: string[]) => execa('make', ['-C', tree, '-s', ...args], { reject: false, all: true });
  const configFile = join(tree, '.config');
  let fromDefconfig = false;
  if (!(await stat(configFile).catch(() => null))) {
    log(`${dir} has no .config: starting from make defconfig`);
    const r = await make(['defconfig']);
    if (r.exitCode !== 0) throw new TreeError(`--kernel-tree ${dir}: make defconfig failed: ${lastLines(r.all)}`);
    fromDefconfig = true;
  }
  const wanted = [...HARNESS_CONFIG, ...(profile.debug ? DEBUG_CONFIG : []), ...(profile.coverage ? COVERAGE_CONFIG : [])];
  const known = await treeSymbols(source);
  const applicable = wanted.filter((s) => known.has(s.option));
  const before = parseKernelConfig(await readFile(configFile, 'utf8'));
  const changed = settingsMissing(applicable, before, () => true);
  if (changed.length) {
    const r = await execa(join(source, 'scripts', 'config'), ['--file', configFile, ...scriptsConfigArgs(changed)], { reject: false, all: true });
    if (r.exitCode !== 0) throw new TreeError(`--kernel-tree ${dir}: scripts/config failed: ${lastLines(r.all)}`);
  }
  const r = await make(['olddefconfig']);
  if (r.exitCode !== 0) throw new TreeError(`--kernel-tree ${dir}: make olddefconfig failed: ${lastLines(r.all)}`);
  const after = parseKernelConfig(await readFile(configFile, 'utf8'));
  const lost = settingsMissing(applicable, after, () => true);
  if (lost.length) throw new TreeError(`--kernel-tree ${dir}: olddefconfig dropped ${lost.map((s) => `${s.option}=${s.value}`).join(', ')} (a dependency of theirs is off; see make menuconfig)`);
  return { changed, fromDefconfig };
}

/**
 * The incremental `make -j$(nproc) bzImage modules`, its output in a log file. A failed build is bad input
 * (the tree does not build), one line with the log's path.
 */
export async function buildTree(dir: string, log: (line: string) => void): Promise<{ seconds: number; logFile: string }> {
  const { build: tree } = await checkTree(dir);
  if (!(await stat(join(tree, '.config')).catch(() => null))) throw new TreeError(`--kernel-tree ${dir}: no .config; configure it first (daxh kconfig --kernel-tree ${dir})`);
  // In the tree, where make writes anyway: the kernel's .gitignore ignores dot files, and no temp dir is left.
  const logFile = join(tree, '.daxh-build.log');
  const jobs = cpus().length;
  log(`building ${dir}: make -j${jobs} bzImage modules (log ${logFile})`);
  const t0 = performance.now();
  const out = createWriteStream(logFile);
  const proc = execa('make', ['-C', tree, `-j${jobs}`, 'bzImage', 'modules'], { reject: false, all: true, buffer: false });
  proc.all!.pipe(out);
  const r = await proc;
  await new Promise<void>((res) => out.end(res));
  if (r.exitCode !== 0) {
    const tail = lastLines(await readFile(logFile, 'utf8'), /error/i);
    throw new TreeError(`--build: make failed in ${dir} (${tail}); the whole log is ${logFile}`);
  }
  return { seconds: (performance.now() - t0) / 1000, logFile };
}

/** The last meaningful line of a command's output (or the last matching one), for a one-line message. */
export function lastLines(text: unknown, prefer?: RegExp): string {
  const lines = String(text ?? '').trim().split('\n').filter(Boolean);
  const line = (prefer ? lines.filter((l) => prefer.test(l)).at(-1) : undefined) ?? lines.at(-1) ?? 'no output';
  return line.trim().slice(0, 300);
}
