// Writes what an untrusted archive holds (`parseTar`) as plain files the harness owns: a new 0700 directory,
// 0700 subdirectories, 0600 files created exclusively. Nothing of the archive's owners, modes, links or
// special files reaches the host.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseTar, type TarLimits, GUEST_TAR_LIMITS } from './tar.ts';

export interface Extracted {
  /** The new directory the files went into. */
  dir: string;
  files: string[];
  refused: string[];
}

/** Extracts into a new directory `<parent>/<prefix>XXXXXX` (mkdtemp: no link or file of anyone else's is in the way). */
export async function extractUntrustedTar(archive: Buffer, parent: string, prefix: string, limits: TarLimits = GUEST_TAR_LIMITS): Promise<Extracted> {
  const { files, refused } = parseTar(archive, limits);
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parent, prefix));
  const written: string[] = [];
  for (const f of files) {
    const path = join(dir, f.path);
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, f.data, { flag: 'wx', mode: 0o600 });
      written.push(path);
    } catch (err) {
      // A file where a directory must go, or the reverse: the archive contradicts itself.
      refused.push(`${f.path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
  }
  return { dir, files: written, refused };
}
