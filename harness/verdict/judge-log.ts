// A saved log judged again, offline, as the run judged it (kunit_tool's `parse`): a case's console log as
// `daxh run` writes it (its console, then its kernel log step by step, and the blocked tasks after a hang),
// or any plain console or dmesg text. Every report in it, the known row each one is on its release, and the
// verdict. Pure: `daxh judge` reads the files.
import { judgeKernelLog, knownReport } from '../compare/judge.ts';
import { CRASH_KINDS, stripLogPrefix, type ReportKind } from '../guest/console-scan.ts';

export interface SavedLog {
  console: string[];
  steps: { operation: string; kernelLog: string[] }[];
  /** The kernel log read after a hang (sysrq w), or a plain log that holds blocked-task dumps. */
  blocked: string[];
}

const HANG_MARKER = '--- kernel log after the hang (dmesg, with sysrq w) ---';

/** A case log (`# suite/topology/name`, `## console`, `## kernel log by step`), or plain kernel text. */
export function parseSavedLog(text: string): SavedLog {
  const lines = text.split('\n');
  const consoleAt = lines.indexOf('## console');
  const stepsAt = lines.indexOf('## kernel log by step');
  if (consoleAt < 0 || stepsAt < consoleAt) {
    return { console: lines, steps: [], blocked: lines.some((l) => /sysrq: Show Blocked State|blocked for more than \d+ seconds/.test(l)) ? lines : [] };
  }
  const consoleLines = lines.slice(consoleAt + 1, stepsAt);
  const hang = consoleLines.indexOf(HANG_MARKER);
  const steps: SavedLog['steps'] = [];
  for (const l of lines.slice(stepsAt + 1)) {
    const m = /^### \d+\. (.*) -> .*$/.exec(l);
    if (m) steps.push({ operation: m[1]!, kernelLog: [] });
    else if (l !== '' && steps.length) steps.at(-1)!.kernelLog.push(l);
  }
  return { console: hang >= 0 ? consoleLines.slice(0, hang) : consoleLines, steps, blocked: hang >= 0 ? consoleLines.slice(hang + 1) : [] };
}

/** The release the log's own reports name ("Not tainted 6.12.117+deb12-amd64 #1"), if any. */
export function releaseIn(text: string): string | undefined {
  return /(?:Not tainted|Tainted: [A-Z ]+?) (\d+\.\d+[^\s]*) #/.exec(text)?.[1] ?? /Linux version (\d+\.\d+\S*)/.exec(text)?.[1];
}

export interface JudgedReport {
  kind: ReportKind;
  line: string;
  signature: string;
  /** The step it came in, when the log says. */
  during?: string;
  known?: { id: string; kernels: string };
}

export interface LogJudgement {
  release: string;
  reports: JudgedReport[];
  /** failed: a report no known row explains that fails a case (a crash, or a WARNING the run did not predict); known: every failing report is a known bug. */
  verdict: 'clean' | 'known' | 'failed';
}

/**
 * The report of each stretch of log, as the run judges it (one per step's kernel log, one for the console,
 * one for the blocked tasks after a hang: judgeKernelLog's choice, a crash before a warning), with the log up
 * to it as context and its step as `during`. A warning counts as a failure unless a known row names it:
 * offline, nothing says the model predicted it.
 */
export function judgeSavedLog(log: SavedLog, release: string): LogJudgement {
  const reports: JudgedReport[] = [];
  const seen = new Set<string>();
  const allLog = [...log.steps.flatMap((s) => s.kernelLog), ...log.console];
  const judge = (lines: readonly string[], during: string | undefined) => {
    const v = judgeKernelLog(lines, false);
    if (v.kind === 'clean') return;
    const r = v.report;
    const key = `${r.kind} ${stripLogPrefix(r.line)}`;
    if (seen.has(key)) return;
    seen.add(key);
    const known = knownReport(release, r, log.blocked, allLog, during);
    reports.push({ kind: r.kind, line: r.line.trim(), signature: r.signature, ...(during ? { during } : {}), ...(known ? { known: { id: known.id, kernels: known.kernels } } : {}) });
  };
  for (const s of log.steps) judge(s.kernelLog, s.operation);
  // The console: a report there came in the step whose log has it, or the last one (the step in flight).
  judge(log.console, log.steps.at(-1)?.operation);
  // A sysrq w dump is judged for its hung tasks only: every blocked task in it has a bare Call Trace.
  if (log.blocked.length && judgeKernelLog(log.blocked, true).kind === 'crash') judge(log.blocked, log.steps.at(-1)?.operation);
  const failing = reports.filter((r) => CRASH_KINDS.has(r.kind) || r.kind === 'warning' || r.kind === 'call-trace');
  return { release, reports, verdict: failing.length === 0 ? 'clean' : failing.every((r) => r.known) ? 'known' : 'failed' };
}
