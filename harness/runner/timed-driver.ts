// Where a case's time goes: its round trips to the guest (each one helper batch: the writes,
// the observation, the kernel log), its fresh starts mid-case (a sysfs reset, a snapshot restore or a boot),
// and the rest (the model, the linearizability search, the case's own code and waits). daxh run --profile
// reports them.
import { aroundEachCall, type StepDriver } from '../driver/step-driver.ts';
import type { CaseResult } from '../report/results.ts';

export interface GuestTime {
  roundTrips: number;
  guestMs: number;
  /** ctx.fresh() calls and their wall time. */
  freshStarts: number;
  freshMs: number;
}

/** A case's timing as the results hold it (whole milliseconds); none for a case that never reached the guest. */
export function caseTiming(t: GuestTime): CaseResult['timing'] {
  if (!t.roundTrips) return undefined;
  return { roundTrips: t.roundTrips, guestMs: Math.round(t.guestMs), ...(t.freshStarts ? { freshStarts: t.freshStarts, freshMs: Math.round(t.freshMs) } : {}) };
}

/** `driver`, adding each call's count and wall time to `into`. */
export function timedDriver(driver: StepDriver, into: GuestTime, now: () => number = () => performance.now()): StepDriver {
  return aroundEachCall(driver, async (call) => {
    const t0 = now();
    try {
      return await call();
    } finally {
      into.roundTrips++;
      into.guestMs += now() - t0;
    }
  });
}
