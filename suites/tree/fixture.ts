// A real kernel tree for the tests that need one (npm run test:tree): Debian's linux-source-6.12, configured
// like `daxh kconfig` does and built once (images/source-build.ts), with a git history a developer's tree has.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { HOST_APT } from '../../images/apt.ts';
import { cachePath, hashOf } from '../../images/cache.ts';
import { HARNESS_CONFIG } from '../../images/kconfig.ts';
import { DEBIAN_KERNELS } from '../../images/pins.ts';
import { NO_PROFILE, sourceTree } from '../../images/source-build.ts';

/** The source package the fixture tree is built from (bookworm-security): the 6.12 pin's. */
export const TREE_SOURCE = DEBIAN_KERNELS.find((k) => k.series === '6.12')!.source!;

const GIT = ['-c', 'user.email=daxh@localhost', '-c', 'user.name=dax-harness'];
export const git = (tree: string, args: string[]) => execa('git', ['-C', tree, ...GIT, ...args]);

/** A git history, so bisect tests have commits to walk. */
async function gitInit(tree: string): Promise<void> {
  // Debian's packaging appends `/*` to the top .gitignore (ignore everything at the top level); upstream's
  // rules are what a developer's tree has.
  const gitignore = join(tree, '.gitignore');
  await writeFile(gitignore, (await readFile(gitignore, 'utf8')).replace(/\n#\n# Debian packaging:[\s\S]*$/, '\n'));
  await git(tree, ['init', '-q', '-b', 'main']);
  await git(tree, ['add', '-A']);
  await git(tree, ['commit', '-q', '-m', `${TREE_SOURCE.name} ${TREE_SOURCE.version}`]);
}

export async function builtTree(log: (line: string) => void = (l) => console.error(`tree: ${l}`)): Promise<string> {
  const root = cachePath('trees', hashOf('tree-fixture-v1', TREE_SOURCE.sha256, JSON.stringify(HARNESS_CONFIG)).slice(0, 24));
  return sourceTree({ source: TREE_SOURCE, apt: HOST_APT, profile: NO_PROFILE, root, afterExtract: gitInit }, log);
}

/** The one-line break: a full region's create reports EBUSY instead of ENOSPC (create_store()). */
export const BREAK = { file: 'drivers/dax/bus.c', from: '\t\trc = -ENOSPC;\n\telse {', to: '\t\trc = -EBUSY;\n\telse {' };

export async function breakBus(tree: string): Promise<void> {
  const file = join(tree, BREAK.file);
  const text = await readFile(file, 'utf8');
  if (!text.includes(BREAK.from)) throw new Error(`${BREAK.file} no longer has the line this test breaks`);
  await writeFile(file, text.replace(BREAK.from, BREAK.to));
}
