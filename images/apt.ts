// Package downloads through apt. The host's own apt state serves the host's release (bookworm kernels);
// every other suite (trixie userland, trixie-backports kernels) goes through a private apt state
// (APT_CONFIG), so the host's sources and dpkg status are never touched. Private states take the mirror
// and the Acquire settings (proxies) from the host's own apt configuration: a user's mirror is respected.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { cachePath, exists, hashOf, tempBeside } from './cache.ts';

/** Which apt state to use: the host's, or a private one for another suite. */
export type AptState = { kind: 'host' } | { kind: 'private'; suite: string; configFile: string; mirror: string };

export const HOST_APT: AptState = { kind: 'host' };

export class AptError extends Error {}

function aptEnv(state: AptState): Record<string, string> {
  return state.kind === 'private' ? { APT_CONFIG: state.configFile } : {};
}

/** One apt source entry, from either the one-line or the deb822 format. */
export interface AptSource {
  uris: string[];
  suites: string[];
  components: string[];
}

/** Parses sources.list lines (`deb [opts] URI SUITE COMP…`) and .sources stanzas (`URIs:`, `Suites:` …). Pure. */
export function parseAptSources(text: string, format: 'list' | 'deb822'): AptSource[] {
  if (format === 'list') {
    return text.split('\n').flatMap((raw) => {
      const line = raw.replace(/#.*/, '').trim();
      const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
      return m ? [{ uris: [m[1]!], suites: [m[2]!], components: m[3]!.split(/\s+/).filter(Boolean) }] : [];
    });
  }
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const field = (name: string) => {
      const m = new RegExp(`^${name}:\\s*(.*)$`, 'mi').exec(stanza.split('\n').filter((l) => !l.trimStart().startsWith('#')).join('\n'));
      return m ? m[1]!.trim().split(/\s+/).filter(Boolean) : [];
    };
    const types = field('Types');
    if (!types.includes('deb') || /^Enabled:\s*no/im.test(stanza)) return [];
    return [{ uris: field('URIs'), suites: field('Suites'), components: field('Components') }];
  });
}

/** The mirror serving `codename` main among the host's sources (not its -security or -updates archives). Pure. */
export function mirrorFor(sources: readonly AptSource[], codename: string): string | null {
  const main = sources.filter((s) => s.components.includes('main'));
  const exact = main.find((s) => s.suites.includes(codename));
  return exact?.uris[0]?.replace(/\/+$/, '') ?? null;
}

async function hostCodename(): Promise<string> {
  const osRelease = await readFile('/etc/os-release', 'utf8').catch(() => '');
  const codename = /^VERSION_CODENAME=(\S+)/m.exec(osRelease)?.[1];
  if (!codename) throw new AptError('cannot tell the host\'s Debian release: /etc/os-release has no VERSION_CODENAME');
  return codename;
}

/** The Debian mirror the host's own apt uses, read from /etc/apt/sources.list and sources.list.d. */
export async function hostMirror(): Promise<string> {
  const files = ['/etc/apt/sources.list', ...(await readdir('/etc/apt/sources.list.d').catch(() => [])).map((f) => `/etc/apt/sources.list.d/${f}`)];
  const sources: AptSource[] = [];
  for (const f of files) {
    const format = f.endsWith('.sources') ? 'deb822' : f.endsWith('.list') ? 'list' : null;
    if (format) sources.push(...parseAptSources(await readFile(f, 'utf8').catch(() => ''), format));
  }
  const codename = await hostCodename();
  const mirror = mirrorFor(sources, codename);
  if (!mirror) throw new AptError(`no apt source for ${codename} main in /etc/apt/sources.list or sources.list.d; add the Debian mirror you use for ${codename}`);
  return mirror;
}

/** The host's Acquire settings (proxies, timeouts), as apt.conf lines a private state repeats. */
async function hostAcquireSettings(): Promise<string[]> {
  const { stdout } = await execa('apt-config', ['dump', 'Acquire'], { reject: false });
  // `apt-config dump` prints `Acquire::http::Proxy "http://…";`; bare group lines carry no value.
  return stdout.split('\n').filter((l) => /^Acquire::\S+ ".*";$/.test(l));
}

/** Creates (once per mirror and settings) and refreshes (when its lists are missing) a private apt state. */
export async function privateAptState(suite: string): Promise<AptState & { kind: 'private' }> {
  const mirror = await hostMirror();
  const acquire = await hostAcquireSettings();
  const root = cachePath('apt', `${suite}-${hashOf(mirror, ...acquire).slice(0, 12)}`);
  const configFile = join(root, 'apt.conf');
  if (!(await exists(configFile))) {
    for (const d of ['etc/apt/apt.conf.d', 'etc/apt/preferences.d', 'etc/apt/sources.list.d', 'var/lib/apt/lists/partial', 'var/cache/apt/archives/partial', 'var/lib/dpkg', 'log']) {
      await mkdir(join(root, d), { recursive: true });
    }
    await writeFile(join(root, 'var/lib/dpkg/status'), '');
    await writeFile(join(root, 'etc/apt/sources.list'), `deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main\n`);
    const tmp = `${configFile}.tmp`;
    await writeFile(
      tmp,
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
        ...acquire,
        '',
      ].join('\n'),
    );
    await rename(tmp, configFile);
  }
  const state = { kind: 'private' as const, suite, configFile, mirror };
  const lists = await readdir(join(root, 'var/lib/apt/lists')).catch(() => []);
  if (!lists.some((f) => f.endsWith('_InRelease'))) await aptUpdate(state);
  return state;
}

export async function aptUpdate(state: AptState): Promise<void> {
  const r = await execa('apt-get', ['-q', 'update'], { env: aptEnv(state), reject: false, all: true });
  if (r.exitCode !== 0) throw new AptError(`apt-get update${state.kind === 'private' ? ` (${state.suite} from ${state.mirror})` : ''} failed: ${String(r.all).trim().split('\n').slice(-2).join(' ')}`);
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
    throw new AptError(`apt knows no package ${spec}${state.kind === 'private' ? ` in ${state.suite}` : ''}: run \`apt-get update\` (daxh host does) or pick another version`);
  }
  return { name, version: ver, sha256, filename: debFileName(name, ver, arch) };
}

/** apt-get download names files itself, escaping an epoch's colon; the pool's Filename has no epoch. */
export const debFileName = (name: string, version: string, arch = 'amd64'): string => `${name}_${version.replace(/:/g, '%3a')}_${arch}.deb`;

/**
 * Downloads the records' .debs into `dir`, each into a temp dir first and renamed in only once its SHA256
 * matches: a full disk or an interrupt never leaves a truncated .deb under its final name. A file already
 * there whose hash is wrong (from an older, non-atomic harness) is deleted and fetched again, once.
 */
export async function aptDownload(state: AptState, records: readonly PackageRecord[], dir: string, log: (line: string) => void = () => {}): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const r of records) {
    const file = join(dir, r.filename);
    if (await exists(file)) {
      if ((await sha256File(file)) === r.sha256) {
        files.push(file);
        continue;
      }
      log(`${r.filename} in the cache is corrupt (SHA256 mismatch); fetching it again`);
      await rm(file, { force: true });
    }
    await fetchVerified(file, r.sha256, (tmp) => execa('apt-get', ['-q', 'download', `${r.name}=${r.version}`], { cwd: tmp, env: aptEnv(state) }).then(() => join(tmp, r.filename)));
    files.push(file);
  }
  return files;
}

/**
 * Downloads `url` with apt's own fetcher (apt-helper, so the private state's Acquire settings apply) into
 * `file`, verified against `sha256` before it is renamed in.
 */
export async function aptFetchUrl(state: AptState, url: string, file: string, sha256: string): Promise<void> {
  if ((await exists(file)) && (await sha256File(file)) === sha256) return;
  await rm(file, { force: true });
  await fetchVerified(file, sha256, async (tmp) => {
    const out = join(tmp, 'download.deb');
    const r = await execa('/usr/lib/apt/apt-helper', ['download-file', url, out, `SHA256:${sha256}`], { env: aptEnv(state), reject: false, all: true });
    if (r.exitCode !== 0) throw new AptError(`downloading ${url} failed: ${String(r.all).trim().split('\n').at(-1)}`);
    return out;
  });
}

async function fetchVerified(file: string, sha256: string, download: (tmp: string) => Promise<string>): Promise<void> {
  const tmp = await tempBeside(file);
  try {
    const got = await download(tmp);
    const actual = await sha256File(got);
    if (actual !== sha256) throw new AptError(`${file.split('/').pop()}: SHA256 ${actual} does not match the expected ${sha256}`);
    await rename(got, file);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
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
