// How long each wait on a guest may take before it counts as a hang: one table, so a slow host (or a
// debug kernel under TCG) scales them all with DAXH_DEADLINE_SCALE=2, and the fault tests shrink them.
// Each is generous against what this 2-core TCG machine measures (boot 3-7 s, a step 20 ms, a kmem
// online of 1G about 2 s, savevm under 4 s).
const BASE = {
  /** QEMU start to SSH ready and the guest set up. */
  bootMs: 120_000,
  /** One helper exec: a batch of sysfs steps with their observation. */
  stepMs: 120_000,
  /** One provisioning command (modprobe, ndctl/cxl create, onlining). */
  provisionMs: 120_000,
  /** savevm / loadvm. */
  snapshotMs: 60_000,
  /** One QMP command. */
  qmpMs: 60_000,
};

export type Deadlines = typeof BASE;

export function deadlineScale(env: NodeJS.ProcessEnv = process.env): number {
  const v = env.DAXH_DEADLINE_SCALE;
  if (v === undefined || v === '') return 1;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

export function deadlines(scale = deadlineScale()): Deadlines {
  return Object.fromEntries(Object.entries(BASE).map(([k, ms]) => [k, Math.round(ms * scale)])) as Deadlines;
}

export const DEADLINES = deadlines();
