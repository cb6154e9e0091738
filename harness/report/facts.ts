// What every report says the same way: the one-line failure, the run's identity (kernel, image, profile,
// seed, accel), durations. Reporters render these; none restates them.
import { divergenceSummary } from '../compare/checker.ts';
import { FAILURE_KINDS, type CaseResult, type GuestCounts, type RunResults, type SeriesVerdict, type VerdictKind } from './results.ts';

/** The failure in one line: the divergence (operation, expected, got), or the first line of what failed. */
export function failureLine(c: CaseResult): string {
  if (c.divergence) return divergenceSummary(c.divergence);
  if (c.kernelReport) return `kernel ${c.kernelReport.kind}: ${c.kernelReport.signature}`;
  return (c.failure ?? 'failed').split('\n')[0]!;
}

/** Names, addresses and counts that differ between hits of one bug, made alike. */
const alike = (s: string) => s.replace(/dax\d+\.\d+/g, 'daxR.N').replace(/memory\d+/g, 'memoryN').replace(/mapping\d+/g, 'mappingN').replace(/0x[0-9a-f]+/gi, 'X').replace(/\b\d+\b/g, 'N');

/**
 * One bug, however many cases hit it: a kernel report by its signature (kind and top frames), a divergence
 * by its kind and one-line summary with device names and numbers made alike.
 */
export function findingKey(c: CaseResult): string {
  if (c.kernelReport) return `kernel ${c.kernelReport.kind}: ${c.kernelReport.signature}`;
  return `${c.divergence ? c.divergence.kind : (c.failureKind ?? 'failed')}: ${alike(failureLine(c))}`;
}

/** The failed cases as distinct bugs, in order of first hit. */
export function findingGroups(cases: readonly CaseResult[]): { key: string; hits: CaseResult[] }[] {
  const byKey = new Map<string, CaseResult[]>();
  for (const c of cases) if (c.status === 'failed') byKey.set(findingKey(c), [...(byKey.get(findingKey(c)) ?? []), c]);
  return [...byKey].map(([key, hits]) => ({ key, hits }));
}

/** `reproduces on: 6.12, 7.3 · agrees on: 6.1`, with the series that could not test it. */
export function spreadLine(verdicts: readonly SeriesVerdict[]): string {
  const of = (k: VerdictKind) => verdicts.filter((v) => v.kind === k).map((v) => v.series);
  const cannot = of('cannot-test');
  return `reproduces on: ${of('diverges').join(', ') || 'none'} · agrees on: ${of('agrees').join(', ') || 'none'}${cannot.length ? ` · cannot test: ${cannot.join(', ')}` : ''}`;
}

/** What kind of failure, in words. */
export const failureKindText = (c: CaseResult): string => (c.failureKind ? `${c.failureKind}: ${FAILURE_KINDS[c.failureKind]}` : '');

/** The run's identity, as every report heads it: enough to reproduce the run. */
export function runIdentity(run: Pick<RunResults, 'kernel' | 'image' | 'accel' | 'profile' | 'seed'>): { key: string; value: string }[] {
  return [
    { key: 'kernel', value: run.kernel },
    { key: 'image', value: run.image },
    { key: 'profile', value: run.profile ?? 'unknown' },
    { key: 'seed', value: String(run.seed) },
    { key: 'accel', value: run.accel },
  ];
}

export const identityLine = (run: Parameters<typeof runIdentity>[0]): string => runIdentity(run).map((f) => `${f.key} ${f.value}`).join(' · ');

/** Milliseconds as seconds with millisecond precision, for JUnit and TAP. */
export const seconds = (ms: number): number => Math.round(ms) / 1000;

/** Rows as aligned text columns, two spaces apart: the first `leftColumns` left-aligned, the rest (figures) right-aligned. */
/** How a run got its guests, as the end table and the HTML report say it. */
export function guestsText(g: GuestCounts): string {
  return `${g.boots} boots${g.resumes ? `, ${g.resumes} resumed from saved machines` : ''}, ${g.restores} snapshot restores`;
}

export function textTable(rows: readonly (readonly string[])[], leftColumns: number): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((v, i) => (i < leftColumns ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  '));
}

/** A short human duration: 850 ms, 12.3 s, 4 min 05 s. */
export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}
