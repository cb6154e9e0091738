// JUnit XML: one testsuite per suite×topology with its time and timestamp, one testcase per case with its
// own time (the guest's set-up is a property, not charged to the first case). A failure's message is the
// divergence in one line; its body the whole report and the kernel log of the failing step.
import { createRequire } from 'node:module';
import type { Builder } from 'junit-report-builder';
import { failureLine, runIdentity, seconds } from './facts.ts';
import type { RunResults } from './results.ts';

// The package is CommonJS but its types declare an ES default export; require() is the typed way in.
const junit = createRequire(import.meta.url)('junit-report-builder') as Builder;

export function junitXml(run: RunResults): string {
  const builder = junit.newBuilder();
  const groups = new Map<string, RunResults['cases']>();
  for (const c of run.cases) {
    const key = `${c.suite} [${c.topology}]`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  for (const [name, cases] of groups) {
    const suite = builder
      .testSuite()
      .name(name)
      .timestamp(new Date(run.startedAt))
      .time(seconds(cases.reduce((n, c) => n + c.durationMs + (c.setupMs ?? 0), 0)));
    for (const f of runIdentity(run)) suite.property(f.key, f.value);
    for (const c of cases) {
      const tc = suite.testCase().className(`${c.suite}.${c.topology}`).name(c.name).time(seconds(c.durationMs)).property('checks', String(c.checks));
      if (c.setupMs) tc.property('guest_setup_s', String(seconds(c.setupMs)));
      const out = [`checks: ${c.checks}`];
      if (c.known?.length) out.push(...c.known.map((k) => `known divergence ${k.id} at ${k.step}: ${k.reason}`));
      if (c.branches?.length) out.push(...c.branches.map((b) => `allowed outcome ${b.id} at ${b.step}: ${b.reason}`));
      if (c.fixed?.length) out.push(`no longer diverges (fixed?): ${c.fixed.join(', ')}`);
      if (c.repro) out.push(`replay: ${c.repro}`);
      if (c.console) out.push('--- console ---', c.console);
      if (c.status === 'skipped') out.push(`skipped: ${c.skipReason ?? ''}`);
      tc.standardOutput(out.join('\n'));
      if (c.status === 'failed') tc.failure(failureLine(c), c.failureKind ?? 'failed').stacktrace(c.failure ?? '');
      if (c.status === 'interrupted') tc.error('interrupted: the run was stopped while this case ran', 'interrupted');
      if (c.status === 'skipped') tc.skipped();
    }
  }
  return builder.build();
}
