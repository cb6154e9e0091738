// The one judgement of what kernel text means for a case: the checker applies it to each step's kernel log,
// the runner and `daxh repro` to the console of a whole case, so `repro` exits as `run` would judge.
import { CRASH_KINDS, enclosingWarning, excerpt, scanLines, signature, type ReportKind } from '../guest/console-scan.ts';
import { divergenceKernels, lookupReport } from '../model/divergences.ts';

export interface KernelReport {
  kind: ReportKind;
  /** The report's first line as the kernel printed it. */
  line: string;
  /** Kind, title and top frames: equal for repeated hits of one bug. */
  signature: string;
  /** The report through its trace (and through the panic line when it ends in one). */
  excerpt: string;
}

export type LogVerdict =
  /** Nothing the kernel reports as trouble (ordinary messages are noise to the verdict). */
  | { kind: 'clean' }
  /** A WARNING the model predicted for this step: the kernel doing what the model says. */
  | { kind: 'predicted-warning'; report: KernelReport }
  /** A WARNING (or a bare call trace) the model did not predict. */
  | { kind: 'unpredicted-warning'; report: KernelReport }
  /** Oops, BUG, panic, KASAN, UBSAN, lockdep, lockup, stall or hung task: the kernel is broken. */
  | { kind: 'crash'; report: KernelReport };

function report(lines: readonly string[], e: { kind: ReportKind; line: string; lineNo: number }): KernelReport {
  return { kind: e.kind, line: e.line, signature: signature(lines, e), excerpt: excerpt(lines, e.lineNo) };
}

/**
 * `warningPredicted`: the model expects this stretch of log to hold a WARNING (WARN_ONCE sites print once
 * per boot, so a predicted warning is allowed, never required). A crash wins over any warning.
 * `allocationFailed`: the step's injected allocation failure came, so warn_alloc()'s report of a failed
 * allocation is the kernel saying so (a vmalloc whose vm_struct kmalloc was failed); otherwise it counts as
 * an unpredicted warning.
 */
export function judgeKernelLog(lines: readonly string[], warningPredicted: boolean, allocationFailed = false): LogVerdict {
  const events = scanLines(lines).filter((e) => !(allocationFailed && e.kind === 'allocation-failure'));
  const crash = events.find((e) => CRASH_KINDS.has(e.kind));
  // A crash inside a WARNING's report still fails the step, but the report names the WARNING that caused it.
  if (crash) return { kind: 'crash', report: report(lines, enclosingWarning(lines, events, crash) ?? crash) };
  const warning = events.find((e) => e.kind === 'warning') ?? events.find((e) => e.kind === 'call-trace' || e.kind === 'allocation-failure');
  if (!warning) return { kind: 'clean' };
  return { kind: warningPredicted ? 'predicted-warning' : 'unpredicted-warning', report: report(lines, warning) };
}

/** Whether a verdict fails what it judged. */
export const isFailure = (v: LogVerdict): v is Extract<LogVerdict, { kind: 'crash' | 'unpredicted-warning' }> => v.kind === 'crash' || v.kind === 'unpredicted-warning';

/**
 * A whole case's console, as the runner and `daxh repro` judge it: every step's own log was already judged
 * against the model's prediction by the checker, so here only a crash fails (it may have killed the guest
 * before its step's log could be read), and a warning marks the guest as suspect.
 */
export const judgeCaseConsole = (lines: readonly string[]): LogVerdict => judgeKernelLog(lines, true);

/**
 * A kernel report of a bug the harness already found and cited (KNOWN_REPORTS), as a known hit on the
 * kernels it is known on: a hung-task report by its blocked tasks' stacks, any other by its excerpt (and,
 * for rows that need it, `log`: the case's kernel log up to and with the report, and `during`: the operation of
 * the step it came in).
 * `daxh run` and `daxh repro` judge a case's console with it, the checker each step's log.
 */
export function knownReport(release: string, report: KernelReport, blocked: readonly string[] = [], log: readonly string[] = [], during?: string): { id: string; reason: string; step: string; kernels: string } | undefined {
  const known = report.kind === 'hung-task' ? lookupReport(release, 'hung-task', blocked.join('\n')) : lookupReport(release, 'report', report.excerpt, log.join('\n'), during);
  return known && { id: known.id, reason: known.reason, step: report.line.trim(), kernels: divergenceKernels(known) };
}
