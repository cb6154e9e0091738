// Live progress on stderr (one rewritten line on a terminal, plain lines otherwise) and the end table.
import { formatPercent, totalOf } from '../coverage/lcov-info.ts';
import { durationText, failureLine, guestsText, identityLine, textTable } from './facts.ts';
import { caseId, totalsOf, type CaseResult, type RunResults } from './results.ts';
import type { CaseRef, GuestEvent, Reporter, RunInfo } from './reporter.ts';
import type { StepRecord } from './results.ts';
import { printable } from '../util/terminal.ts';

/**
 * Live progress on stderr from the run's events: on a terminal one rewritten line with what each guest is
 * doing (booting a group, restoring, the case and step in flight), the counts and an ETA; otherwise plain
 * lines for each case, boot, restore and lost guest, which a CI log keeps.
 */
export class ProgressReporter implements Reporter {
  private total = 0;
  private done = 0;
  private started = 0;
  private counts = { passed: 0, failed: 0, known: 0, skipped: 0, interrupted: 0 };
  /** What each topology group is doing now. */
  private readonly doing = new Map<string, string>();
  constructor(
    private readonly out: { write(s: string): boolean; isTTY?: boolean; columns?: number } = process.stderr,
    private readonly now: () => number = () => performance.now(),
  ) {}

  onRunStart(info: RunInfo): void {
    this.total = info.totalCases;
    this.started = this.now();
    this.out.write(`daxh: ${info.totalCases} cases on kernel ${info.kernel} (image ${info.image}, ${info.accel})\n`);
  }

  onGuest(e: GuestEvent): void {
    const line =
      e.kind === 'booting' ? `booting ${e.guest}` : e.kind === 'boot' ? `${e.guest} ${e.resumed ? 'resumed from a saved machine' : 'up'} in ${e.seconds.toFixed(1)} s` : e.kind === 'restore' ? `${e.guest} restored from its snapshot in ${e.seconds.toFixed(1)} s` : `lost a guest of ${e.loss.topology}: ${e.loss.reason}`;
    const topology = e.kind === 'lost' ? e.loss.topology : e.topology;
    this.doing.set(topology, line);
    if (this.out.isTTY) this.redraw();
    else if (e.kind !== 'booting') this.out.write(`  ${printable(line)}\n`);
  }

  onCaseStart(c: CaseRef): void {
    this.doing.set(c.topology, `${c.suite}/${c.name}`);
    if (this.out.isTTY) this.redraw();
  }

  onStep(c: CaseRef, s: StepRecord): void {
    this.doing.set(c.topology, `${c.suite}/${c.name} · step ${s.index}: ${s.operation}`);
    if (this.out.isTTY) this.redraw();
  }

  onCaseEnd(r: CaseResult): void {
    this.done++;
    this.counts[r.status]++;
    this.doing.delete(r.topology);
    if (this.out.isTTY) {
      if (r.status === 'failed') this.out.write(`\r\x1b[K  ✗ ${printable(caseId(r))}\n`);
      this.redraw();
    } else this.out.write(`${printable(`[${this.done}/${this.total}] ${r.topology} · ${this.countsText()} · ${r.status.padEnd(7)} ${r.suite}/${r.name}`)}\n`);
  }

  onRunEnd(run: RunResults): void {
    if (this.out.isTTY) this.out.write('\r\x1b[K');
    this.out.write(`\n${summaryTable(run)}\n`);
  }

  private countsText(): string {
    const c = this.counts;
    return `${c.passed} passed, ${c.failed} failed, ${c.known} known, ${c.skipped} skipped`;
  }

  /** Time left at the pace so far (the cases done, per case), once a few cases tell the pace. */
  eta(): string {
    if (this.done < 3 || this.done >= this.total) return '';
    const left = ((this.now() - this.started) / this.done) * (this.total - this.done);
    return ` · ETA ${durationText(left)}`;
  }

  private redraw(): void {
    const doing = [...this.doing].map(([t, what]) => `${t}: ${what}`).join(' | ');
    const line = printable(`[${this.done}/${this.total}] ${this.countsText()}${this.eta()}${doing ? ` · ${doing}` : ''}`);
    this.out.write(`\r\x1b[K${line.slice(0, (this.out.columns ?? 120) - 1)}`);
  }
}

/** The kernel's coverage in a few lines: the total, then each profiled dax file (--coverage). */
function kernelCoverageLines(run: RunResults): string[] {
  const k = run.kernelCoverage;
  if (!k) return [];
  if (!k.files.length) return [`\nkernel coverage: no data (${k.lost.join('; ') || 'nothing was profiled'})`];
  const total = totalOf(k.files);
  return [
    `\nkernel coverage (gcov, ${k.collections} reads${k.lost.length ? `, ${k.lost.length} lost` : ''}): lines ${formatPercent(total.lines)}, branches ${formatPercent(total.branches)}${k.html ? ` · ${k.html}` : ''}`,
    ...k.files.filter((f) => f.file.startsWith('drivers/dax/')).map((f) => `  ${f.file}: lines ${formatPercent(f.lines)} (${f.lines.hit}/${f.lines.found}), branches ${formatPercent(f.branches)}`),
  ];
}

/** The end table for a terminal: its failures carry console excerpts, so guest escape sequences are removed. */
export function summaryTable(run: RunResults): string {
  const rows: string[][] = [['suite', 'topology', 'passed', 'failed', 'known', 'skipped', 'checks', 'time']];
  const keys = [...new Set(run.cases.map((c) => `${c.suite}\t${c.topology}`))];
  for (const k of keys) {
    const [suite, topology] = k.split('\t') as [string, string];
    const cs = run.cases.filter((c) => c.suite === suite && c.topology === topology);
    const t = totalsOf(cs);
    rows.push([suite, topology, String(t.passed), String(t.failed), String(t.known), String(t.skipped), String(cs.reduce((n, c) => n + c.checks, 0)), durationText(cs.reduce((n, c) => n + c.durationMs, 0))]);
  }
  const t = run.totals;
  rows.push(['all', '', String(t.passed), String(t.failed), String(t.known), String(t.skipped), String(run.checks), durationText(run.durationMs)]);
  const lines = textTable(rows, 2);
  const failures = run.cases
    .filter((c) => c.status === 'failed')
    .map((c) => `\n✗ ${caseId(c)} (${c.failureKind ?? 'failed'})\n  ${failureLine(c)}\n${indent(c.failure ?? '', 4)}${c.repro ? `\n  replay: ${c.repro}` : c.recipe ? `\n  recipe: ${c.recipe}` : ''}${c.console ? `\n  console:\n${indent(c.console, 4)}` : ''}`);
  const interrupted = run.cases.filter((c) => c.status === 'interrupted').map((c) => `  ! ${caseId(c)}`);
  const branchCounts = new Map<string, number>();
  for (const c of run.cases) for (const b of c.branches ?? []) branchCounts.set(b.id, (branchCounts.get(b.id) ?? 0) + 1);
  const branches = [...branchCounts].map(([id, n]) => `  ~ ${id}: ${n}×`);
  // One entry per divergence, its reason once, then where it was hit: the same kernel bug recurs across cases.
  const byId = new Map<string, { reason: string; hits: string[] }>();
  for (const c of run.cases) {
    for (const k of c.known ?? []) {
      const entry = byId.get(k.id) ?? { reason: k.kernels ? `${k.reason}\n      kernels: ${k.kernels}` : k.reason, hits: [] };
      entry.hits.push(`    ${caseId(c)}: ${k.step}`);
      byId.set(k.id, entry);
    }
  }
  const known = [...byId].flatMap(([id, e]) => [`  ~ ${id} (${e.hits.length}×): ${e.reason}`, ...e.hits]);
  const skipped = run.cases.filter((c) => c.status === 'skipped').map((c) => `  - ${caseId(c)}: ${c.skipReason}`);
  return printable([
    lines.join('\n'),
    ...failures,
    ...(known.length ? ['\nknown kernel divergences (not failures):', ...known] : []),
    ...(branches.length ? ['\noutcomes the kernel may choose, as taken:', ...branches] : []),
    ...(skipped.length ? ['\nskipped:', ...skipped] : []),
    ...(interrupted.length ? ['\ninterrupted (the run was stopped):', ...interrupted] : []),
    ...kernelCoverageLines(run),
    ...(run.unwritten?.length ? [`\ncould not write ${run.unwritten.length} console log(s) and recipe(s) (${[...new Set(run.unwritten.map((u) => u.reason))].join(', ')}), e.g. ${run.unwritten[0]!.file}; the results above are complete`] : []),
    `\n${t.passed} passed, ${t.failed} failed, ${t.skipped} skipped, ${t.known} known${t.interrupted ? `, ${t.interrupted} interrupted` : ''} · ${run.checks} checks · ${guestsText(run.guests)} · ${identityLine(run)} · ${durationText(run.durationMs)}`,
  ].join('\n'));
}

function indent(text: string, n = 2): string {
  return text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
}
