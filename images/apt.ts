// Package downloads through apt. The host's own apt state serves bookworm kernels; trixie userland goes
// through a private apt state (APT_CONFIG) so the host's sources and dpkg status are never touched.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cachePath, exists } from './cache.ts';

/** Which apt state to use: the host's, or a private one for another suite. */
export type AptState = { kind: 'host' } | { kind: 'private'; suite: string; configFile: string };

export const HOST_APT: AptState = { kind: 'host' };

function aptEnv(state: AptState): Record<string, string> {
  return state.kind === 'private' ? { APT_CONFIG: state.configFile } : {};
}

/** Creates (once) and refreshes (when its lists are missing) a private apt state for `suite`. */
export async function privateAptState(suite: string): Promise<AptState> {
  const root = cachePath('apt', suite);
  const configFile = join(root, 'apt.conf');
  if (!(await exists(configFile))) {
    for (const d of ['etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/sources.list.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/lib/dpkg', 'log']) {
      await mkdir(join(root, d), { recursive: true });
    }
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    await writeFile(
      join(root, 'etc/apt/sources.list'),
      `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian ${suite} main\n`,
    );
    await writeFile(
      configFile,
      [
        `Dir "${root}/";`,
        `Dir::State::status "${root}/var/lib/dpkg/status";`,
        `Dir::Etc::SourceParts "${root}/etc/apt/sources.list.d";`,
        `Dir::Etc::Parts "${root}/etc/apt/apt.conf.d";`,
        `Dir::Etc::PreferencesParts "${root}/etc/apt/preferences.d";`,
        `Dir::Etc::TrustedParts "/etc/apt/trusted.gpg.d";`,
        `Dir::Log "${root}/log";`,
        `APT::Architecture "amd64";`,
        `APT::Architectures { "amd64"; };`,
        `APT::Install-Recommends "false";`,
        '',
      ].join('\n'),
    );
  }
  const state: AptState = { kind: 'private', suite, configFile };
  const lists = await readdir(join(root, 'var/lib/apt/lists')).catch(() => []);
  if (!lists.some((f) => f.endsWith('_InRelease'))) await aptUpdate(state);
  return state;
}

export async function aptUpdate(state: AptState): Promise<void> {
  await execa('apt-get', ['-q', 'update'], { env: aptEnv(state) });
}

/** Package names of the dependency closure of `pkgs`, as the lab found it minimal: no recommends, no pre-depends. */
export async function aptClosure(state: AptState, pkgs: readonly string[]): Promise<string[]> {
  const { stdout } = await execa(
    'apt-cache',
    ['depends', '--recurse', '--no-recommends', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', '--no-pre-depends', ...pkgs],
    { env: aptEnv(state) },
  );
  // Indented lines are dependency edges and <virtual> names; the unindented ones are the real packages.
  return [...new Set(stdout.split('\n').filter((l) => l !== '' && !/^[ <]/.test(l)))].sort();
}

export interface PackageRecord {
  name: string;
  version: string;
  sha256: string;
  filename: string; // the .deb's name as `apt-get download` writes it
}

/** The archive record of `name` (at `version`, or the candidate), which is what a download is verified against. */
export async function aptRecord(state: AptState, name: string, version?: string): Promise<PackageRecord> {
  const spec = version ? `${name}=${version}` : name;
  const { stdout } = await execa('apt-cache', ['show', '--no-all-versions', spec], { env: aptEnv(state), reject: false });
  const field = (f: string) => stdout.match(new RegExp(`^${f}: (.+)$`, 'm'))?.[1];
  const ver = field('Version');
  const sha256 = field('SHA256');
  const arch = field('Architecture');
  if (!ver || !sha256 || !arch) {
    throw new Error(`apt knows no package ${spec}${state.kind === 'private' ? ` in ${state.suite}` : ''}: run \`apt-get update\` (daxh host ensure does) or pick another version`);
  }
  // apt-get download names files itself, escaping an epoch's colon; the pool's Filename has no epoch.
  return { name, version: ver, sha256, filename: `${name}_${ver.replace(/:/g, '%3a')}_${arch}.deb` };
}

/** Downloads the records' .debs into `dir` (skipping ones already there) and checks each file's SHA256. */
export async function aptDownload(state: AptState, records: readonly PackageRecord[], dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const missing: PackageRecord[] = [];
  for (const r of records) if (!(await exists(join(dir, r.filename)))) missing.push(r);
  if (missing.length > 0) {
    await execa('apt-get', ['-q', 'download', ...missing.map((r) => `${r.name}=${r.version}`)], { cwd: dir, env: aptEnv(state) });
  }
  const files: string[] = [];
  for (const r of records) {
    const file = join(dir, r.filename);
    const actual = await sha256File(file);
    if (actual !== r.sha256) throw new Error(`${r.filename}: SHA256 ${actual} does not match the archive's ${r.sha256}; delete it and retry`);
    files.push(file);
  }
  return files;
}

export function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file)
      .on('data', (d) => h.update(d))
      .on('error', reject)
      .on('end', () => resolve(h.digest('hex')));
  });
}
