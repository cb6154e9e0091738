// `git bisect` in the user's kernel tree with a recipe as the test: each step rebuilds with the user's
// .config (olddefconfig) and replays the recipe. Everything that can be checked is checked before the first
// build, and only a real verdict counts: a step that cannot judge its commit is skipped (125), never "bad".
import { copyFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { InputError } from '../util/input-error.ts';
import { checkTree } from '../../images/kernel-tree.ts';
import { readRecipeFile, replayTopology } from './load.ts';

export interface BisectRequest {
  tree: string;
  good: string;
  bad: string;
  recipe: string;
  /** --topology, when the replay should not use the recipe's own */
  topology?: string;
  /** argv that runs `daxh`: node and its script */
  daxh: readonly [node: string, script: string];
  extra: readonly string[];
}

export class BisectError extends InputError {}

/** git bisect run: 0 good, 1..127 but 125 bad, 125 skip, 128 and above abort the bisect. */
const GIT_BISECT = { skip: 125, abort: 255 } as const;

/**
 * What git runs at each bisect step: `sh -c STEP_SCRIPT bisect-step TREE CONFIG RECIPE JOBS NODE DAXH EXTRA…`.
 * The script is a constant and every value a positional parameter, so no path or flag is ever shell text.
 * repro's 0 (agrees) and 1 (diverges) are the verdicts; an interrupt aborts the bisect; anything else (bad
 * input at this commit, such as a config that lost an option, a harness error, cannot test) skips the commit.
 */
export const STEP_SCRIPT = `tree=$1 config=$2 recipe=$3 jobs=$4 node=$5 daxh=$6
shift 6
{ cp "$config" "$tree/.config" && make -C "$tree" -s olddefconfig >/dev/null && make -C "$tree" -s -j"$jobs" bzImage modules >/dev/null; } || exit ${GIT_BISECT.skip}
"$node" "$daxh" repro "$recipe" --kernel-tree "$tree" "$@"
rc=$?; case $rc in 0|1) exit $rc;; 130|143) exit ${GIT_BISECT.abort};; *) exit ${GIT_BISECT.skip};; esac`;

/** The arguments after `sh -c STEP_SCRIPT` for one bisect. Pure, so the step's exit mapping is testable. */
export function stepArgs(tree: string, savedConfig: string, daxh: readonly [node: string, script: string], recipe: string, extra: readonly string[]): string[] {
  return ['bisect-step', tree, savedConfig, recipe, String(cpus().length), ...daxh, ...extra];
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
  const ancestor = await execa('git', ['-C', tree, 'merge-base', '--is-ancestor', good, bad], { reject: false });
  if (ancestor.exitCode !== 0) throw new BisectError(`--good ${req.good} is not an ancestor of --bad ${req.bad}; give the older, good commit as --good (swapped?)`);
  const recipe = await readRecipeFile(req.recipe);
  replayTopology(recipe, req.recipe, req.topology);
  await checkTree(tree).catch((err: Error) => {
    throw new BisectError(err.message);
  });
  const gitDir = (await execa('git', ['-C', tree, 'rev-parse', '--git-dir'])).stdout.trim();
  if (await stat(resolve(tree, gitDir, 'BISECT_START')).catch(() => null)) throw new BisectError(`--kernel-tree ${req.tree}: a git bisect is already in progress there; finish it (git bisect reset) first`);
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
    const run = await execa('git', ['-C', tree, 'bisect', 'run', 'sh', '-c', STEP_SCRIPT, ...stepArgs(tree, saved, req.daxh, resolve(req.recipe), extra)], { reject: false, all: true });
    const output = String(run.all ?? '');
    const firstBad = output.match(/^([0-9a-f]{7,40}) is the first bad commit/m)?.[1] ?? null;
    return { firstBad, output };
  } finally {
    await execa('git', ['-C', tree, 'bisect', 'reset'], { reject: false });
    await copyFile(saved, join(tree, '.config')).catch(() => {});
    await rm(scratch, { recursive: true, force: true });
  }
}
