// Kernel bugs the model can act out. The model predicts the intended behaviour; a known row of
// divergences.ts that names one of these switches says the kernels in its range behave as if it were on, so
// the checker can tell the bug's answer (and the state it leaves) from any other wrong answer, and a run
// goes on from the state the real kernel is in. The switches live in the profile, off by default.
import type { State } from './state.ts';

export const KERNEL_BUGS = [
  /** mapping_store lost `rc = -ENXIO` for a length its align does not divide (c05ae9d85b47, v6.9). */
  'mapping-misaligned-length-succeeds',
  /** mapping_store never checks dev->driver, unlike size_store and align_store. */
  'mapping-on-bound-device',
  /** dev_dax_probe() publishes dev_dax->pgmap before it can fail, and a failure leaves it dangling. */
  'device-dax-probe-keeps-stale-pgmap',
] as const;

export type KernelBug = (typeof KERNEL_BUGS)[number];

export const bugOn = (s: State, bug: KernelBug): boolean => s.profile.bugs?.has(bug) === true;

/** `s` as a kernel with exactly these bugs runs it. */
export function withBugs(s: State, bugs: readonly KernelBug[]): State {
  return { ...s, profile: { ...s.profile, bugs: new Set(bugs) } };
}
