// Real kernel trees for the tests that need one (npm run test:tree): Debian's linux-source-S (6.12 for the
// developer's loop, 7.3, the newest, for the fixes), configured like `daxh kconfig` does and built once
// (images/source-build.ts), each with a git history a developer's tree has.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { aptStateFor } from '../../images/kernel.ts';
import { cachePath, hashOf } from '../../images/cache.ts';
import { HARNESS_CONFIG } from '../../images/kconfig.ts';
import { DEBIAN_KERNELS, type PinnedPackage } from '../../images/pins.ts';
import { NO_PROFILE, sourceTree } from '../../images/source-build.ts';

/** The source package a fixture tree of a series is built from: that series' pin. */
export function treeSource(series: string) {
  const pin = DEBIAN_KERNELS.find((k) => k.series === series);
  if (!pin?.source) throw new Error(`no linux-source pin for ${series}`);
  return { pin, source: pin.source };
}

const GIT = ['-c', 'user.email=daxh@localhost', '-c', 'user.name=dax-harness'];
export const git = (tree: string, args: string[]) => execa('git', ['-C', tree, ...GIT, ...args]);

/** A git history, so bisect tests have commits to walk and fixes apply with git am. */
const gitInit = (source: PinnedPackage) => async (tree: string): Promise<void> => {
  // Debian's packaging appends `/*` to the top .gitignore (ignore everything at the top level); upstream's
  // rules are what a developer's tree has.
  const gitignore = join(tree, '.gitignore');
  await writeFile(gitignore, (await readFile(gitignore, 'utf8')).replace(/\n#\n# Debian packaging:[\s\S]*$/, '\n'));
  await git(tree, ['init', '-q', '-b', 'main']);
  await git(tree, ['add', '-A']);
  await git(tree, ['commit', '-q', '-m', `${source.name} ${source.version}`]);
};

export async function builtTree(series = '6.12', log: (line: string) => void = (l) => console.error(`tree ${series}: ${l}`)): Promise<string> {
  const { pin, source } = treeSource(series);
  const root = cachePath('trees', hashOf('tree-fixture-v1', source.sha256, JSON.stringify(HARNESS_CONFIG)).slice(0, 24));
  return sourceTree({ source, apt: await aptStateFor(pin), profile: NO_PROFILE, root, afterExtract: gitInit(source) }, log);
}

/** The one-line break: a full region's create reports EBUSY instead of ENOSPC (create_store()). */
export const BREAK = { file: 'drivers/dax/bus.c', from: '\t\trc = -ENOSPC;\n\telse {', to: '\t\trc = -EBUSY;\n\telse {' };

export async function breakBus(tree: string): Promise<void> {
  const file = join(tree, BREAK.file);
  const text = await readFile(file, 'utf8');
  if (!text.includes(BREAK.from)) throw new Error(`${BREAK.file} no longer has the line this test breaks`);
  await writeFile(file, text.replace(BREAK.from, BREAK.to));
}
