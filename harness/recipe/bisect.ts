// `git bisect` in the user's kernel tree with a recipe as the test: each step rebuilds with the user's
// .config (olddefconfig) and replays the recipe; a build failure is 125 (skip this commit).
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';

export interface BisectRequest {
  tree: string;
  good: string;
  bad: string;
  recipe: string;
  /** argv that runs `daxh` (node + script) */
  daxh: readonly string[];
  extra: readonly string[];
}

/** The shell command git runs at each bisect step. Pure, so its exit-code mapping is testable. */
export function stepCommand(tree: string, savedConfig: string, daxh: readonly string[], recipe: string, extra: readonly string[]): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const jobs = cpus().length;
  return [
    `cp ${q(savedConfig)} ${q(join(tree, '.config'))}`,
    `make -C ${q(tree)} -s olddefconfig >/dev/null`,
    `make -C ${q(tree)} -s -j${jobs} bzImage modules >/dev/null || exit 125`,
    `exec ${daxh.map(q).join(' ')} repro ${q(recipe)} --kernel-tree ${q(tree)} ${extra.map(q).join(' ')}`,
  ].join(' && ');
}

export async function bisect(req: BisectRequest, log: (line: string) => void): Promise<{ firstBad: string | null; output: string }> {
  const tree = resolve(req.tree);
  const scratch = await mkdtemp(join(tmpdir(), 'daxh-bisect-'));
  const saved = join(scratch, 'config');
  try {
    await copyFile(join(tree, '.config'), saved);
    await execa('git', ['-C', tree, 'bisect', 'start', req.bad, req.good]);
    log(`bisecting ${req.good}..${req.bad} in ${tree}; every step rebuilds (make olddefconfig, -j${cpus().length}) and boots a guest`);
    const run = await execa('git', ['-C', tree, 'bisect', 'run', 'sh', '-c', stepCommand(tree, saved, req.daxh, resolve(req.recipe), req.extra)], { reject: false, all: true });
    const output = String(run.all ?? '');
    const firstBad = output.match(/^([0-9a-f]{7,40}) is the first bad commit/m)?.[1] ?? null;
    return { firstBad, output };
  } finally {
    await execa('git', ['-C', tree, 'bisect', 'reset'], { reject: false });
    await copyFile(saved, join(tree, '.config')).catch(() => {});
    await rm(scratch, { recursive: true, force: true });
  }
}
