// Every file under a directory, for the few places that walk a tree (kernel module dirs, Kconfig files, gcov
// data, the cache a test watches). A directory that does not exist, or vanishes mid-walk, has no files.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Paths of the regular files (and links) under `root`, descending only into directories `enter` accepts by name. */
export async function filesUnder(root: string, enter: (dirName: string) => boolean = () => true): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (enter(e.name)) await walk(p);
      } else out.push(p);
    }
  };
  await walk(root);
  return out;
}
