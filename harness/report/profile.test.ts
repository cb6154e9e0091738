import test from 'ava';
import { timedDriver } from '../runner/timed-driver.ts';
import type { StepDriver, StepOutcome } from '../driver/step-driver.ts';
import { ProfileReporter, profileText } from './profile.ts';
import { RESULTS_SCHEMA, totalsOf, type CaseResult, type RunResults } from './results.ts';

const c = (suite: string, topology: string, durationMs: number, trips: number, guestMs: number, fresh: [number, number] = [0, 0], checks = 100): CaseResult => ({ suite, topology, name: `${suite}-${durationMs}`, status: 'passed', checks, durationMs, setupMs: 500, timing: { roundTrips: trips, guestMs, ...(fresh[0] ? { freshStarts: fresh[0], freshMs: fresh[1] } : {}) } });
const run = (cases: CaseResult[]): RunResults => ({
  schema: RESULTS_SCHEMA, kernel: 'k', image: 'i', accel: 'tcg', profile: 'debian', seed: 1, startedAt: '2026-12-07T00:00:00.000Z', durationMs: 90_000, guests: { boots: 2, restores: 1 },
  totals: totalsOf(cases), checks: cases.reduce((n, x) => n + x.checks, 0), cases,
});

test('the profile splits each group\'s time into round trips to the guest and the rest, per trip and per check', (t) => {
  const text = profileText(run([c('model-based', 'hmem', 20_000, 400, 6_000, [20, 10_000]), c('model-based', 'cxl', 80_000, 400, 6_000, [20, 70_000])]), new Map([['hmem', { boots: 1, bootMs: 7400, resumes: 0, resumeMs: 0, restores: 1, restoreMs: 2000 }]]));
  const row = (s: string) => text.split('\n').find((l) => l.startsWith(s))!;
  t.regex(row('model-based  hmem'), /\b400\s+6\.0 s\s+15 ms\s+20\s+10\.0 s\s+4\.0 s\s+5\.0$/);
  t.regex(row('model-based  cxl'), /\b400\s+6\.0 s\s+15 ms\s+20\s+1 min 10 s\s+4\.0 s\s+1\.3$/);
  t.regex(row('hmem'), /^hmem\s+1\s+7\.4 s\s+0\s+0 ms\s+1\s+2\.0 s\s+500 ms$/);
  t.regex(row('cxl'), /^cxl\s+0\s+0 ms\s+0\s+0 ms\s+0\s+0 ms\s+500 ms$/, 'a topology without guest events still has its row');
  t.regex(text, /the cases took 1 min 40 s, 12\.0 s of it in 800 round trips/);
  t.regex(text, /slowest cases:\n\s+1 min 20 s  model-based\/cxl\/.*: 400 round trips, 6\.0 s in the guest; 20 fresh starts, 1 min 10 s/);
});

test('the reporter sums the boots, resumes and restores of each topology from the live events', (t) => {
  let out = '';
  const p = new ProfileReporter({ write: (s) => ((out += s), true) });
  p.onGuest({ kind: 'booting', topology: 'cxl', guest: 'cxl-1' });
  p.onGuest({ kind: 'boot', topology: 'cxl', guest: 'cxl-1', seconds: 9, skipped: [], resumed: false });
  p.onGuest({ kind: 'boot', topology: 'cxl', guest: 'cxl-2', seconds: 11, skipped: [], resumed: false });
  p.onGuest({ kind: 'boot', topology: 'cxl', guest: 'cxl-3', seconds: 0.7, skipped: [], resumed: true });
  p.onGuest({ kind: 'restore', topology: 'cxl', guest: 'cxl-2', seconds: 1.5 });
  p.onRunEnd(run([c('sysfs-writes', 'cxl', 1000, 10, 500)]));
  t.regex(out, /\ncxl\s+2\s+20\.0 s\s+1\s+700 ms\s+1\s+1\.5 s/);
});

test('a timed driver counts every call, also one that fails, with its wall time', async (t) => {
  let clock = 0;
  const outcome = {} as StepOutcome;
  const inner: StepDriver = {
    step: async () => ((clock += 30), outcome),
    together: async () => ((clock += 50), outcome),
    observe: async () => {
      clock += 5;
      throw new Error('ssh dropped');
    },
    mmap: async () => ((clock += 7), outcome),
  };
  const into = { roundTrips: 0, guestMs: 0, freshStarts: 0, freshMs: 0 };
  const d = timedDriver(inner, into, () => clock);
  await d.step([]);
  await d.together([]);
  await d.mmap('dax0.0', 4096n);
  await t.throwsAsync(() => d.observe());
  t.deepEqual(into, { roundTrips: 4, guestMs: 92, freshStarts: 0, freshMs: 0 });
});
