// Replays a recipe on a fresh guest and says how the kernel behaved, in terms `git bisect run` understands.
// It judges exactly as `daxh run` does: the same checker and the same console judge.
import { parseDeviceName } from '../abi/device-name.ts';
import { Checker, DivergenceError } from '../compare/checker.ts';
import { initModel } from '../compare/init-model.ts';
import { judgeCaseConsole, knownReport } from '../compare/judge.ts';
import { GuestHangError, GuestSetupError } from '../guest/errors.ts';
import { blockedTasks } from '../lab/blocked-tasks.ts';
import type { LabGuest } from '../lab/session.ts';
import { compareReleases } from '../model/profiles.ts';
import type { KnownHit } from '../compare/checker.ts';
import { opsOf } from '../model/ops.ts';
import type { Recipe } from './recipe.ts';
import type { VerdictKind } from '../report/results.ts';
import { InputError } from '../util/input-error.ts';

export type ReproOutcome =
  | { kind: 'agrees'; checks: number; known: KnownHit[] }
  | { kind: 'diverges'; report: string }
  | { kind: 'cannot-test'; reason: string };

export const REPRO_EXIT = { agrees: 0, diverges: 1, 'cannot-test': 125 } as const satisfies Record<VerdictKind, number>;

/** Devices a recipe's steps name that the provisioned guest does not have and no earlier step creates. */
export function unknownDevices(recipe: Recipe, lab: LabGuest): string[] {
  const known = new Set(lab.inventory.observation.devices.map((d) => d.name));
  const regionIds = new Set(lab.inventory.regions.map((r) => r.id));
  const out = new Set<string>();
  const ops = recipe.steps.flatMap(opsOf);
  for (const s of ops) {
    const name = s.ref.kind === 'device' || s.ref.kind === 'mapping' ? s.ref.device : null;
    if (name === null || known.has(name)) continue;
    // A device of an existing dynamic region may be one a `create` step makes.
    const region = parseDeviceName(name)?.[0] ?? NaN;
    const creatable = regionIds.has(region) && ops.some((x) => x.op === 'write' && x.ref.kind === 'region' && x.ref.attr === 'create');
    if (!creatable) out.add(name);
  }
  return [...out];
}

export class RecipeMismatchError extends InputError {}

export async function replay(recipe: Recipe, release: string, boot: () => Promise<LabGuest>, topology: string): Promise<ReproOutcome> {
  if (recipe.kernel.min && compareReleases(release, recipe.kernel.min) < 0) return { kind: 'cannot-test', reason: `kernel ${release} is older than the recipe's minimum ${recipe.kernel.min}` };
  if (recipe.kernel.max && compareReleases(release, recipe.kernel.max) > 0) return { kind: 'cannot-test', reason: `kernel ${release} is newer than the recipe's maximum ${recipe.kernel.max}` };
  let lab: LabGuest;
  try {
    lab = await boot();
  } catch (err) {
    if (err instanceof GuestSetupError) return { kind: 'cannot-test', reason: err.message };
    throw err;
  }
  try {
    const missing = recipe.kernel.capabilities.filter((c) => !lab.caps.has.has(c));
    if (missing.length) return { kind: 'cannot-test', reason: missing.map((c) => lab.caps.why(c)).join('; ') };
    const strangers = unknownDevices(recipe, lab);
    if (strangers.length) throw new RecipeMismatchError(`recipe names ${strangers.join(', ')}, which topology ${topology} does not have (it has ${lab.inventory.observation.devices.map((d) => d.name).join(', ') || 'no dax devices'}); replay it on the topology it was saved on`);
    const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps, recipe.model), { topology, kernel: release }, lab.inventory.observation);
    const mark = lab.guest.console.mark();
    let diverged: string | null = null;
    let blocked: string[] = [];
    try {
      for (const a of recipe.steps) await checker.act(a);
    } catch (err) {
      if (err instanceof GuestHangError) blocked = await blockedTasks(lab.guest);
      else if (!(err instanceof DivergenceError)) throw err;
      diverged = err.message;
    }
    const consoleLines = lab.guest.console.linesSince(mark);
    const verdict = judgeCaseConsole(blocked.length ? blocked : consoleLines);
    if (verdict.kind === 'crash') {
      // As `daxh run` judges it: a bug the harness already found is known on the kernels it is known on.
      const known = knownReport(release, verdict.report, blocked, consoleLines);
      if (known) return { kind: 'agrees', checks: checker.checks, known: [...checker.known.filter((k) => k.id !== known.id), known] };
      return { kind: 'diverges', report: `guest kernel ${verdict.report.kind}: ${verdict.report.line.trim()}\n${verdict.report.excerpt}` };
    }
    if (diverged !== null) return { kind: 'diverges', report: diverged };
    return { kind: 'agrees', checks: checker.checks, known: checker.known };
  } finally {
    await lab.guest.stop();
  }
}
