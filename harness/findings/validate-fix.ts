// What a kernel developer asks of a patch: does it fix the findings of the baseline run, and does it break
// anything? The findings' recipes are replayed on the patched kernel (fixed / still reproduces / cannot
// test), and the new run's cases are compared with the baseline's, case by case. The judgement is pure; the
// replays are the caller's (I/O).
import type { ReproOutcome } from '../recipe/repro.ts';
import { caseId, type CaseResult, type CaseStatus, type RunResults } from '../report/results.ts';
import type { Finding } from './collect.ts';

export type FixVerdict = 'fixed' | 'still reproduces' | 'cannot test';

export interface FindingCheck {
  id: string;
  subject: string;
  verdict: FixVerdict;
  /** What the replay said, in a line. */
  detail: string;
}

/** A finding's recipe replayed on the patched kernel: fixed when it agrees and its own known row is gone. */
export function fixVerdict(f: Finding, outcome: ReproOutcome | { kind: 'no-recipe' }): FindingCheck {
  const base = { id: f.id, subject: f.row?.subject ?? f.subject };
  switch (outcome.kind) {
    case 'no-recipe':
      return { ...base, verdict: 'cannot test', detail: 'the baseline saved no recipe for it' };
    case 'cannot-test':
      return { ...base, verdict: 'cannot test', detail: outcome.reason };
    case 'diverges':
      return { ...base, verdict: 'still reproduces', detail: outcome.report.split('\n')[0]! };
    case 'agrees': {
      const still = outcome.known.find((k) => k.id === f.id);
      if (still) return { ...base, verdict: 'still reproduces', detail: `known ${still.id} at ${still.step}` };
      // A replay that agrees shows a fix only where a replay would have shown the bug.
      if (f.row?.replayMayMiss) return { ...base, verdict: 'cannot test', detail: `its replay agrees, which does not show it fixed: ${f.row.replayMayMiss}; run its repro.sh` };
      return { ...base, verdict: 'fixed', detail: `agrees with the model (${outcome.checks} checks)${outcome.known.length ? `; other known: ${[...new Set(outcome.known.map((k) => k.id))].join(', ')}` : ''}` };
    }
  }
}

export interface CaseChange {
  case: string;
  from: CaseStatus | 'absent';
  to: CaseStatus | 'absent';
  /** Known rows the case hit now and not before, and those it no longer hits. */
  newKnown: string[];
  goneKnown: string[];
}

export interface RunComparison {
  changed: CaseChange[];
  /** Known rows the new run hit that the baseline never did: a patch that brings a known bug back. */
  newKnown: string[];
  /** Cases that failed now and did not before. */
  newFailures: string[];
}

const knownOf = (c: CaseResult | undefined) => new Set((c?.known ?? []).map((k) => k.id));

export function compareRuns(baseline: readonly RunResults[], now: RunResults): RunComparison {
  const before = new Map(baseline.flatMap((r) => r.cases).map((c) => [caseId(c), c]));
  const changed: CaseChange[] = [];
  for (const c of now.cases) {
    const id = caseId(c);
    const was = before.get(id);
    const [k0, k1] = [knownOf(was), knownOf(c)];
    const newKnown = [...k1].filter((k) => !k0.has(k));
    const goneKnown = [...k0].filter((k) => !k1.has(k));
    if (was?.status !== c.status || newKnown.length || goneKnown.length) changed.push({ case: id, from: was?.status ?? 'absent', to: c.status, newKnown, goneKnown });
  }
  const everKnown = new Set(baseline.flatMap((r) => r.cases.flatMap((c) => [...knownOf(c)])));
  return {
    changed,
    newKnown: [...new Set(now.cases.flatMap((c) => [...knownOf(c)]))].filter((k) => !everKnown.has(k)),
    newFailures: changed.filter((x) => x.to === 'failed' && x.from !== 'failed').map((x) => x.case),
  };
}

/** The end-of-run lines: each finding's verdict, then what changed against the baseline. */
export function validationText(checks: readonly FindingCheck[], cmp: RunComparison): string {
  return [
    'findings of the baseline, replayed on this kernel:',
    ...checks.map((c) => `  ${c.verdict.padEnd(16)} ${c.id}: ${c.detail}`),
    `cases against the baseline: ${cmp.changed.length} changed, ${cmp.newFailures.length} newly failed, ${cmp.newKnown.length} new known row(s)${cmp.newKnown.length ? ` (${cmp.newKnown.join(', ')})` : ''}`,
    ...cmp.changed.map((x) => `  ${x.case}: ${x.from} → ${x.to}${x.goneKnown.length ? `; no longer ${x.goneKnown.join(', ')}` : ''}${x.newKnown.length ? `; now ${x.newKnown.join(', ')}` : ''}`),
  ].join('\n');
}
