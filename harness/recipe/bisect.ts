// `git bisect` in the user's kernel tree with a recipe as the test: each step rebuilds with the user's
// .config (olddefconfig) and replays the recipe. Everything that can be checked is checked before the first
// build, and only a real verdict counts: a step that cannot judge its commit is skipped (125), never "bad".
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../util/input-error.ts';
import { shellQuote } from '../util/shell-quote.ts';
import { readRecipeFile, replayTopology } from './load.ts';

export interface BisectRequest {
  tree: string;
  good: string;
  bad: string;
  recipe: string;
  /** --topology, when the replay should not use the recipe's own */
  topology?: string;
  /** argv that runs `daxh` (node + script) */
  daxh: readonly string[];
  extra: readonly string[];
}

export class BisectError extends InputError {}

/** git bisect run: 0 good, 1..127 but 125 bad, 125 skip, 128 and above abort the bisect. */
const GIT_BISECT = { skip: 125, abort: 255 } as const;

/**
 * The shell command git runs at each bisect step. Pure, so its exit-code mapping is testable: repro's 0
 * (agrees) and 1 (diverges) are the verdicts; an interrupt aborts the bisect; anything else (bad input at
 * this commit, such as a config that lost an option, a harness error, cannot test) skips the commit.
 */
export function stepCommand(tree: string, savedConfig: string, daxh: readonly string[], recipe: string, extra: readonly string[]): string {
  const q = shellQuote;
  const jobs = cpus().length;
  const build = [`cp ${q(savedConfig)} ${q(join(tree, '.config'))}`, `make -C ${q(tree)} -s olddefconfig >/dev/null`, `make -C ${q(tree)} -s -j${jobs} bzImage modules >/dev/null`].join(' && ');
  return [
    `{ ${build}; } || exit ${GIT_BISECT.skip}`,
    `${daxh.map(q).join(' ')} repro ${q(recipe)} --kernel-tree ${q(tree)}${extra.map((e) => ` ${q(e)}`).join('')}`,
    `rc=$?; case $rc in 0|1) exit $rc;; 130|143) exit ${GIT_BISECT.abort};; *) exit ${GIT_BISECT.skip};; esac`,
  ].join('\n');
}

/** The tree, both revisions and the recipe, each refused in one line before anything is built. */
export async function checkBisect(req: BisectRequest): Promise<{ tree: string; good: string; bad: string }> {
  const tree = resolve(req.tree);
  const st = await stat(tree).catch(() => null);
  if (!st?.isDirectory()) throw new BisectError(`--kernel-tree ${req.tree}: no such directory`);
  const top = await execa('git', ['-C', tree, 'rev-parse', '--show-toplevel'], { reject: false });
  if (top.exitCode !== 0) throw new BisectError(`--kernel-tree ${req.tree}: not a git work tree; bisect needs the kernel's git history (git clone, not a source tarball)`);
  const commit = async (flag: string, rev: string) => {
    const r = await execa('git', ['-C', tree, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], { reject: false });
    if (r.exitCode !== 0) throw new BisectError(`${flag} ${rev}: no such commit in ${req.tree}; give a commit, tag or branch it has (git log --oneline)`);
    return r.stdout.trim();
  };
  const good = await commit('--good', req.good);
  const bad = await commit('--bad', req.bad);
  if (good === bad) throw new BisectError(`--good ${req.good} and --bad ${req.bad} are the same commit; give a good commit older than the bad one`);
  const recipe = await readRecipeFile(req.recipe);
  replayTopology(recipe, req.recipe, req.topology);
  if (!(await stat(join(tree, '.config')).catch(() => null))) {
    throw new BisectError(`--kernel-tree ${req.tree}: no .config; every step rebuilds with it, so configure the tree first (e.g. cp /boot/config-$(uname -r) .config)`);
  }
  return { tree, good, bad };
}

export async function bisect(req: BisectRequest, log: (line: string) => void): Promise<{ firstBad: string | null; output: string }> {
  const { tree } = await checkBisect(req);
  const scratch = await mkdtemp(join(tmpdir(), 'daxh-bisect-'));
  const saved = join(scratch, 'config');
  try {
    await copyFile(join(tree, '.config'), saved);
    await execa('git', ['-C', tree, 'bisect', 'start', req.bad, req.good]);
    log(`bisecting ${req.good}..${req.bad} in ${tree}; every step rebuilds (make olddefconfig, -j${cpus().length}) and boots a guest`);
    const extra = [...(req.topology ? ['--topology', req.topology] : []), ...req.extra];
    const run = await execa('git', ['-C', tree, 'bisect', 'run', 'sh', '-c', stepCommand(tree, saved, req.daxh, resolve(req.recipe), extra)], { reject: false, all: true });
    const output = String(run.all ?? '');
    const firstBad = output.match(/^([0-9a-f]{7,40}) is the first bad commit/m)?.[1] ?? null;
    return { firstBad, output };
  } finally {
    await execa('git', ['-C', tree, 'bisect', 'reset'], { reject: false });
    await copyFile(saved, join(tree, '.config')).catch(() => {});
    await rm(scratch, { recursive: true, force: true });
  }
}
