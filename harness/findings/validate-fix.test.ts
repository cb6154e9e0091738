import test from 'ava';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from '../report/results.ts';
import { knownRow } from '../model/divergences.ts';
import { compareRuns, fixVerdict, validationText } from './validate-fix.ts';
import type { Finding } from './collect.ts';

const row = knownRow('mapping-misaligned-length-succeeds')!;
const finding: Finding = { id: row.id, row, subject: row.subject, hits: [{ kernel: '7.3.4', case: 'regressions/hmem/misaligned mapping length', topology: 'hmem', step: 's' }], replays: [] };
const hit = { id: row.id, reason: 'r', step: 'write dax0.0/mapping "…"' };

test('a finding is fixed when its recipe agrees without its own known row; it still reproduces with it, or diverging', (t) => {
  t.is(fixVerdict(finding, { kind: 'agrees', checks: 9, known: [] }).verdict, 'fixed');
  t.is(fixVerdict(finding, { kind: 'agrees', checks: 9, known: [{ ...hit, id: 'mapping-on-bound-device' }] }).verdict, 'fixed', 'another known bug on the way is not this one');
  t.is(fixVerdict(finding, { kind: 'agrees', checks: 9, known: [hit] }).verdict, 'still reproduces');
  t.is(fixVerdict(finding, { kind: 'diverges', report: 'write x: expected ENXIO, got EIO' }).verdict, 'still reproduces');
  t.is(fixVerdict(finding, { kind: 'cannot-test', reason: 'no kmem' }).verdict, 'cannot test');
  t.is(fixVerdict(finding, { kind: 'no-recipe' }).verdict, 'cannot test');
});

test('a replay that agrees does not show fixed a bug a replay may miss: a race, or a file held open that no recipe holds', (t) => {
  for (const id of ['dev-dax-probe-wipes-open-cdev', 'size-checks-align-before-locking', 'create-takes-id-of-racing-delete']) {
    const r = knownRow(id)!;
    const f: Finding = { ...finding, id, row: r, subject: r.subject };
    const v = fixVerdict(f, { kind: 'agrees', checks: 9, known: [] });
    t.is(v.verdict, 'cannot test', id);
    t.regex(v.detail, /run its repro\.sh$/);
    t.is(fixVerdict(f, { kind: 'agrees', checks: 9, known: [{ ...hit, id }] }).verdict, 'still reproduces', `${id}: a replay that shows it still counts`);
  }
});

const c = (name: string, status: CaseResult['status'], known: string[] = []): CaseResult => ({ suite: 's', topology: 'hmem', name, status, checks: 1, durationMs: 1, ...(known.length ? { known: known.map((id) => ({ ...hit, id })) } : {}) });
const run = (cases: CaseResult[]): RunResults => ({ schema: RESULTS_SCHEMA, kernel: 'k', image: 'i', accel: 'tcg', seed: 1, startedAt: 'now', durationMs: 1, guests: { boots: 1, restores: 0 }, totals: totalsOf(cases), checks: 1, cases });

test('the comparison names every case that changed, the known rows gone and new, and the new failures', (t) => {
  const before = run([c('a', 'known', [row.id]), c('b', 'passed'), c('c', 'passed'), c('gone', 'passed')]);
  const after = run([c('a', 'passed'), c('b', 'failed'), c('c', 'known', ['dev-dax-probe-wipes-open-cdev']), c('new', 'passed')]);
  const cmp = compareRuns([before], after);
  t.deepEqual(cmp.changed.map((x) => `${x.case} ${x.from}→${x.to}`), ['s/hmem/a known→passed', 's/hmem/b passed→failed', 's/hmem/c passed→known', 's/hmem/new absent→passed']);
  t.deepEqual(cmp.changed[0]!.goneKnown, [row.id]);
  t.deepEqual(cmp.newKnown, ['dev-dax-probe-wipes-open-cdev']);
  t.deepEqual(cmp.newFailures, ['s/hmem/b']);
  t.deepEqual(compareRuns([before], before), { changed: [], newKnown: [], newFailures: [] }, 'a run is its own baseline');
  t.regex(validationText([fixVerdict(finding, { kind: 'agrees', checks: 9, known: [] })], cmp), /^findings of the baseline, replayed on this kernel:\n  fixed +mapping-misaligned-length-succeeds: agrees with the model \(9 checks\)\ncases against the baseline: 4 changed, 1 newly failed, 1 new known row\(s\) \(dev-dax-probe-wipes-open-cdev\)/);
});
