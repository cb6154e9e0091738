// Recognises a guest kernel in trouble from its console text. Pure: the watcher feeds it lines.

export type CrashKind = 'oops' | 'bug' | 'warning' | 'panic' | 'call-trace' | 'rcu-stall' | 'soft-lockup' | 'hung-task';

export interface CrashEvent {
  kind: CrashKind;
  line: string;
  /** Index of the line in the console since boot. */
  lineNo: number;
}

// Order matters: the first pattern that matches names the line ("watchdog: BUG: soft lockup" is a lockup).
const PATTERNS: readonly [CrashKind, RegExp][] = [
  ['panic', /Kernel panic - not syncing/],
  ['soft-lockup', /soft lockup - CPU#\d+ stuck/],
  ['rcu-stall', /rcu: INFO: \S+ (self-)?detected stalls?|rcu_\w+ (self-)?detected stalls?/],
  ['hung-task', /INFO: task .+ blocked for more than \d+ seconds/],
  ['oops', /\bOops\b|general protection fault/],
  ['bug', /\bBUG: /],
  ['warning', /\bWARNING: (CPU: \d+ PID: \d+ )?at /],
  ['call-trace', /\bCall Trace:/],
];

/** A guest in one of these states has failed whatever ran; a WARN may be predicted and is judged per step. */
export const SEVERE: ReadonlySet<CrashKind> = new Set(['oops', 'bug', 'panic', 'rcu-stall', 'soft-lockup', 'hung-task']);

export function classifyLine(line: string): CrashKind | null {
  for (const [kind, re] of PATTERNS) if (re.test(line)) return kind;
  return null;
}

/** Console lines around an event: what a maintainer needs to see first (the report and its trace). */
export function excerpt(lines: readonly string[], from: number, before = 2, after = 40): string {
  return lines.slice(Math.max(0, from - before), from + after).join('\n');
}
