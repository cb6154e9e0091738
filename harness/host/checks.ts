// What the host needs to build images and run guests, checked fast and installed (as root, with apt) only
// where something is missing, so running it before every test run costs well under a second.
import { access, constants, readFile, stat, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { execa } from 'execa';
import { hostMirror } from '../../images/apt.ts';
import { InputError } from '../util/input-error.ts';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** Debian packages that fix it, and the suite they come from when it is not the default. */
  fix?: { packages: string[]; suite?: string };
}

export const MIN_QEMU_MAJOR = 8; // CXL volatile type-3 memory
const BACKPORTS_FILE = '/etc/apt/sources.list.d/bookworm-backports.sources';
/** bookworm-backports from the mirror the host already uses for bookworm. */
const backportsSources = (mirror: string) => `Types: deb\nURIs: ${mirror}\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`;

export interface HostOs {
  id: string;
  codename: string;
  pretty: string;
}

/** /etc/os-release, parsed. Pure. */
export function parseOsRelease(text: string): HostOs {
  const field = (k: string) => new RegExp(`^${k}="?([^"\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { id: field('ID'), codename: field('VERSION_CODENAME'), pretty: field('PRETTY_NAME') || field('ID') || 'an unknown system' };
}

/** The one system `daxh host` installs on by itself: it knows Debian 12's package names and backports. */
export const isDebian12 = (os: HostOs): boolean => os.id === 'debian' && os.codename === 'bookworm';

/**
 * The first executable `cmd` on PATH (and the sbin dirs a non-login root shell may lack), found by looking,
 * not by a shell: a name is a value, and `--qemu 'x; rm -rf ~'` must never run anything.
 */
export async function which(cmd: string): Promise<string | null> {
  if (cmd === '' || cmd.includes('/')) return null;
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin'].filter((d) => isAbsolute(d));
  for (const dir of dirs) {
    const path = join(dir, cmd);
    const st = await stat(path).catch(() => null);
    if (st?.isFile() && (await access(path, constants.X_OK).then(() => true, () => false))) return path;
  }
  return null;
}

export function qemuMajor(versionText: string): number | null {
  const m = versionText.match(/QEMU emulator version (\d+)\./);
  return m ? Number(m[1]) : null;
}

/** The QEMU that will run the guests: the user's (--qemu, e.g. one built from git for CXL work) or the host's. */
async function qemuCheck(qemu: string): Promise<Check> {
  const fix = { packages: ['qemu-system-x86'], suite: 'bookworm-backports' };
  const path = qemu.includes('/') ? qemu : await which(qemu);
  if (!path) return { name: 'qemu-system-x86_64', ok: false, detail: 'not installed', fix };
  const { stdout } = await execa(path, ['--version'], { reject: false });
  const major = qemuMajor(stdout);
  const ok = major !== null && major >= MIN_QEMU_MAJOR;
  return { name: 'qemu-system-x86_64', ok, detail: ok ? `QEMU ${major}` : `QEMU ${major ?? '?'} is older than ${MIN_QEMU_MAJOR} (CXL volatile memory)`, ...(ok ? {} : { fix }) };
}

async function toolCheck(cmd: string, pkg: string, suite?: string): Promise<Check> {
  const path = await which(cmd);
  return { name: cmd, ok: path !== null, detail: path ?? 'not installed', ...(path ? {} : { fix: { packages: [pkg], ...(suite ? { suite } : {}) } }) };
}

async function fileCheck(name: string, path: string, pkg: string): Promise<Check> {
  const ok = await access(path, constants.R_OK).then(() => true, () => false);
  return { name, ok, detail: ok ? path : `${path} missing`, ...(ok ? {} : { fix: { packages: [pkg] } }) };
}

/** Beyond the guests: what the test suite needs (Chromium, for the HTML report test), what building a kernel tree needs. */
export interface HostExtras {
  tests?: boolean;
  kernelBuild?: boolean;
  /** lcov's geninfo and genhtml turn the guests' gcov data into tracefiles and HTML (--coverage). */
  coverage?: boolean;
}

const KERNEL_BUILD_CHECKS = () => [
  toolCheck('make', 'make'),
  toolCheck('bison', 'bison'),
  toolCheck('flex', 'flex'),
  toolCheck('bc', 'bc'),
  toolCheck('git', 'git'),
  fileCheck('libelf headers (objtool)', '/usr/include/gelf.h', 'libelf-dev'),
  fileCheck('OpenSSL headers (module signing tools)', '/usr/include/openssl/ssl.h', 'libssl-dev'),
];

/** What the host needs for the guests, and for the extras asked for. */
export async function hostChecks(qemu = 'qemu-system-x86_64', extras: HostExtras = {}): Promise<Check[]> {
  return Promise.all([
    ...(extras.tests ? [toolCheck('chromium', 'chromium')] : []),
    ...(extras.kernelBuild ? KERNEL_BUILD_CHECKS() : []),
    ...(extras.coverage ? [toolCheck('lcov', 'lcov'), toolCheck('genhtml', 'lcov')] : []),
    qemuCheck(qemu),
    // Creates the qcow2 file savevm snapshots live in; from the same QEMU release as the emulator.
    toolCheck('qemu-img', 'qemu-utils', 'bookworm-backports'),
    toolCheck('depmod', 'kmod'),
    toolCheck('zstd', 'zstd'),
    toolCheck('cpio', 'cpio'),
    toolCheck('dpkg-deb', 'dpkg'),
    toolCheck('apt-get', 'apt'),
    toolCheck('gcc', 'gcc'),
    toolCheck('xz', 'xz-utils'),
    toolCheck('setpriv', 'util-linux'),
    fileCheck('static libc (guest helper)', '/usr/lib/x86_64-linux-gnu/libc.a', 'libc6-dev'),
    fileCheck('Debian archive keyring', '/usr/share/keyrings/debian-archive-keyring.gpg', 'debian-archive-keyring'),
  ]);
}

/** The exact commands that fix the failed checks on Debian 12, for a user who is not root. */
export function fixCommands(failed: readonly Check[], mirror: string): string[] {
  const plain = [...new Set(failed.flatMap((c) => (c.fix && !c.fix.suite ? c.fix.packages : [])))];
  const backports = [...new Set(failed.flatMap((c) => (c.fix?.suite ? c.fix.packages : [])))];
  const cmds: string[] = [];
  if (backports.length) {
    cmds.push(`printf '${backportsSources(mirror).replaceAll('\n', '\\n')}' | sudo tee ${BACKPORTS_FILE}`);
  }
  if (backports.length || plain.length) cmds.push('sudo apt-get update');
  if (backports.length) cmds.push(`sudo apt-get install -y -t bookworm-backports ${backports.join(' ')}`);
  if (plain.length) cmds.push(`sudo apt-get install -y ${plain.join(' ')}`);
  return cmds;
}

export class HostSetupError extends Error {}
/** The host is not one `daxh host` can set up; the message says what to install. */
export class UnsupportedHostError extends InputError {}

export async function hostOs(): Promise<HostOs> {
  return parseOsRelease(await readFile('/etc/os-release', 'utf8').catch(() => ''));
}

/** What to install by hand on a system other than Debian 12: the tools, not Debian's package names. */
export function manualInstructions(failed: readonly Check[], os: HostOs): string {
  return `${os.pretty} is not Debian 12, so daxh does not install anything here (it would need Debian's packages and sources); install ${failed.map((c) => (c.name === 'qemu-system-x86_64' ? `QEMU ${MIN_QEMU_MAJOR} or later` : c.name)).join(', ')} with your system's package manager, then run again`;
}

/** Installs what is missing when that is possible here; otherwise throws with the commands to run. */
export async function ensureHost(log: (line: string) => void = () => {}, qemu = 'qemu-system-x86_64', extras: HostExtras = {}): Promise<Check[]> {
  if (qemu.includes('/')) {
    const version = await execa(qemu, ['--version'], { reject: false });
    if (version.exitCode !== 0 || qemuMajor(version.stdout) === null) throw new UnsupportedHostError(`--qemu ${qemu}: not a QEMU binary that runs (${version.exitCode === undefined ? 'cannot execute it' : `it printed no QEMU version`}); give the path of qemu-system-x86_64`);
  }
  let checks = await hostChecks(qemu, extras);
  let failed = checks.filter((c) => !c.ok);
  if (failed.length === 0) return checks;
  const os = await hostOs();
  if (!isDebian12(os)) throw new UnsupportedHostError(manualInstructions(failed, os));
  const mirror = await hostMirror();
  const canInstall = process.getuid?.() === 0 && (await which('apt-get')) !== null;
  if (!canInstall) {
    throw new HostSetupError(`host is missing ${failed.map((c) => c.name).join(', ')}; run:\n  ${fixCommands(failed, mirror).join('\n  ')}`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const backports = [...new Set(failed.flatMap((c) => (c.fix?.suite ? c.fix.packages : [])))];
  const plain = [...new Set(failed.flatMap((c) => (c.fix && !c.fix.suite ? c.fix.packages : [])))];
  if (backports.length) {
    const current = await readFile(BACKPORTS_FILE, 'utf8').catch(() => '');
    if (!current.includes('bookworm-backports')) {
      await writeFile(BACKPORTS_FILE, backportsSources(mirror));
    }
  }
  log(`installing ${[...backports, ...plain].join(' ')} with apt-get`);
  await execa('apt-get', ['-qq', 'update'], { env });
  if (backports.length) await execa('apt-get', ['-y', '-qq', 'install', '-t', 'bookworm-backports', ...backports], { env });
  if (plain.length) await execa('apt-get', ['-y', '-qq', 'install', ...plain], { env });
  checks = await hostChecks(qemu, extras);
  failed = checks.filter((c) => !c.ok);
  if (failed.length) throw new HostSetupError(`still missing after apt-get install: ${failed.map((c) => `${c.name} (${c.detail})`).join(', ')}`);
  return checks;
}
