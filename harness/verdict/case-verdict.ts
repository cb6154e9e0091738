// The one outcome policy of a case. `daxh run`, `daxh repro` (and through it `bisect` and
// `--replay-findings`) gather the same evidence: how the case's steps ended, the checker's known hits, the
// steps' own kernel log (from /dev/kmsg), the console, the blocked tasks read after a hang, whether QEMU still
// runs. This turns it into a status, a failure kind and whether the guest is still fit for another case.
// Pure: the callers do the I/O.
import { DivergenceError, type KnownHit, type StepRecord } from '../compare/checker.ts';
import { judgeCaseConsole, knownReport, type KernelReport, type LogVerdict } from '../compare/judge.ts';
import { HelperError } from '../driver/driver.ts';
import { stripLogPrefix } from '../guest/console-scan.ts';
import { GuestHangError, QemuExitedError, SshDroppedError } from '../guest/errors.ts';
import type { CaseResult, FailureKind } from '../report/results.ts';

/** A crash noticed before a mid-case renewal (the case asked for a fresh guest while the kernel was broken). */
export class CrashedError extends Error {
  constructor(readonly report: KernelReport) {
    super(`guest kernel ${report.kind}: ${report.line.trim()}`);
  }
}

/** What a failure looks like in the results. */
export type Failure = Pick<CaseResult, 'failureKind' | 'failure' | 'divergence' | 'kernelReport' | 'console'> & { failureKind: FailureKind };

/**
 * What an error thrown by a case's steps says about the kernel or the guest; undefined for an error the
 * harness did not expect (its own bug, which the caller reports with its stack).
 */
export function failureOf(err: unknown): Failure | undefined {
  if (err instanceof DivergenceError) {
    const d = err.divergence;
    const kind: FailureKind = d.kind !== 'kernel-log' ? 'divergence' : d.report?.kind === 'warning' || d.report?.kind === 'call-trace' ? 'kernel-warning' : 'kernel-crash';
    return { failureKind: kind, failure: err.message, divergence: d, ...(d.report ? { kernelReport: d.report } : {}) };
  }
  if (err instanceof CrashedError) return { failureKind: 'kernel-crash', failure: err.message, kernelReport: err.report, console: err.report.excerpt };
  if (err instanceof GuestHangError) return { failureKind: 'guest-hang', failure: `guest hung: ${err.message}` };
  if (err instanceof QemuExitedError) return { failureKind: 'qemu-exited', failure: err.message, console: err.consoleTail };
  if (err instanceof SshDroppedError) return { failureKind: 'ssh-dropped', failure: err.message };
  if (err instanceof HelperError) return { failureKind: 'helper-died', failure: err.message };
  return undefined;
}

/** How the case's own code ended, before the console has its say. */
export type CaseEnd =
  | { kind: 'completed' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'interrupted' }
  | { kind: 'failed'; failure: Failure };

export interface CaseEvidence {
  /** The kernel release the case ran on: known rows are known on a range of releases. */
  release: string;
  end: CaseEnd;
  /** Known divergences the checker recorded at their steps. */
  known: readonly KnownHit[];
  steps: readonly StepRecord[];
  /** The console lines the case produced. */
  console: readonly string[];
  /** After a hang: the kernel log read with sysrq w (the hung-task and blocked-task stacks). */
  blocked: readonly string[];
  /** Whether QEMU still runs after the case. */
  guestAlive: boolean;
  /** The end of the console, for a guest that died under the case. */
  consoleTail: () => string;
}

export type Outcome = Partial<CaseResult> & Pick<CaseResult, 'status'>;

export interface CaseVerdict {
  outcome: Outcome;
  /** How the console alone judged: a warning or crash there makes the guest suspect. */
  console: LogVerdict;
  /**
   * The guest must be renewed before another case: a warning (even a predicted one), a crash, a hang, a
   * lost connection or any failure. A divergence too: the kernel is in a state nobody predicted, and may
   * carry damage that shows only later (a debug 6.12 answered one mmap wrongly after a rebind that wiped a
   * live cdev, and the next case on that guest met a corrupted slab object and a NULL dereference).
   */
  suspect: boolean;
}

/**
 * The operation of the step a console report came in: the step whose own log has its first line, else the
 * last step (the console shows what the step in flight did, even when the helper died before reading its log).
 */
function stepOf(report: KernelReport, steps: readonly StepRecord[]): string | undefined {
  const line = stripLogPrefix(report.line).trim();
  return (steps.find((s) => s.kernelLog.some((l) => l.includes(line))) ?? steps.at(-1))?.operation;
}

export function caseVerdict(e: CaseEvidence): CaseVerdict {
  let outcome: Outcome;
  switch (e.end.kind) {
    case 'completed':
      outcome = { status: e.known.length ? 'known' : 'passed', ...(e.known.length ? { known: [...e.known] } : {}) };
      break;
    case 'skipped':
      outcome = { status: 'skipped', skipReason: e.end.reason };
      break;
    case 'interrupted':
      outcome = { status: 'interrupted' };
      break;
    case 'failed':
      outcome = { status: 'failed', ...e.end.failure };
  }
  // The console has the last word: a crash (which may have killed the helper mid-step) or a lost QEMU names
  // what really happened, whatever error the case saw first.
  const verdict = judgeCaseConsole(e.blocked.length ? e.blocked : e.console);
  if (outcome.status !== 'interrupted' && outcome.status !== 'skipped') {
    if (verdict.kind === 'crash') {
      outcome = { ...outcome, status: 'failed', failureKind: 'kernel-crash', kernelReport: verdict.report, console: verdict.report.excerpt, failure: [`guest kernel ${verdict.report.kind}: ${verdict.report.line.trim()}`, outcome.failureKind === 'divergence' ? undefined : outcome.failure].filter(Boolean).join('\n') };
      // A bug the harness already found and cited (a deadlock, a refcount splat) is known on the kernels it
      // is known on; the checker may have recorded it at its step already. The steps' own kernel log (from
      // /dev/kmsg) has the debug lines the console leaves out.
      const known = knownReport(e.release, verdict.report, e.blocked, [...e.steps.flatMap((s) => s.kernelLog), ...e.console], stepOf(verdict.report, e.steps));
      if (known) {
        const { failureKind: _kind, failure: _text, ...evidence } = outcome;
        outcome = { ...evidence, status: 'known', known: [...(outcome.known ?? []).filter((k) => k.id !== known.id), known] };
      }
    } else if (!e.guestAlive && outcome.failureKind !== 'qemu-exited') {
      outcome = { ...outcome, status: 'failed', failureKind: 'qemu-exited', failure: [outcome.failure, 'guest stopped running (QEMU exited)'].filter(Boolean).join('\n'), console: e.consoleTail() };
    }
  }
  const suspect = verdict.kind !== 'clean' || outcome.status === 'interrupted' || outcome.failureKind !== undefined;
  return { outcome, console: verdict, suspect };
}
