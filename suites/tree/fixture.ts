// A real kernel tree for the tests that need one (npm run test:tree): Debian's linux-source-6.12, configured
// by `daxh kconfig` and built once. It lives in the cache keyed by the source package's SHA256 and the
// harness's config table, and is built in place with markers, so an interrupted build resumes where it
// stopped instead of starting its 35 minutes again.
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { HOST_APT, aptDownload, aptRecord } from '../../images/apt.ts';
import { cachePath, hashOf } from '../../images/cache.ts';
import { HARNESS_CONFIG } from '../../images/kconfig.ts';
import { configureTree } from '../../images/kernel-tree.ts';

/** The source package the fixture tree is built from (bookworm-security). */
export const TREE_SOURCE = { name: 'linux-source-6.12', version: '6.12.117-1~deb12u1', sha256: 'e849faf31ca3555757f3a8877cb01af92122f744f75d1f3102734651c4e14703' } as const;

const GIT = ['-c', 'user.email=daxh@localhost', '-c', 'user.name=dax-harness'];
export const git = (tree: string, args: string[]) => execa('git', ['-C', tree, ...GIT, ...args]);

const marker = (dir: string, name: string) => join(dir, `.fixture-${name}`);
const done = async (dir: string, name: string) => Boolean(await stat(marker(dir, name)).catch(() => null));

export async function builtTree(log: (line: string) => void = (l) => console.error(`tree: ${l}`)): Promise<string> {
  const root = cachePath('trees', hashOf('tree-fixture-v1', TREE_SOURCE.sha256, JSON.stringify(HARNESS_CONFIG)).slice(0, 24));
  const tree = join(root, 'linux');
  if (await done(root, 'built')) return tree;
  await mkdir(root, { recursive: true });
  if (!(await done(root, 'extracted'))) {
    await rm(tree, { recursive: true, force: true });
    const record = await aptRecord(HOST_APT, TREE_SOURCE.name, TREE_SOURCE.version);
    if (record.sha256 !== TREE_SOURCE.sha256) throw new Error(`${TREE_SOURCE.name} ${TREE_SOURCE.version}: archive SHA256 ${record.sha256}, pinned ${TREE_SOURCE.sha256}`);
    const [deb] = await aptDownload(HOST_APT, [record], cachePath('debs', 'bookworm'), log);
    log(`extracting ${TREE_SOURCE.name} ${TREE_SOURCE.version}`);
    await mkdir(tree);
    await execa('sh', ['-c', `dpkg-deb --fsys-tarfile "$1" | tar -xO --wildcards './usr/src/linux-source-*.tar.xz' | tar -xJ --strip-components=1 -C "$2"`, 'sh', deb!, tree]);
    // A git history, so bisect tests have commits to walk. Debian's packaging appends `/*` to the top
    // .gitignore (ignore everything at the top level); upstream's rules are what a developer's tree has.
    const gitignore = join(tree, '.gitignore');
    await writeFile(gitignore, (await readFile(gitignore, 'utf8')).replace(/\n#\n# Debian packaging:[\s\S]*$/, '\n'));
    await git(tree, ['init', '-q', '-b', 'main']);
    await git(tree, ['add', '-A']);
    await git(tree, ['commit', '-q', '-m', `${TREE_SOURCE.name} ${TREE_SOURCE.version}`]);
    await writeFile(marker(root, 'extracted'), '');
  }
  if (!(await done(root, 'configured'))) {
    await configureTree(tree, {}, log);
    await writeFile(marker(root, 'configured'), '');
  }
  const jobs = cpus().length;
  log(`building ${tree} (make -j${jobs} bzImage modules; about 35 min on 2 cores the first time, resumed if interrupted)`);
  const t0 = performance.now();
  await execa('make', ['-C', tree, '-s', `-j${jobs}`, 'bzImage', 'modules'], { stdout: 'ignore', stderr: 'inherit' });
  log(`built in ${((performance.now() - t0) / 60000).toFixed(1)} min`);
  await writeFile(marker(root, 'built'), '');
  return tree;
}

/** The one-line break: a full region's create reports EBUSY instead of ENOSPC (create_store()). */
export const BREAK = { file: 'drivers/dax/bus.c', from: '\t\trc = -ENOSPC;\n\telse {', to: '\t\trc = -EBUSY;\n\telse {' };

export async function breakBus(tree: string): Promise<void> {
  const file = join(tree, BREAK.file);
  const text = await readFile(file, 'utf8');
  if (!text.includes(BREAK.from)) throw new Error(`${BREAK.file} no longer has the line this test breaks`);
  await writeFile(file, text.replace(BREAK.from, BREAK.to));
}
