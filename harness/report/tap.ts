// TAP 13 for tools that speak it: skips carry their reason as a SKIP directive, every case its duration and
// a failure its one-line divergence in the YAML block.
import { caseId, type RunResults } from './results.ts';
import { failureLine, identityLine } from './facts.ts';

export function tap(run: RunResults): string {
  const out = ['TAP version 13', `# dax-harness · ${identityLine(run)}`, `1..${run.cases.length}`];
  run.cases.forEach((c, i) => {
    const n = i + 1;
    const yaml = (extra: string[]) => ['  ---', `  duration_ms: ${c.durationMs}`, ...(c.setupMs ? [`  guest_setup_ms: ${c.setupMs}`] : []), `  checks: ${c.checks}`, ...extra, '  ...'];
    if (c.status === 'skipped') out.push(`ok ${n} ${caseId(c)} # SKIP ${c.skipReason ?? ''}`);
    else if (c.status === 'failed' || c.status === 'interrupted') {
      out.push(
        `not ok ${n} ${caseId(c)}${c.status === 'interrupted' ? ' # interrupted' : ''}`,
        ...yaml([
          `  message: ${JSON.stringify(c.status === 'interrupted' ? 'interrupted' : failureLine(c))}`,
          ...(c.failureKind ? [`  kind: ${c.failureKind}`] : []),
          ...(c.repro ? [`  repro: ${JSON.stringify(c.repro)}`] : []),
          ...(c.failure ?? '').split('\n').map((l) => `  # ${l}`),
        ]),
      );
    } else {
      out.push(`ok ${n} ${caseId(c)}${c.status === 'known' ? ` # known divergence: ${(c.known ?? []).map((k) => k.id).join(', ')}` : ''}`, ...yaml([]));
    }
  });
  return out.join('\n') + '\n';
}
