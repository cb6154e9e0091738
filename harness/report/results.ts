// The results contract: what a run produced, in the stable shape `--json` writes and CI builds on.
// Bump RESULTS_SCHEMA when a field changes meaning; adding optional fields is compatible.
// @2: statuses gained `interrupted`; durations are whole milliseconds and exclude the guest's set-up
// (`setupMs`); failures carry a kind and, for divergences, the structured divergence; the seed is recorded.
import type { KernelCoverage } from '../coverage/gcov.ts';
import type { BranchHit, Divergence, KnownHit, StepRecord } from '../compare/checker.ts';
import type { KernelReport } from '../compare/judge.ts';
import type { CoverageEntry } from '../compare/op-coverage.ts';

export const RESULTS_SCHEMA = 'dax-harness/results@2';

export type { BranchHit, Divergence, KnownHit, StepRecord };

/**
 * passed: every check agreed with the model. failed: a divergence, a kernel crash, a lost guest or an error.
 * known: agreed except for listed known kernel divergences. skipped: could not run here (reason given).
 * interrupted: the run was stopped (Ctrl-C, SIGTERM) while this case ran.
 */
export const CASE_STATUSES = ['passed', 'failed', 'known', 'skipped', 'interrupted'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** What kind of thing failed a case: reports group and colour by it, and CI can tell a bug from a flake. */
export const FAILURE_KINDS = {
  divergence: 'the kernel disagreed with the model',
  'kernel-crash': 'the guest kernel reported a crash (Oops, BUG, panic, KASAN, lockdep, lockup, stall, hung task)',
  'kernel-warning': 'the guest kernel printed a WARNING the model did not predict',
  'guest-hang': 'the guest stopped answering within its deadline',
  'qemu-exited': 'QEMU exited while the case ran',
  'ssh-dropped': 'the SSH connection to the guest dropped',
  'helper-died': 'the guest helper failed',
  'guest-setup': 'the guest could not be booted or provisioned',
  'harness-error': 'the harness itself failed',
} as const;
export type FailureKind = keyof typeof FAILURE_KINDS;

export interface CaseResult {
  suite: string;
  topology: string;
  name: string;
  status: CaseStatus;
  checks: number;
  /** The case itself, in whole milliseconds. */
  durationMs: number;
  /** Getting its guest ready first (boot, snapshot restore, reset), in whole milliseconds; not in durationMs. */
  setupMs?: number;
  /**
   * Of durationMs: the round trips to the guest helper (one SSH exec each) and their wall time, and the fresh
   * starts mid-case (a sysfs reset, a snapshot restore or a boot) and theirs.
   */
  timing?: { roundTrips: number; guestMs: number; freshStarts?: number; freshMs?: number };
  skipReason?: string;
  failureKind?: FailureKind;
  /** What a maintainer reads first: the divergence, crash excerpt or error text (never a JavaScript stack). */
  failure?: string;
  /** The first divergence, as data. */
  divergence?: Divergence;
  /** The kernel report that failed the case, when one did. */
  kernelReport?: KernelReport;
  known?: KnownHit[];
  /** Alternative outcomes the kernel chose (each allowed by the model with its reason). */
  branches?: BranchHit[];
  /** Known divergences whose bug this kernel, inside their recorded range, no longer shows. */
  fixed?: string[];
  /** The kernel's console around a failure. */
  console?: string;
  /** The case's console and kernel log, as a file under the run's output dir. */
  consoleFile?: string;
  /** Saved replayable recipe for a failure, and the command that replays it. */
  recipe?: string;
  repro?: string;
  steps?: StepRecord[];
  /** Sysfs operations the case ran, and how many groups of them raced. */
  operations?: number;
  races?: number;
  /** Operation × state pairs the case reached (harness/compare/op-coverage.ts). */
  coverage?: CoverageEntry[];
}

/** How a replayed recipe came out: 0, 1 and 125 to git bisect (recipe/repro.ts REPRO_EXIT). */
export type VerdictKind = 'agrees' | 'diverges' | 'cannot-test';

/** A recipe replayed on one Debian series. */
export interface SeriesVerdict {
  series: string;
  release: string;
  kind: VerdictKind;
  line: string;
}

/** One bug, however many cases hit it: keyed by kernel report signature or divergence (report/facts.ts). */
export interface Finding {
  key: string;
  cases: string[];
  /** The first hit's recipe and the command that replays it. */
  recipe?: string;
  repro?: string;
  /** The recipe replayed on other Debian series (--replay-findings). */
  replays?: SeriesVerdict[];
  replayError?: string;
}

export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
  known: number;
  interrupted: number;
}

/** A guest that was lost outside any case (between cases), recorded against its group. */
export interface GuestLoss {
  topology: string;
  reason: string;
  afterCase?: string;
}

/** A provisioning step a topology's guest skipped because the kernel cannot do it (harness/lab/provision.ts). */
export interface SkippedProvisioning {
  topology: string;
  step: string;
  reason: string;
}

export interface GuestCounts {
  /** Cold boots. */
  boots: number;
  /** Renewals from the guest's own snapshot. */
  restores: number;
  /** Guests resumed from a saved machine instead of booted (absent in results of older runs). */
  resumes?: number;
}

/** The counts of several fixtures or shards as one; `resumes` only where there were any. */
export function sumGuestCounts(parts: readonly GuestCounts[]): GuestCounts {
  const sum = (f: (g: GuestCounts) => number | undefined) => parts.reduce((n, g) => n + (f(g) ?? 0), 0);
  const resumes = sum((g) => g.resumes);
  return { boots: sum((g) => g.boots), restores: sum((g) => g.restores), ...(resumes ? { resumes } : {}) };
}

/** What a run ran on: every report names it, and shards of one run share it. */
export interface RunIdentity {
  kernel: string;
  image: string;
  accel: string;
  /** Kernel config profile (e.g. `debian`, `debug: KASAN PROVE_LOCKING …`), when known. */
  profile?: string;
}

export interface RunResults extends RunIdentity {
  schema: typeof RESULTS_SCHEMA;
  seed: number;
  startedAt: string;
  durationMs: number;
  shard?: { index: number; count: number };
  totals: Totals;
  checks: number;
  /** How the run got its guests: cold boots, resumes of saved machines, and renewals from a QEMU snapshot. */
  guests: GuestCounts & { lost?: GuestLoss[]; skippedProvisioning?: SkippedProvisioning[] };
  /** Console logs and recipes that could not be written (a full disk), with why: the results still are whole. */
  unwritten?: { file: string; reason: string }[];
  /** True when the run was stopped before every selected case ran. */
  interrupted?: boolean;
  /** The failures as distinct bugs, each once (and where it reproduces, with --replay-findings). */
  findings?: Finding[];
  /** Line and branch coverage of the kernel's profiled sources (--coverage). */
  kernelCoverage?: KernelCoverage;
  /** Against a baseline run (--findings): each of its findings replayed here, and the cases that changed. */
  validation?: Validation;
  cases: CaseResult[];
}

export interface Validation {
  baseline: string[];
  findings: { id: string; subject: string; verdict: 'fixed' | 'still reproduces' | 'cannot test'; detail: string }[];
  changed: { case: string; from: CaseStatus | 'absent'; to: CaseStatus | 'absent'; newKnown: string[]; goneKnown: string[] }[];
  newKnown: string[];
  newFailures: string[];
}

export function totalsOf(cases: readonly CaseResult[]): Totals {
  const t: Totals = { passed: 0, failed: 0, skipped: 0, known: 0, interrupted: 0 };
  for (const c of cases) t[c.status]++;
  return t;
}

export function caseId(c: Pick<CaseResult, 'suite' | 'topology' | 'name'>): string {
  return `${c.suite}/${c.topology}/${c.name}`;
}
