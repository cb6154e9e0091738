// The results contract: what a run produced, in the stable shape `--json` writes and CI builds on.
// Bump RESULTS_SCHEMA when a field changes meaning; adding optional fields is compatible.
export const RESULTS_SCHEMA = 'dax-harness/results@1';

/**
 * passed: every check agreed with the model. failed: a divergence, invariant violation, guest crash or
 * error. known: agreed except for listed known kernel divergences. skipped: could not run here (reason given).
 */
export type CaseStatus = 'passed' | 'failed' | 'known' | 'skipped';

export interface KnownHit {
  id: string;
  reason: string;
  step: string;
}

export interface CaseResult {
  suite: string;
  topology: string;
  name: string;
  status: CaseStatus;
  checks: number;
  durationMs: number;
  skipReason?: string;
  /** Divergence report, crash excerpt or error text: what a maintainer reads first. */
  failure?: string;
  known?: KnownHit[];
  /** Divergence ids that were expected but did not happen: the kernel may have fixed them. */
  fixed?: string[];
  /** Console excerpt of the guest during this case, when it matters (failure). */
  console?: string;
  /** Saved replayable recipe for a failure. */
  recipe?: string;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  known: number;
}

export interface RunResults {
  schema: typeof RESULTS_SCHEMA;
  kernel: string;
  image: string;
  accel: string;
  startedAt: string;
  durationMs: number;
  shard?: { index: number; count: number };
  totals: Totals;
  checks: number;
  /** How the run got its guests: cold boots, and renewals from a QEMU snapshot instead of a boot. */
  guests?: GuestCounts;
  cases: CaseResult[];
}

export interface GuestCounts {
  boots: number;
  restores: number;
}

export function totalsOf(cases: readonly CaseResult[]): Totals {
  const t: Totals = { passed: 0, failed: 0, skipped: 0, known: 0 };
  for (const c of cases) t[c.status]++;
  return t;
}

export function caseId(c: Pick<CaseResult, 'suite' | 'topology' | 'name'>): string {
  return `${c.suite}/${c.topology}/${c.name}`;
}
