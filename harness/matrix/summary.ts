// A kernel matrix: the same selection, one `daxh run` per kernel, and one line per kernel at the end. Pure:
// what each entry is, how its outcome reads, and the summary file bench and the nightly read back.
import { z } from 'zod';
import type { RunResults } from '../report/results.ts';

export const MATRIX_SCHEMA = 'dax-harness/matrix@1';

/** One kernel of the matrix: a Debian series or a built tree. */
export type MatrixKernel = { kind: 'debian'; series: string } | { kind: 'tree'; dir: string };

export const kernelLabel = (k: MatrixKernel): string => (k.kind === 'debian' ? k.series : `tree:${k.dir}`);
/** A file-system-safe name for the entry's output dir. */
export const kernelSlug = (k: MatrixKernel): string => (k.kind === 'debian' ? `debian-${k.series}` : `tree-${k.dir.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '')}`);
export const kernelFlags = (k: MatrixKernel): string[] => (k.kind === 'debian' ? ['--debian-kernel', k.series] : ['--kernel-tree', k.dir]);

const entry = z.object({
  kernel: z.string(),
  release: z.string().nullable(),
  results: z.string().nullable(),
  exitCode: z.number().nullable(),
  wallS: z.number(),
  totals: z.object({ passed: z.number(), failed: z.number(), known: z.number(), skipped: z.number(), interrupted: z.number() }).nullable(),
  checks: z.number().nullable(),
  /** Why there are no results, when there are none. */
  error: z.string().optional(),
});
export const matrixSummarySchema = z.object({ schema: z.literal(MATRIX_SCHEMA), seed: z.number(), startedAt: z.string(), wallS: z.number(), host: z.string(), entries: z.array(entry) });
export type MatrixEntry = z.infer<typeof entry>;
export type MatrixSummary = z.infer<typeof matrixSummarySchema>;

export function entryOf(k: MatrixKernel, outcome: { exitCode: number | null; wallS: number; results: RunResults | null; file: string; error?: string }): MatrixEntry {
  const r = outcome.results;
  return {
    kernel: kernelLabel(k),
    release: r?.kernel ?? null,
    results: r ? outcome.file : null,
    exitCode: outcome.exitCode,
    wallS: Math.round(outcome.wallS),
    totals: r ? r.totals : null,
    checks: r ? r.checks : null,
    ...(r ? {} : { error: outcome.error ?? `daxh run exited ${outcome.exitCode} without writing results` }),
  };
}

/** `7.3 (7.3.4+deb13-amd64): 123 passed, 0 failed, 5 known, 1 skipped · 8239 checks · 477 s` */
export function entryLine(e: MatrixEntry): string {
  if (!e.totals) return `${e.kernel}: no results: ${e.error} · ${e.wallS} s`;
  const t = e.totals;
  const interrupted = t.interrupted ? `, ${t.interrupted} interrupted` : '';
  return `${e.kernel} (${e.release}): ${t.passed} passed, ${t.failed} failed, ${t.known} known, ${t.skipped} skipped${interrupted} · ${e.checks} checks · ${e.wallS} s`;
}

/** 0 all passed; 1 some kernel failed cases; 3 some kernel gave no results (a missing kernel is never a pass). */
export function matrixExit(s: MatrixSummary): 0 | 1 | 3 {
  if (s.entries.some((e) => !e.totals)) return 3;
  return s.entries.some((e) => e.totals!.failed > 0) ? 1 : 0;
}

/** The markdown table the nightly's step summary and summary.md start with. */
export function matrixTable(s: MatrixSummary): string {
  const rows = s.entries.map((e) => (e.totals ? `| ${e.kernel} | ${e.release} | ${e.totals.passed} | ${e.totals.failed} | ${e.totals.known} | ${e.totals.skipped} | ${e.checks} | ${e.wallS} s |` : `| ${e.kernel} | — | — | — | — | — | — | ${e.wallS} s: ${e.error} |`));
  return ['## Kernel matrix', '', `seed ${s.seed} · ${s.wallS} s on ${s.host}`, '', '| kernel | release | passed | failed | known | skipped | checks | wall |', '|---|---|---|---|---|---|---|---|', ...rows, ''].join('\n');
}
