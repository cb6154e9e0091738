// Builds the guest-side helper (images/guest-helper/daxh-helper.c) as a static binary, cached by source hash.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { cachePath, cachedDir, hashOf } from './cache.ts';

export const HELPER_SOURCE = fileURLToPath(new URL('./guest-helper/daxh-helper.c', import.meta.url));
export const HELPER_GUEST_PATH = '/usr/bin/daxh-helper';

const GCC_FLAGS = ['-static', '-Os', '-Wall', '-Werror'];

/** Source and flags: a flag change must rebuild the cached binary too. */
export async function helperSourceHash(): Promise<string> {
  return hashOf(await readFile(HELPER_SOURCE), ...GCC_FLAGS);
}

export async function buildHelper(): Promise<string> {
  const { dir } = await cachedDir(cachePath('helper', await helperSourceHash()), async (tmp) => {
    await execa('gcc', [...GCC_FLAGS, '-o', join(tmp, 'daxh-helper'), HELPER_SOURCE]).catch((err) => {
      throw new Error(`building the guest helper failed (is gcc with a static libc installed? apt-get install gcc libc6-dev):\n${err.stderr ?? err.message}`);
    });
  });
  return join(dir, 'daxh-helper');
}
