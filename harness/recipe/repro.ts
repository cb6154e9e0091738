// Replays a recipe on a fresh guest and says how the kernel behaved, in terms `git bisect run` understands.
// It judges exactly as `daxh run` does: the same checker, and the same outcome policy (verdict/case-verdict.ts).
import { parseDeviceName } from '../abi/device-name.ts';
import { Checker, type StepRecord } from '../compare/checker.ts';
import { initModel } from '../compare/init-model.ts';
import { GuestSetupError } from '../guest/errors.ts';
import { blockedTasks } from '../lab/blocked-tasks.ts';
import type { LabGuest } from '../lab/session.ts';
import { compareReleases } from '../model/profiles.ts';
import type { KnownHit } from '../compare/checker.ts';
import { opsOf } from '../model/ops.ts';
import type { Recipe } from './recipe.ts';
import type { VerdictKind } from '../report/results.ts';
import { InputError } from '../util/input-error.ts';
import { caseVerdict, failureOf, type CaseEnd, type Outcome } from '../verdict/case-verdict.ts';

export type ReproOutcome =
  | { kind: 'agrees'; checks: number; known: KnownHit[] }
  | { kind: 'diverges'; report: string }
  | { kind: 'cannot-test'; reason: string };

export const REPRO_EXIT = { agrees: 0, diverges: 1, 'cannot-test': 125 } as const satisfies Record<VerdictKind, number>;

/**
 * Devices and regions a recipe's steps name that the provisioned guest does not have (and, for a device, no
 * earlier step creates): replayed, they would answer ENOENT where the recipe meant something else.
 */
export function unknownDevices(recipe: Recipe, lab: LabGuest): string[] {
  const known = new Set(lab.inventory.observation.devices.map((d) => d.name));
  const regionIds = new Set(lab.inventory.regions.map((r) => r.id));
  const hosts = new Set(lab.inventory.regions.map((r) => r.host));
  const out = new Set<string>();
  const ops = recipe.steps.flatMap(opsOf);
  for (const s of ops) {
    if (s.ref.kind === 'region' && !hosts.has(s.ref.host)) out.add(`the region of ${s.ref.host}`);
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

/** A case's outcome, as `git bisect run` reads it: what `daxh run` passes or knows agrees, what it fails diverges. */
export function reproOutcomeOf(outcome: Outcome, checks: number): ReproOutcome {
  switch (outcome.status) {
    case 'passed':
    case 'known':
      return { kind: 'agrees', checks, known: outcome.known ?? [] };
    case 'failed':
      return { kind: 'diverges', report: [outcome.failure, outcome.failureKind === 'divergence' ? undefined : outcome.console].filter(Boolean).join('\n') };
    case 'skipped':
      return { kind: 'cannot-test', reason: outcome.skipReason ?? 'skipped' };
    case 'interrupted':
      return { kind: 'cannot-test', reason: 'interrupted' };
  }
}

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
    if (strangers.length) throw new RecipeMismatchError(`recipe names ${strangers.join(', ')}, which topology ${topology} does not have (it has ${lab.inventory.observation.devices.map((d) => d.name).join(', ') || 'no dax devices'}${strangers.some((x) => x.startsWith('the region')) ? `; its regions are under ${lab.inventory.regions.map((r) => r.host).join(', ')}` : ''}); replay it on the topology it was saved on`);
    const steps: StepRecord[] = [];
    const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps, recipe.model), { topology, kernel: release }, lab.inventory.observation, (s) => steps.push(s));
    const mark = lab.guest.console.mark();
    let end: CaseEnd = { kind: 'completed' };
    try {
      for (const a of recipe.steps) await checker.act(a);
    } catch (err) {
      const failure = failureOf(err);
      if (!failure) throw err;
      end = { kind: 'failed', failure };
    }
    const consoleLines = lab.guest.console.linesSince(mark);
    const blocked = end.kind === 'failed' && end.failure.failureKind === 'guest-hang' && lab.guest.alive ? await blockedTasks(lab.guest) : [];
    const guest = lab.guest;
    const { outcome } = caseVerdict({ release, end, known: checker.known, steps, console: consoleLines, blocked, guestAlive: guest.alive, consoleTail: () => guest.console.tail(40) });
    return reproOutcomeOf(outcome, checker.checks);
  } finally {
    await lab.guest.stop();
  }
}
