// A recipe replayed on one kernel and on a list of them: what `daxh repro` and `daxh run --replay-findings`
// tell a maintainer (which kernels a finding reproduces on). The kernel is prepared, one guest is booted for
// the replay and stopped after it, and the verdict is judged as `daxh run` judges.
import { loneGuestVcpus } from '../lab/host-share.ts';
import type { TopologyPlanner } from '../lab/planner.ts';
import { prepare, type MachineChoice } from '../lab/prepare.ts';
import { bootLabGuest } from '../lab/session.ts';
import type { Accel } from '../../qemu/base-args.ts';
import type { KernelChoice } from '../../images/kernel.ts';
import { REPRO_EXIT, replay, type ReproOutcome } from './repro.ts';
import type { Recipe } from './recipe.ts';
import type { SeriesVerdict, VerdictKind } from '../report/results.ts';

export interface KernelVerdict {
  kind: VerdictKind;
  exit: number;
  line: string;
  detail?: string;
}

/** One replay's verdict as an exit code and a line (known divergences named; strict makes them divergences). */
export function verdictOf(outcome: ReproOutcome, strict: boolean): KernelVerdict {
  switch (outcome.kind) {
    case 'agrees': {
      const known = outcome.known.map((k) => `known divergence ${k.id} at ${k.step}: ${k.reason}`).join('\n');
      const ids = [...new Set(outcome.known.map((k) => k.id))].join(', ');
      if (strict && outcome.known.length) return { kind: 'diverges', exit: REPRO_EXIT.diverges, line: `diverges (known, --strict: ${ids})`, detail: known };
      return { kind: 'agrees', exit: REPRO_EXIT.agrees, line: `agrees with the model (${outcome.checks} checks${outcome.known.length ? `; known: ${ids}` : ''})`, ...(known ? { detail: known } : {}) };
    }
    case 'diverges':
      return { kind: 'diverges', exit: REPRO_EXIT.diverges, line: 'diverges', detail: outcome.report };
    case 'cannot-test':
      return { kind: 'cannot-test', exit: REPRO_EXIT['cannot-test'], line: `cannot test: ${outcome.reason}` };
  }
}

export interface ReplaySetup {
  recipe: Recipe;
  topology: string;
  planner: TopologyPlanner;
  accel: Accel | 'auto';
  machine: MachineChoice;
  strict: boolean;
  log: (line: string) => void;
}

export async function replayOn(s: ReplaySetup, choice: KernelChoice): Promise<KernelVerdict & { release: string }> {
  const prepared = await prepare(choice, s.accel, s.log, s.machine);
  const outcome = await replay(s.recipe, prepared.kernel.release, () => bootLabGuest({ prepared, plan: s.planner(prepared.kernel.release, loneGuestVcpus()), name: `repro-${s.topology}` }), s.topology);
  return { release: prepared.kernel.release, ...verdictOf(outcome, s.strict) };
}


/** The recipe on each Debian series in turn; `onEach` sees every verdict as it comes. */
export async function replayAcross(s: ReplaySetup, series: readonly string[], onEach: (v: SeriesVerdict) => void = () => {}, signal?: AbortSignal): Promise<SeriesVerdict[]> {
  const out: SeriesVerdict[] = [];
  for (const x of series) {
    if (signal?.aborted) break;
    const v = await replayOn(s, { kind: 'debian', series: x });
    out.push({ series: x, release: v.release, kind: v.kind, line: v.line });
    onEach(out.at(-1)!);
  }
  return out;
}
