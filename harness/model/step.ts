// The outcome of one operation on the model.
import type { Errno } from './errno.ts';
import { fail, ok, type OpResult } from './ops.ts';
import type { State } from './state.ts';

/**
 * Another outcome the kernel may legitimately choose for the same operation, with why: the checker follows
 * the branch the kernel took when its result matches, and a result in no branch is still a divergence.
 */
export interface Alternative {
  /** Stable name, counted in reports: `memblock-offline-busy`. */
  readonly id: string;
  readonly reason: string;
  readonly result: OpResult;
  readonly next: State;
}

export interface Step {
  readonly result: OpResult;
  readonly next: State;
  /** Set when the kernel is expected to print a WARNING (WARN_ONCE sites print only once per boot). */
  readonly kernelWarning?: string;
  readonly alternatives?: readonly Alternative[];
}

export const succeed = (next: State, value?: string): Step => ({ result: ok(value), next });
export const refuse = (state: State, errno: Errno): Step => ({ result: fail(errno), next: state });

/** Adds a warning to a step, keeping an earlier one (the first WARNING is what a reader needs). */
export function warned(step: Step, warning: string | undefined): Step {
  if (warning === undefined || step.kernelWarning !== undefined) return step;
  return { ...step, kernelWarning: warning };
}

/** Adds outcomes the kernel may choose instead of the step's own. */
export function orElse(step: Step, ...alternatives: Alternative[]): Step {
  return { ...step, alternatives: [...(step.alternatives ?? []), ...alternatives] };
}

/** A driver probe: a failure may still change the state (device_dax's stale page map). */
export type ProbeOutcome = { ok: true; next: State } | { ok: false; errno: Errno; next: State; warning?: string };
