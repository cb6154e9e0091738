// TAP 13 for tools that speak it; skips carry their reason as a SKIP directive.
import { caseId, type RunResults } from './results.ts';

export function tap(run: RunResults): string {
  const out = ['TAP version 13', `1..${run.cases.length}`];
  run.cases.forEach((c, i) => {
    const n = i + 1;
    if (c.status === 'skipped') out.push(`ok ${n} ${caseId(c)} # SKIP ${c.skipReason ?? ''}`);
    else if (c.status === 'failed') {
      out.push(`not ok ${n} ${caseId(c)}`, '  ---', ...(c.failure ?? '').split('\n').map((l) => `  # ${l}`), '  ...');
    } else out.push(`ok ${n} ${caseId(c)}${c.status === 'known' ? ` # known divergence: ${(c.known ?? []).map((k) => k.id).join(', ')}` : ''}`);
  });
  return out.join('\n') + '\n';
}
