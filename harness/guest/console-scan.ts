// Recognises a guest kernel in trouble from its log text, and cuts out the report a maintainer needs: the
// report line through its trace (through the panic line when the report ends in one), and a stable signature
// (kind, title, top frames) so repeated hits of one bug count once. Pure: the console watcher and the kernel
// log reader feed it lines.

export type ReportKind =
  | 'panic'
  | 'soft-lockup'
  | 'rcu-stall'
  | 'hung-task'
  | 'kasan'
  | 'ubsan'
  | 'lockdep'
  | 'oops'
  | 'bug'
  | 'warning'
  | 'allocation-failure'
  | 'call-trace';

export interface ReportEvent {
  kind: ReportKind;
  line: string;
  /** Index of the line in the text it was found in. */
  lineNo: number;
}

// Order matters: the first pattern that matches names the line ("watchdog: BUG: soft lockup" is a lockup,
// "BUG: KASAN: use-after-free" is KASAN, lockdep's reports start with "WARNING: possible ...").
const PATTERNS: readonly [ReportKind, RegExp][] = [
  ['panic', /Kernel panic - not syncing/],
  ['soft-lockup', /soft lockup - CPU#\d+ stuck|hard LOCKUP/],
  ['rcu-stall', /rcu: INFO: \S+ (self-)?detected stalls?|rcu_\w+ (self-)?detected stalls?/],
  // The hung-task detector's report, or, on a kernel built without DETECT_HUNG_TASK (defconfig), a task in D
  // state in the sysrq w dump the harness takes after a step that never returned.
  ['hung-task', /INFO: task .+ blocked for more than \d+ seconds|(^|\]\s*)task:\S+ +state:D\b/],
  ['kasan', /\bBUG: KASAN: /],
  ['ubsan', /\bUBSAN: /],
  ['lockdep', /WARNING: (possible (circular|recursive|irq lock inversion) locking|inconsistent lock state|bad unlock balance|suspicious RCU usage|lock held when returning)|BUG: (sleeping function called from invalid context|scheduling while atomic|workqueue lockup)/],
  ['oops', /\bOops\b|general protection fault/],
  ['bug', /\bBUG: |kernel BUG at |list_(add|del) corruption|refcount_t: |ODEBUG: /],
  ['warning', /\bWARNING: (CPU: \d+ PID: \d+ )?at /],
  // warn_alloc() (mm/page_alloc.c): an allocation without __GFP_NOWARN failed; its dump_stack follows.
  ['allocation-failure', /: page allocation failure: order:\d+|: vmalloc error: size \d+/],
  ['call-trace', /\bCall Trace:/],
];

/** How many lines after warn_alloc()'s header its dump_stack prints "Call Trace:" (CPU, Tainted, Hardware name). */
const ALLOCATION_FAILURE_TRACE_WITHIN = 6;

/** The kinds that mean the kernel is broken whatever the model predicted (a WARN may have been predicted). */
export const CRASH_KINDS: ReadonlySet<ReportKind> = new Set(['panic', 'soft-lockup', 'rcu-stall', 'hung-task', 'kasan', 'ubsan', 'lockdep', 'oops', 'bug']);

/**
 * `[   41.062035] ` console timestamps and `<4>` levels are not part of the message, nor what the console
 * printed before them on the same line (a shell prompt the guest echoed, `~ # `).
 */
export function stripLogPrefix(line: string): string {
  return line.replace(/^[^[]{0,20}?(<\d+>)?\[\s*\d+\.\d+\]\s?/, '');
}

export function classifyLine(line: string): ReportKind | null {
  for (const [kind, re] of PATTERNS) if (re.test(line)) return kind;
  return null;
}

export function scanLines(lines: readonly string[]): ReportEvent[] {
  const out: ReportEvent[] = [];
  lines.forEach((line, lineNo) => {
    const kind = classifyLine(line);
    const last = out.at(-1);
    // An allocation failure's trace is part of its report, not a bare call trace of its own.
    if (kind === 'call-trace' && last?.kind === 'allocation-failure' && lineNo - last.lineNo <= ALLOCATION_FAILURE_TRACE_WITHIN) return;
    if (kind) out.push({ kind, line, lineNo });
  });
  return out;
}

const END_OF_REPORT = /---\[ end (trace|Kernel panic)|^={10,}$/;
const END_OF_TRACE = /---\[ end trace/;
/** Where the report opened by `line` ends: a WARN only at its own end marker, since a lockdep or KASAN report printed inside it opens with a rule of '='. */
const endOf = (line: string): RegExp => (classifyLine(line) === 'warning' ? END_OF_TRACE : END_OF_REPORT);

/**
 * The report an event was printed inside of, if any: a WARNING whose block (from its line to its
 * "---[ end trace") holds the event. Printing a WARN from a timer softirq can itself set off lockdep (the
 * console lock taken under the timer base lock): the WARN is the bug, the splat its consequence.
 */
export function enclosingWarning(lines: readonly string[], events: readonly ReportEvent[], e: ReportEvent): ReportEvent | undefined {
  return events.find((w) => w.kind === 'warning' && w.lineNo < e.lineNo && !lines.slice(w.lineNo + 1, e.lineNo).some((l) => END_OF_TRACE.test(l)));
}
const PANIC = /Kernel panic - not syncing/;

/**
 * The report starting at `from`: two lines of context, then up to the end-of-trace marker, extended through a
 * `Kernel panic` line that follows within `panicWithin` lines (an Oops that panics is one report).
 */
// `max`: a report with another printed inside it (a timer WARN firing while an ODEBUG report prints) runs
// past 100 lines before the frames that name the bug.
export function excerpt(lines: readonly string[], from: number, before = 2, max = 160, panicWithin = 200): string {
  let end = Math.min(lines.length, from + max);
  const ends = endOf(lines[from] ?? '');
  for (let i = from + 1; i < Math.min(lines.length, from + max); i++) {
    if (ends.test(stripLogPrefix(lines[i]!))) {
      end = i + 1;
      break;
    }
  }
  for (let i = end; i < Math.min(lines.length, from + panicWithin); i++) {
    if (PANIC.test(lines[i]!)) {
      end = i + 1;
      break;
    }
  }
  return lines.slice(Math.max(0, from - before), end).join('\n');
}

// Frames every report has in common: the reporting machinery, not the bug.
const NOISE_FRAMES = /^(dump_stack\w*|show_stack|__warn|warn_slowpath\w*|report_bug|handle_bug|exc_invalid_op|asm_exc_\w+|print_report|print_address_description\w*|kasan_report\w*|__asan_\w+|__kasan_\w+|ubsan_\w+|__ubsan_\w+|panic|oops_\w+|die\w*|do_trap|do_error_trap|lockdep_\w+|__lock_acquire|lock_acquire|check_\w+|print_\w+|debug_\w+|_printk|vprintk\w*|__might_resched|__might_sleep|___might_sleep)$/;

function frameName(line: string): string | null {
  const m = /^\s*(?:\? )?([A-Za-z_][\w.]*)\+0x[0-9a-f]+\/0x[0-9a-f]+/.exec(stripLogPrefix(line));
  return m ? m[1]!.replace(/\.(cold|isra|constprop|part)(\.\d+)*$/, '') : null;
}

/** What makes two hits the same bug: kind, the report's title without addresses and ids, the top three frames. */
export function signature(lines: readonly string[], event: ReportEvent): string {
  const title = stripLogPrefix(event.line)
    .replace(/^.*?(WARNING|BUG|UBSAN|Oops|INFO|rcu|watchdog|Kernel panic|page allocation failure|vmalloc error)/, '$1')
    .replace(/CPU: \d+ PID: \d+ /, '')
    .replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, '')
    .replace(/(\.[ch]):\d+/g, '$1')
    .replace(/\b0x[0-9a-f]+\b|\b[0-9a-f]{8,}\b/g, 'X')
    .replace(/\[[\w./-]+:\d+\]/g, '')
    .replace(/\b\d+(\.\d+)?\b/g, 'N')
    .replace(/\s+/g, ' ')
    .trim();
  const frames: string[] = [];
  const rip = lines.slice(event.lineNo, event.lineNo + 40).map((l) => /RIP: \w+:([A-Za-z_][\w.]*)\+/.exec(l)?.[1]).find((f) => f !== undefined);
  if (rip && !NOISE_FRAMES.test(rip)) frames.push(rip);
  const ends = endOf(event.line);
  for (const l of lines.slice(event.lineNo + 1, event.lineNo + 80)) {
    if (frames.length >= 3 || ends.test(stripLogPrefix(l))) break;
    if (/^\s*\? /.test(stripLogPrefix(l))) continue; // unreliable frames
    const f = frameName(l);
    if (f && !NOISE_FRAMES.test(f) && !frames.includes(f)) frames.push(f);
  }
  return `${event.kind}: ${title}${frames.length ? ` @ ${frames.join(' < ')}` : ''}`;
}
