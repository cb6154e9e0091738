// The human summary: per-topology pass/fail/known/skip table, then every failure and known divergence.
import { caseId, totalsOf, type RunResults } from './results.ts';

export function markdownSummary(run: RunResults): string {
  const lines = [`## dax-harness: ${run.kernel}`, '', `image \`${run.image}\` · accel ${run.accel} · ${run.cases.length} cases · ${run.checks} checks · ${(run.durationMs / 1000).toFixed(0)} s`, ''];
  lines.push('| topology | passed | failed | known | skipped |', '|---|---:|---:|---:|---:|');
  const topologies = [...new Set(run.cases.map((c) => c.topology))].sort();
  for (const t of topologies) {
    const tt = totalsOf(run.cases.filter((c) => c.topology === t));
    lines.push(`| ${t} | ${tt.passed} | ${tt.failed} | ${tt.known} | ${tt.skipped} |`);
  }
  const all = run.totals;
  lines.push(`| **all** | **${all.passed}** | **${all.failed}** | **${all.known}** | **${all.skipped}** |`, '');
  const failed = run.cases.filter((c) => c.status === 'failed');
  if (failed.length) {
    lines.push('### Failures', '');
    for (const c of failed) lines.push(`<details><summary>${caseId(c)}</summary>`, '', '```', (c.failure ?? '').trim(), '```', '</details>', '');
  }
  const known = run.cases.flatMap((c) => (c.known ?? []).map((k) => ({ c, k })));
  if (known.length) {
    lines.push('### Known kernel divergences (not failures)', '', '| case | divergence | step | reason |', '|---|---|---|---|');
    for (const { c, k } of known) lines.push(`| ${caseId(c)} | ${k.id} | \`${k.step.replace(/\|/g, '\\|')}\` | ${k.reason} |`);
    lines.push('');
  }
  const skipped = run.cases.filter((c) => c.status === 'skipped');
  if (skipped.length) {
    lines.push('### Skipped', '');
    for (const c of skipped) lines.push(`- ${caseId(c)}: ${c.skipReason}`);
    lines.push('');
  }
  return lines.join('\n');
}
