// JUnit XML: one testsuite per suite×topology, one testcase per case (its checks counted in the name's
// properties would be lost by most viewers, so the count goes into system-out with the console excerpt).
import { createRequire } from 'node:module';
import type { Builder } from 'junit-report-builder';
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
    const suite = builder.testSuite().name(name).property('kernel', run.kernel).property('image', run.image);
    for (const c of cases) {
      const tc = suite.testCase().className(`${c.suite}.${c.topology}`).name(c.name).time(c.durationMs / 1000);
      const out = [`checks: ${c.checks}`];
      if (c.known?.length) out.push(...c.known.map((k) => `known divergence ${k.id} at ${k.step}: ${k.reason}`));
      if (c.fixed?.length) out.push(`no longer diverges (fixed?): ${c.fixed.join(', ')}`);
      if (c.console) out.push('--- console ---', c.console);
      tc.standardOutput(out.join('\n'));
      if (c.status === 'failed') tc.failure(c.failure?.split('\n')[0] ?? 'failed').stacktrace(c.failure ?? '');
      if (c.status === 'skipped') tc.skipped().standardOutput(`skipped: ${c.skipReason ?? ''}`);
    }
  }
  return builder.build();
}
