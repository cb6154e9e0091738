import test from 'ava';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from '../report/results.ts';
import { MATRIX_SCHEMA, entryLine, entryOf, kernelSlug, matrixExit, matrixSummarySchema, matrixTable, type MatrixSummary } from './summary.ts';

const cases = (failed: number): CaseResult[] => [
  { suite: 's', topology: 'hmem', name: 'a', status: 'passed', checks: 10, durationMs: 1 },
  { suite: 's', topology: 'hmem', name: 'b', status: 'known', checks: 5, durationMs: 1 },
  ...Array.from({ length: failed }, (_, i): CaseResult => ({ suite: 's', topology: 'cxl', name: `f${i}`, status: 'failed', checks: 1, durationMs: 1 })),
];
const results = (kernel: string, cs: CaseResult[]): RunResults => ({ schema: RESULTS_SCHEMA, kernel, image: 'i', accel: 'tcg', seed: 1, startedAt: 'x', durationMs: 1, guests: { boots: 1, restores: 0 }, totals: totalsOf(cs), checks: cs.reduce((n, c) => n + c.checks, 0), cases: cs });
const summary = (entries: MatrixSummary['entries']): MatrixSummary => ({ schema: MATRIX_SCHEMA, seed: 7, startedAt: 'now', wallS: 100, host: 'h', entries });

test('one line per kernel: totals, checks and wall time, or why there are no results', (t) => {
  const ok = entryOf({ kind: 'debian', series: '7.3' }, { exitCode: 0, wallS: 476.6, results: results('7.3.4+deb13-amd64', cases(0)), file: 'o/r.json' });
  t.is(entryLine(ok), '7.3 (7.3.4+deb13-amd64): 1 passed, 0 failed, 1 known, 0 skipped · 15 checks · 477 s');
  const lost = entryOf({ kind: 'tree', dir: '/src/linux' }, { exitCode: 3, wallS: 12, results: null, file: 'o/r.json' });
  t.is(entryLine(lost), 'tree:/src/linux: no results: daxh run exited 3 without writing results · 12 s');
  t.true(matrixSummarySchema.safeParse(summary([ok, lost])).success, 'the summary file reads back');
});

test('a kernel without results is never a pass; failures are 1; all passed is 0', (t) => {
  const pass = entryOf({ kind: 'debian', series: '6.1' }, { exitCode: 0, wallS: 1, results: results('6.1', cases(0)), file: 'f' });
  const fail = entryOf({ kind: 'debian', series: '6.12' }, { exitCode: 1, wallS: 1, results: results('6.12', cases(2)), file: 'f' });
  const none = entryOf({ kind: 'debian', series: '7.0' }, { exitCode: null, wallS: 1, results: null, file: 'f', error: 'daxh run ended by SIGKILL' });
  t.is(matrixExit(summary([pass])), 0);
  t.is(matrixExit(summary([pass, fail])), 1);
  t.is(matrixExit(summary([pass, fail, none])), 3);
  t.regex(matrixTable(summary([pass, none])), /\| 7\.0 \| — \| — \| — \| — \| — \| — \| 1 s: daxh run ended by SIGKILL \|/);
});

test('entry dirs are file-system safe and distinct per kernel', (t) => {
  t.is(kernelSlug({ kind: 'debian', series: '6.12' }), 'debian-6.12');
  t.is(kernelSlug({ kind: 'tree', dir: '/home/me/src/linux next' }), 'tree-home_me_src_linux_next');
});
