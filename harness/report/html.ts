// One self-contained HTML file for one run or many (shards, a kernel matrix): no network, the markup, its
// style and a few lines of script for the filters (status, suite, topology, kernel, a name search). A grid of
// suite × topology by kernel, then per kernel every case: failures open, each with its one-line divergence,
// the state differences, the kernel's report, its steps and the command that replays it; known kernel bugs
// apart from failures, linked to their findings folders; the seed of every run. Every field is escaped.
import { durationText, failureKindText, failureLine, guestsText, runIdentity } from './facts.ts';
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
.filters { position: sticky; top: 0; background: #fff; padding: .5em 0; border-bottom: 1px solid #d0d7de; z-index: 1; }
.filters label { margin-right: 1em; }
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
  const rows = c.steps.map((s) => `<tr class="${esc(s.outcome)}"><td>${s.index}</td><td><code>${esc(s.operation)}</code></td><td><code>${esc(s.expected)}</code></td><td><code>${esc(s.actual)}</code></td><td>${esc(s.outcome)}${s.explainedBy ? ` (${esc(s.explainedBy)})` : ''}</td></tr>`);
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

/** A known bug's folder, written beside the report by daxh run (report.txt, repro.sh, vm.txt, recipe.json). */
const findingLink = (id: string) => `<a class="finding" href="findings/${encodeURIComponent(id)}/report.txt"><code>${esc(id)}</code></a>`;

function caseBlock(r: RunResults, c: CaseResult): string {
  const status = `<span class="${esc(c.status)}">${esc(c.status)}</span>`;
  const body = [
    c.status === 'failed' ? failureBlock(c) : '',
    c.status === 'skipped' ? `<p class="muted">${esc(c.skipReason ?? '')}</p>` : '',
    c.known?.length ? `<p>known kernel bugs: ${c.known.map((k) => `${findingLink(k.id)} at <code>${esc(k.step)}</code>`).join('; ')}</p>` : '',
    c.branches?.length ? `<p>outcomes the kernel chose: ${c.branches.map((b) => `<code>${esc(b.id)}</code> at <code>${esc(b.step)}</code>`).join('; ')}</p>` : '',
    c.status !== 'failed' && c.repro ? `<p>replay: <code class="repro">${esc(c.repro)}</code></p>` : '',
    stepsTable(c),
    c.status !== 'failed' && c.console ? `<h4>kernel console</h4><pre>${esc(c.console)}</pre>` : '',
  ].join('');
  const data = `data-case="${esc(caseId(c))}" data-status="${esc(c.status)}" data-suite="${esc(c.suite)}" data-topology="${esc(c.topology)}" data-kernel="${esc(r.kernel)}"`;
  return `<details class="case ${esc(c.status)}" ${data}${c.status === 'failed' ? ' open' : ''}><summary>${status} ${esc(caseId(c))} <span class="muted">· ${c.checks} checks · ${durationText(c.durationMs)}</span></summary>${body}</details>`;
}

/** Filters by status, suite, topology and kernel, and a search over case names: a few lines of script, no network. */
function filterBar(runs: readonly RunResults[]): string {
  const values = (f: (r: RunResults, c: CaseResult) => string) => [...new Set(runs.flatMap((r) => r.cases.map((c) => f(r, c))))].sort();
  const select = (name: string, label: string, options: string[]) => `<label>${label} <select id="filter-${name}" data-filter="${name}"><option value="">all</option>${options.map((o) => `<option value="${esc(o)}">${esc(o)}</option>`).join('')}</select></label>`;
  return `<form id="filters" class="filters" onsubmit="return false">${select('status', 'status', values((_, c) => c.status))}${select('suite', 'suite', values((_, c) => c.suite))}${select('topology', 'topology', values((_, c) => c.topology))}${select('kernel', 'kernel', values((r) => r.kernel))}<label>case <input id="filter-search" type="search" placeholder="name contains…"></label> <span id="filter-count" class="muted"></span></form>`;
}

const SCRIPT = `
(() => {
  const selects = [...document.querySelectorAll('#filters select')];
  const search = document.getElementById('filter-search');
  const count = document.getElementById('filter-count');
  const apply = () => {
    const want = Object.fromEntries(selects.map((s) => [s.dataset.filter, s.value]));
    const text = search.value.trim().toLowerCase();
    let shown = 0;
    const cases = document.querySelectorAll('details.case');
    for (const d of cases) {
      const ok = Object.entries(want).every(([k, v]) => !v || d.dataset[k] === v) && (!text || d.dataset.case.toLowerCase().includes(text));
      d.hidden = !ok;
      if (ok) shown++;
    }
    count.textContent = shown + ' of ' + cases.length + ' cases';
  };
  for (const s of selects) s.addEventListener('change', apply);
  search.addEventListener('input', apply);
  apply();
})();`;

function runSection(r: RunResults): string {
  const identity = runIdentity(r).map((f) => `<span><strong>${f.key}</strong> ${esc(f.value)}</span>`).join('');
  const t = r.totals;
  const known = new Map<string, { reason: string; hits: number }>();
  for (const c of r.cases) for (const k of c.known ?? []) known.set(k.id, { reason: k.reason, hits: (known.get(k.id)?.hits ?? 0) + 1 });
  const knownList = known.size ? `<h3>Known kernel divergences (not failures)</h3><ul>${[...known].map(([id, k]) => `<li>${findingLink(id)} (${k.hits}×): ${esc(k.reason)}</li>`).join('')}</ul>` : '';
  const failed = r.cases.filter((c) => c.status === 'failed');
  const rest = r.cases.filter((c) => c.status !== 'failed');
  return `<section class="run" data-kernel="${esc(r.kernel)}"><h2>${esc(r.kernel)}</h2><p class="identity">${identity}</p>
<p>${t.passed} passed, ${t.failed} failed, ${t.known} known, ${t.skipped} skipped${t.interrupted ? `, ${t.interrupted} interrupted` : ''} · ${r.checks} checks · ${guestsText(r.guests)} · ${durationText(r.durationMs)}${r.interrupted ? ' · <strong>interrupted</strong>' : ''}</p>
${failed.length ? `<h3>Failures</h3>${failed.map((c) => caseBlock(r, c)).join('')}` : ''}${knownList}<h3>All cases</h3>${rest.map((c) => caseBlock(r, c)).join('')}</section>`;
}

export function htmlReport(runs: readonly RunResults[]): string {
  const title = runs.length === 1 ? `dax-harness: ${runs[0]!.kernel}` : `dax-harness: ${runs.length} kernels`;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title><style>${STYLE}</style></head><body><h1>${esc(title)}</h1>${grid(runs)}${filterBar(runs)}${runs.map(runSection).join('')}<script>${SCRIPT}</script></body></html>\n`;
}
