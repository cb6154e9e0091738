// Content-addressed cache under $XDG_CACHE_HOME/dax-harness. Entries are built in a private temp dir beside
// their final place and renamed in, so concurrent builders never see (or leave) a half-written entry. A temp
// dir carries its builder's PID: one whose builder died (SIGKILL, power loss) is swept by the next builder.
// The cache root is 0700: images hold each guest's SSH host key.
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dax-harness');
}

/**
 * XDG_CACHE_HOME, as the XDG spec reads it: an absolute path (a relative one is ignored, so the default
 * applies), and here never under a pseudo filesystem, where mkdir -p spins or writes into the kernel's
 * namespace. Undefined when fine; else why, for a one-line error.
 */
export function badCacheHome(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (!value.startsWith('/')) return `XDG_CACHE_HOME=${value}: not an absolute path; unset it or give one like /var/cache/me`;
  const pseudo = ['/proc', '/sys', '/dev'].find((r) => value === r || value.startsWith(`${r}/`));
  return pseudo ? `XDG_CACHE_HOME=${value}: under ${pseudo}, a pseudo filesystem; give a directory on a disk` : undefined;
}

export function cachePath(...parts: string[]): string {
  return join(cacheRoot(), ...parts);
}

export function hashOf(...inputs: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const input of inputs) {
    h.update(String(input.length));
    h.update(':');
    h.update(input);
  }
  return h.digest('hex');
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

let rootReady: Promise<void> | null = null;

/** Creates the cache root owner-only, and tightens one left world-readable by an older harness. */
export function ensureCacheRoot(): Promise<void> {
  rootReady ??= (async () => {
    await mkdir(cacheRoot(), { recursive: true, mode: 0o700 });
    await chmod(cacheRoot(), 0o700);
  })();
  return rootReady;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A fresh temp dir beside `target`, after removing those of `target` whose builder is dead. */
export async function tempBeside(target: string): Promise<string> {
  await ensureCacheRoot();
  await mkdir(dirname(target), { recursive: true });
  const prefix = `${basename(target)}.tmp-`;
  for (const entry of await readdir(dirname(target)).catch(() => [])) {
    if (!entry.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(entry.slice(prefix.length))?.[1]);
    // Temp dirs of an older harness carry no PID: they are as dead as their builder.
    if (!Number.isInteger(pid) || !alive(pid)) await rm(join(dirname(target), entry), { recursive: true, force: true });
  }
  return mkdtemp(`${target}.tmp-${process.pid}-`);
}

/**
 * Returns `dir`, building it with `build(tmpDir)` first if it is not there. A concurrent builder that wins the
 * rename makes ours redundant: we drop our copy and use theirs.
 */
export async function cachedDir(dir: string, build: (tmpDir: string) => Promise<void>): Promise<{ dir: string; hit: boolean }> {
  await ensureCacheRoot();
  if (await exists(dir)) return { dir, hit: true };
  const tmp = await tempBeside(dir);
  try {
    await build(tmp);
    try {
      await rename(tmp, dir);
    } catch (err) {
      if (!(await exists(dir))) throw err;
      await rm(tmp, { recursive: true, force: true });
    }
    return { dir, hit: false };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}
