// A kernel built here from Debian's linux-source-S with the harness's config and a build profile (debug,
// coverage): what `--debug` and `--coverage` boot, and what the tree tests use as a developer's tree. It
// lives in the cache keyed by the source package's SHA256 and every setting that goes into the build, and is
// built in place with markers, so an interrupted build resumes where it stopped instead of starting again.
import { appendFile, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { aptDownload, aptRecord, type AptState } from './apt.ts';
import { cachePath, hashOf } from './cache.ts';
import { COVERAGE_CONFIG, DEBUG_CONFIG, HARNESS_CONFIG } from './kconfig.ts';
import { configureTree, lastLines } from './kernel-tree.ts';
import type { PinnedPackage } from './pins.ts';

export interface BuildProfile {
  /** KASAN, lockdep, kobject-release and list debugging, SLUB poisoning, UBSAN, a 30 s hung-task timeout. */
  debug: boolean;
  /** gcov for the directories below, read from debugfs after each group. */
  coverage: boolean;
}

export const NO_PROFILE: BuildProfile = { debug: false, coverage: false };

/**
 * The directories whose objects get gcov counters: the dax bus and its drivers, and the CXL core that makes
 * CXL dax regions. Kbuild's GCOV_PROFILE := y applies to the Makefile's own directory only; a directory a
 * series does not have is skipped (drivers/dax/pmem is gone from 6.12 on).
 */
export const GCOV_DIRS = ['drivers/dax', 'drivers/dax/hmem', 'drivers/dax/pmem', 'drivers/cxl/core'] as const;

export const profileName = (p: BuildProfile): string => [p.debug ? 'debug' : '', p.coverage ? 'coverage' : ''].filter(Boolean).join('+') || 'plain';

export class SourceBuildError extends Error {}

const GCOV_LINE = '\n# dax-harness --coverage\nGCOV_PROFILE := y\n';

/** Adds GCOV_PROFILE to a Makefile once; a directory the series lacks (drivers/dax/pmem before 6.x) is skipped. */
async function profileDir(makefile: string): Promise<void> {
  const text = await readFile(makefile, 'utf8').catch(() => null);
  if (text !== null && !text.includes(GCOV_LINE)) await appendFile(makefile, GCOV_LINE);
}

const marker = (root: string, name: string) => join(root, `.build-${name}`);
const done = async (root: string, name: string) => Boolean(await stat(marker(root, name)).catch(() => null));

export interface SourceBuild {
  source: PinnedPackage;
  apt: AptState;
  profile: BuildProfile;
  /** Where the build lives; by default a cache dir keyed by everything that goes into it. */
  root?: string;
  /** Runs once after extraction, before configuring (the tree tests make a git history here). */
  afterExtract?: (tree: string) => Promise<void>;
}

export const sourceBuildRoot = (b: Pick<SourceBuild, 'source' | 'profile'>): string =>
  cachePath(
    'source-builds',
    hashOf('source-build-v1', b.source.sha256, JSON.stringify(HARNESS_CONFIG), b.profile.debug ? JSON.stringify(DEBUG_CONFIG) : '', b.profile.coverage ? JSON.stringify([COVERAGE_CONFIG, GCOV_DIRS]) : '').slice(0, 24),
  );

/** The built tree (bzImage, modules, .config), extracting, configuring and building what is not done yet. */
export async function sourceTree(b: SourceBuild, log: (line: string) => void): Promise<string> {
  const root = b.root ?? sourceBuildRoot(b);
  const tree = join(root, 'linux');
  if (await done(root, 'built')) return tree;
  await mkdir(root, { recursive: true });
  if (!(await done(root, 'extracted'))) {
    await rm(tree, { recursive: true, force: true });
    const record = await aptRecord(b.apt, b.source.name, b.source.version);
    if (record.sha256 !== b.source.sha256) throw new SourceBuildError(`${b.source.name} ${b.source.version}: archive SHA256 ${record.sha256}, pinned ${b.source.sha256}`);
    const [deb] = await aptDownload(b.apt, [record], cachePath('debs', 'sources'), log);
    log(`extracting ${b.source.name} ${b.source.version}`);
    await mkdir(tree);
    await execa('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | tar -xJ --strip-components=1 -C "$2"`, 'sh', deb!, tree]);
    await b.afterExtract?.(tree);
    await writeFile(marker(root, 'extracted'), '');
  }
  if (!(await done(root, 'configured'))) {
    await configureTree(tree, b.profile, log);
    if (b.profile.coverage) for (const dir of GCOV_DIRS) await profileDir(join(tree, dir, 'Makefile'));
    await writeFile(marker(root, 'configured'), '');
  }
  const jobs = cpus().length;
  log(`building ${b.source.name} ${b.source.version} (${profileName(b.profile)}) in ${tree}: make -j${jobs} bzImage modules, ${b.profile.debug ? 'about 45' : 'about 35'} min on 2 cores the first time, resumed if interrupted`);
  const t0 = performance.now();
  const r = await execa('make', ['-C', tree, '-s', `-j${jobs}`, 'bzImage', 'modules'], { reject: false, all: true });
  if (r.signal || r.isTerminated) throw new SourceBuildError(`building ${b.source.name} ${b.source.version} was stopped (${r.signal ?? 'terminated'}); run again to resume it in ${tree}`);
  if (r.exitCode !== 0) throw new SourceBuildError(`building ${b.source.name} ${b.source.version} failed: ${lastLines(r.all, /error/i)} (run again to resume; the tree is ${tree})`);
  log(`built in ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  await writeFile(marker(root, 'built'), '');
  return tree;
}

