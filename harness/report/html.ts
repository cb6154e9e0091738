// One self-contained HTML file for one run or many (shards, a kernel matrix): no script, no network, just
// the markup and its style. A grid of suite × topology by kernel, then per kernel every case: failures open,
// each with its one-line divergence, the state differences, the kernel's report, its steps and the command
// that replays it; known kernel divergences and allowed outcomes apart from failures; the seed of every run.
import { durationText, failureKindText, failureLine, runIdentity } from './facts.ts';
import { caseId, totalsOf, type CaseResult, type RunResults, type Totals } from './results.ts';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1b1f24; }
h1 { font-size: 1.4em; } h2 { font-size: 1.2em; margin-top: 2em; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: .5em 0; }
th, td { border: 1px solid #d0d7de; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.cell { text-align: center; white-space: nowrap; }
.passed { background: #dafbe1; } .failed { background: #ffebe9; } .known { background: #fff8c5; }
.skipped { background: #f6f8fa; color: #57606a; } .interrupted { background: #fbefff; } .none { color: #8c959f; }
code, pre { font: 12px/1.35 ui-monospace, monospace; } pre { background: #f6f8fa; padding: .6em; overflow-x: auto; }
details { margin: .3em 0; } summary { cursor: pointer; }
.identity span { margin-right: 1.2em; } .muted { color: #57606a; }
tr.diverged td { background: #ffebe9; } tr.known td { background: #fff8c5; } tr.branch td { background: #ddf4ff; }
`;

/** The worst status in a cell decides its colour: failed > interrupted > known > passed > skipped. */
function cellClass(t: Totals): string {
  if (t.failed) return 'failed';
  if (t.interrupted) return 'interrupted';
  if (t.known) return 'known';
  if (t.passed) return 'passed';
  return t.skipped ? 'skipped' : 'none';
}

function cellText(t: Totals): string {
  const parts = [t.passed && `${t.passed} passed`, t.failed && `${t.failed} failed`, t.known && `${t.known} known`, t.skipped && `${t.skipped} skipped`, t.interrupted && `${t.interrupted} interrupted`].filter(Boolean);
  return parts.join(', ') || '–';
}

function grid(runs: readonly RunResults[]): string {
  const rows = [...new Set(runs.flatMap((r) => r.cases.map((c) => `${c.suite}\t${c.topology}`)))].sort();
  const head = `<tr><th>suite</th><th>topology</th>${runs.map((r) => `<th>${esc(r.kernel)}</th>`).join('')}</tr>`;
  const body = rows.map((row) => {
    const [suite, topology] = row.split('\t') as [string, string];
    const cells = runs.map((r) => {
      const t = totalsOf(r.cases.filter((c) => c.suite === suite && c.topology === topology));
      return `<td class="cell ${cellClass(t)}" data-kernel="${esc(r.kernel)}" data-suite="${esc(suite)}" data-topology="${esc(topology)}">${cellText(t)}</td>`;
    });
    return `<tr><td>${esc(suite)}</td><td>${esc(topology)}</td>${cells.join('')}</tr>`;
  });
  return `<table id="grid">${head}${body.join('')}</table>`;
}

function stepsTable(c: CaseResult): string {
  if (!c.steps?.length) return '';
  const rows = c.steps.map((s) => `<tr class="${s.outcome}"><td>${s.index}</td><td><code>${esc(s.operation)}</code></td><td><code>${esc(s.expected)}</code></td><td><code>${esc(s.actual)}</code></td><td>${esc(s.outcome)}${s.explainedBy ? ` (${esc(s.explainedBy)})` : ''}</td></tr>`);
  return `<details${c.status === 'failed' ? ' open' : ''}><summary>${c.steps.length} steps</summary><table class="steps"><tr><th>#</th><th>operation</th><th>model</th><th>kernel</th><th>outcome</th></tr>${rows.join('')}</table></details>`;
}

function failureBlock(c: CaseResult): string {
  const d = c.divergence;
  const diffRows = d?.differences?.map((x) => `<tr><td><code>${esc(x.path)}</code></td><td><code>${esc(x.expected)}</code></td><td><code>${esc(x.actual)}</code></td></tr>`) ?? [];
  const diff = diffRows.length ? `<h4>model vs kernel</h4><table class="diff"><tr><th>where</th><th>model</th><th>kernel</th></tr>${diffRows.join('')}</table>` : '';
  const result = d && (d.kind === 'result' || d.kind === 'expectation') ? `<h4>model vs kernel</h4><table class="diff"><tr><th>operation</th><th>model</th><th>kernel</th></tr><tr><td><code>${esc(d.operation)}</code></td><td><code>${esc(d.expected ?? '')}</code></td><td><code>${esc(d.actual ?? '')}</code></td></tr></table>` : '';
  const log = d?.kernelLog.length ? `<h4>kernel log of the failing step</h4><pre>${esc(d.kernelLog.join('\n'))}</pre>` : '';
  const excerpt = c.console ? `<h4>kernel console</h4><pre>${esc(c.console)}</pre>` : '';
  const repro = c.repro ? `<p>replay: <code class="repro">${esc(c.repro)}</code></p>` : c.recipe ? `<p>recipe: <code>${esc(c.recipe)}</code></p>` : '';
  return `<p class="failure-line"><strong>${esc(failureLine(c))}</strong></p><p class="muted">${esc(failureKindText(c))}</p>${result}${diff}${log}${excerpt}${repro}<details><summary>full report</summary><pre>${esc(c.failure ?? '')}</pre></details>`;
}

function caseBlock(c: CaseResult): string {
  const status = `<span class="${c.status}">${c.status}</span>`;
  const body = [
    c.status === 'failed' ? failureBlock(c) : '',
    c.status === 'skipped' ? `<p class="muted">${esc(c.skipReason ?? '')}</p>` : '',
    c.known?.length ? `<p>known divergences: ${c.known.map((k) => `<code>${esc(k.id)}</code> at <code>${esc(k.step)}</code>`).join('; ')}</p>` : '',
    c.branches?.length ? `<p>outcomes the kernel chose: ${c.branches.map((b) => `<code>${esc(b.id)}</code> at <code>${esc(b.step)}</code>`).join('; ')}</p>` : '',
    c.status === 'failed' || c.known?.length || c.branches?.length ? stepsTable(c) : '',
  ].join('');
  return `<details class="case ${c.status}" data-case="${esc(caseId(c))}"${c.status === 'failed' ? ' open' : ''}><summary>${status} ${esc(caseId(c))} <span class="muted">· ${c.checks} checks · ${durationText(c.durationMs)}</span></summary>${body}</details>`;
}

function runSection(r: RunResults): string {
  const identity = runIdentity(r).map((f) => `<span><strong>${f.key}</strong> ${esc(f.value)}</span>`).join('');
  const t = r.totals;
  const known = new Map<string, { reason: string; hits: number }>();
  for (const c of r.cases) for (const k of c.known ?? []) known.set(k.id, { reason: k.reason, hits: (known.get(k.id)?.hits ?? 0) + 1 });
  const knownList = known.size ? `<h3>Known kernel divergences (not failures)</h3><ul>${[...known].map(([id, k]) => `<li><code>${esc(id)}</code> (${k.hits}×): ${esc(k.reason)}</li>`).join('')}</ul>` : '';
  const failed = r.cases.filter((c) => c.status === 'failed');
  const rest = r.cases.filter((c) => c.status !== 'failed');
  return `<section class="run" data-kernel="${esc(r.kernel)}"><h2>${esc(r.kernel)}</h2><p class="identity">${identity}</p>
<p>${t.passed} passed, ${t.failed} failed, ${t.known} known, ${t.skipped} skipped${t.interrupted ? `, ${t.interrupted} interrupted` : ''} · ${r.checks} checks · ${r.guests.boots} boots, ${r.guests.restores} snapshot restores · ${durationText(r.durationMs)}${r.interrupted ? ' · <strong>interrupted</strong>' : ''}</p>
${failed.length ? `<h3>Failures</h3>${failed.map(caseBlock).join('')}` : ''}${knownList}<h3>All cases</h3>${rest.map(caseBlock).join('')}</section>`;
}

export function htmlReport(runs: readonly RunResults[]): string {
  const title = runs.length === 1 ? `dax-harness: ${runs[0]!.kernel}` : `dax-harness: ${runs.length} kernels`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${grid(runs)}${runs.map(runSection).join('')}</body></html>\n`;
}
