// Content-addressed cache under $XDG_CACHE_HOME/dax-harness. Entries are built in a private temp dir beside
// their final place and renamed in, so concurrent builders never see (or leave) a half-written entry.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function cacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'dax-harness');
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

/**
 * Returns `dir`, building it with `build(tmpDir)` first if it is not there. A concurrent builder that wins the
 * rename makes ours redundant: we drop our copy and use theirs.
 */
export async function cachedDir(dir: string, build: (tmpDir: string) => Promise<void>): Promise<{ dir: string; hit: boolean }> {
  if (await exists(dir)) return { dir, hit: true };
  await mkdir(dirname(dir), { recursive: true });
  const tmp = await mkdtemp(`${dir}.tmp-`);
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
