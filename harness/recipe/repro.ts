// Replays a recipe on a fresh guest and says how the kernel behaved, in terms `git bisect run` understands.
import { Checker, DivergenceError } from '../compare/checker.ts';
import { initModel } from '../compare/init-model.ts';
import { withLabGuest } from '../lab/session.ts';
import type { Prepared } from '../lab/prepare.ts';
import { ProvisionError } from '../lab/provision.ts';
import { compareReleases } from '../model/profiles.ts';
import type { KnownHit } from '../report/results.ts';
import type { GuestPlan } from '../../qemu/plan.ts';
import type { Recipe } from './recipe.ts';

export type ReproOutcome =
  | { kind: 'agrees'; checks: number; known: KnownHit[] }
  | { kind: 'diverges'; report: string }
  | { kind: 'cannot-test'; reason: string };

export const REPRO_EXIT = { agrees: 0, diverges: 1, 'cannot-test': 125 } as const;

export async function replay(recipe: Recipe, prepared: Prepared, plan: (workDir: string) => GuestPlan, topology: string): Promise<ReproOutcome> {
  const release = prepared.kernel.release;
  if (recipe.kernel.min && compareReleases(release, recipe.kernel.min) < 0) return { kind: 'cannot-test', reason: `kernel ${release} is older than the recipe's minimum ${recipe.kernel.min}` };
  if (recipe.kernel.max && compareReleases(release, recipe.kernel.max) > 0) return { kind: 'cannot-test', reason: `kernel ${release} is newer than the recipe's maximum ${recipe.kernel.max}` };
  try {
    return await withLabGuest({ prepared, plan, name: `repro-${topology}` }, async (lab) => {
      const missing = recipe.kernel.capabilities.filter((c) => !lab.caps.has.has(c));
      if (missing.length) return { kind: 'cannot-test', reason: missing.map((c) => lab.caps.why(c)).join('; ') };
      const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps, recipe.model), { topology, kernel: release }, lab.inventory.observation);
      const mark = lab.guest.console.mark();
      try {
        for (const op of recipe.steps) await checker.step(op);
      } catch (err) {
        if (err instanceof DivergenceError) return { kind: 'diverges', report: err.message };
        throw err;
      }
      const crash = lab.guest.console.eventsSince(mark)[0];
      if (crash) return { kind: 'diverges', report: `guest kernel ${crash.kind}: ${crash.line}\n${lab.guest.console.excerptAt(crash)}` };
      return { kind: 'agrees', checks: checker.checks, known: checker.known };
    });
  } catch (err) {
    if (err instanceof ProvisionError) return { kind: 'cannot-test', reason: `provisioning failed: ${err.message}` };
    throw err;
  }
}
