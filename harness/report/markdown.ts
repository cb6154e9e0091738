// The human summary (and GitHub's step summary): the run's identity, a suite × topology table with
// durations, then every failure with its one line, kind and the command that replays it, the known kernel
// divergences apart from failures, the allowed outcomes the kernel chose, and the skips with reasons.
import { durationText, failureKindText, failureLine, findingGroups, identityLine, spreadLine } from './facts.ts';
import { mergeCoverage } from '../compare/op-coverage.ts';
import { formatPercent, percent, totalOf, type Ratio } from '../coverage/lcov-info.ts';
import { caseId, totalsOf, type CaseResult, type RunResults } from './results.ts';

// Every field may come from a results file anyone wrote: escaped for where it lands, as text (HTML entities
// and markdown's own characters), in a code span, or in a fenced block whose fence is longer than any it holds.
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const cell = (s: string) => s.replace(/[&<>]/g, (c) => ENTITIES[c]!).replace(/([\\`*_[\]|#])/g, '\\$1').replace(/\r?\n/g, ' ');
const code = (s: string) => {
  const ticks = '`'.repeat(Math.max(0, ...[...s.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return `${ticks} ${s.replace(/\r?\n/g, ' ')} ${ticks}`;
};
const fenced = (s: string) => {
  const fence = '`'.repeat(Math.max(2, ...[...s.matchAll(/`+/g)].map((m) => m[0].length)) + 1);
  return [fence, s, fence];
};

export function markdownSummary(run: RunResults): string {
  const lines = [`## dax-harness: ${run.kernel}`, '', `${identityLine(run)} · ${run.cases.length} cases · ${run.checks} checks · ${durationText(run.durationMs)}${run.interrupted ? ' · **interrupted**' : ''}`, ''];
  lines.push('| suite | topology | passed | failed | known | skipped | interrupted | time |', '|---|---|---:|---:|---:|---:|---:|---:|');
  const groups = new Map<string, CaseResult[]>();
  for (const c of run.cases) groups.set(`${c.suite}\t${c.topology}`, [...(groups.get(`${c.suite}\t${c.topology}`) ?? []), c]);
  for (const [key, cs] of groups) {
    const [suite, topology] = key.split('\t');
    const t = totalsOf(cs);
    lines.push(`| ${cell(suite!)} | ${cell(topology!)} | ${t.passed} | ${t.failed} | ${t.known} | ${t.skipped} | ${t.interrupted} | ${durationText(cs.reduce((n, c) => n + c.durationMs, 0))} |`);
  }
  const all = run.totals;
  lines.push(`| **all** | | **${all.passed}** | **${all.failed}** | **${all.known}** | **${all.skipped}** | **${all.interrupted}** | ${durationText(run.durationMs)} |`, '');
  const failed = run.cases.filter((c) => c.status === 'failed');
  if (failed.length) {
    lines.push('### Failures', '');
    for (const c of failed) {
      lines.push(`<details><summary>${cell(caseId(c))}: ${cell(failureLine(c))}</summary>`, '', `- ${failureKindText(c)}`, `- time: ${durationText(c.durationMs)}`);
      if (c.repro) lines.push(`- replay: ${code(c.repro)}`);
      lines.push('', ...fenced([(c.failure ?? '').trim(), ...(c.console ? ['--- console ---', c.console] : [])].join('\n')), '</details>', '');
    }
  }
  lines.push(...findingsSection(run, failed));
  const known = run.cases.flatMap((c) => (c.known ?? []).map((k) => ({ c, k })));
  if (known.length) {
    lines.push('### Known kernel divergences (not failures)', '', '| case | divergence | step | reason | kernels |', '|---|---|---|---|---|');
    for (const { c, k } of known) lines.push(`| ${cell(caseId(c))} | ${cell(k.id)} | ${code(k.step).replace(/\|/g, '\\|')} | ${cell(k.reason)} | ${cell(k.kernels ?? '')} |`);
    lines.push('');
  }
  const fixed = run.cases.filter((c) => c.fixed?.length);
  if (fixed.length) {
    lines.push('### Known divergences this kernel no longer shows', '');
    for (const c of fixed) lines.push(`- ${cell(caseId(c))}: ${cell(c.fixed!.join(', '))}`);
    lines.push('');
  }
  const branches = run.cases.flatMap((c) => (c.branches ?? []).map((b) => ({ c, b })));
  if (branches.length) {
    const counts = new Map<string, number>();
    for (const { b } of branches) counts.set(b.id, (counts.get(b.id) ?? 0) + 1);
    lines.push('### Outcomes the kernel may choose, as taken', '', ...[...counts].map(([id, n]) => `- ${cell(id)}: ${n}×`), '');
  }
  lines.push(...coverageSection(run), ...kernelCoverageSection(run));
  const skipped = run.cases.filter((c) => c.status === 'skipped');
  if (skipped.length) {
    lines.push('### Skipped', '');
    for (const c of skipped) lines.push(`- ${cell(caseId(c))}: ${cell(c.skipReason ?? '')}`);
    lines.push('');
  }
  if (run.guests.skippedProvisioning?.length) {
    lines.push('### Provisioning steps skipped', '');
    for (const s of run.guests.skippedProvisioning) lines.push(`- ${cell(s.topology)}: ${cell(s.step)}: ${cell(s.reason)}`);
    lines.push('');
  }
  if (run.guests.lost?.length) {
    lines.push('### Guests lost between cases', '');
    for (const l of run.guests.lost) lines.push(`- ${l.topology}${l.afterCase ? ` after ${l.afterCase}` : ''}: ${l.reason}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** What the run drove: operations, races, and the operation × state pairs reached (accepted/runs each). */
function coverageSection(run: RunResults): string[] {
  const pairs = mergeCoverage(run.cases.map((c) => c.coverage ?? []));
  if (!pairs.length) return [];
  const operations = run.cases.reduce((n, c) => n + (c.operations ?? 0), 0);
  const races = run.cases.reduce((n, c) => n + (c.races ?? 0), 0);
  const byOp = new Map<string, string[]>();
  for (const p of pairs) byOp.set(p.op, [...(byOp.get(p.op) ?? []), `${p.state} ${p.accepted}/${p.runs}`]);
  return [
    '### Operations driven',
    '',
    `${operations} sysfs operations${races ? `, ${races} races` : ''}; ${pairs.length} operation × state pairs reached (accepted/run per state).`,
    '',
    `<details><summary>${byOp.size} operations</summary>`,
    '',
    '| operation | states reached |',
    '|---|---|',
    ...[...byOp].map(([op, states]) => `| \`${op}\` | ${cell(states.join('; '))} |`),
    '',
    '</details>',
    '',
  ];
}

const ratio = (r: Ratio) => formatPercent(r, true);

/** Line and branch coverage of the kernel's profiled files, whole run, then lines per suite (--coverage). */
function kernelCoverageSection(run: RunResults): string[] {
  const k = run.kernelCoverage;
  if (!k) return [];
  const lines = ['### Kernel coverage (gcov)', ''];
  if (!k.files.length) return [...lines, `No coverage data (${k.collections} reads): ${k.lost.join('; ') || 'nothing was profiled'}`, ''];
  const total = totalOf(k.files);
  lines.push(`${k.files.length} files · lines ${ratio(total.lines)} · branches ${ratio(total.branches)} · ${k.collections} reads${k.html ? ` · HTML: \`${k.html}\`` : ''}`, '');
  lines.push('| file | lines | branches | functions |', '|---|---:|---:|---:|', ...k.files.map((f) => `| ${f.file} | ${ratio(f.lines)} | ${ratio(f.branches)} | ${ratio(f.functions)} |`), '');
  if (k.suites.length) {
    const files = k.files.filter((f) => f.lines.found).map((f) => f.file);
    const of = (suite: (typeof k.suites)[number], file: string) => suite.files.find((f) => f.file === file)?.lines;
    lines.push('<details><summary>lines per suite</summary>', '', `| suite | ${files.map((f) => f.replace(/^drivers\//, '')).join(' | ')} |`, `|---|${files.map(() => '---:').join('|')}|`);
    for (const suite of k.suites) lines.push(`| ${suite.suite} | ${files.map((f) => { const r = of(suite, f); return r?.found ? `${percent(r)!.toFixed(1)}` : '–'; }).join(' | ')} |`);
    lines.push('', '</details>', '');
  }
  if (k.lost.length) lines.push('Reads that failed (their counters are missing):', '', ...k.lost.map((l) => `- ${cell(l)}`), '');
  return lines;
}

/** The failures as distinct bugs: each once, with how many cases hit it, the recipe of the first, and the kernels it reproduces on. */
function findingsSection(run: RunResults, failed: readonly CaseResult[]): string[] {
  const groups = findingGroups(failed);
  if (!groups.length) return [];
  const lines = [`### Findings: ${groups.length} distinct`, ''];
  for (const { key, hits } of groups) {
    const first = hits.find((c) => c.repro) ?? hits[0]!;
    const finding = run.findings?.find((f) => f.key === key);
    const where = finding?.replays?.length ? `; ${spreadLine(finding.replays)}` : finding?.replayError ? `; replay across kernels failed: ${finding.replayError}` : '';
    lines.push(`- ${cell(key)}: ${hits.length} case(s) (${cell(hits.map(caseId).join(', '))})${first.repro ? `; replay: ${code(first.repro)}` : ''}${cell(where)}`);
  }
  return [...lines, ''];
}
