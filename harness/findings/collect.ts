// The bugs a run (or several: a 6.12 run and a 7.3 debug run) found, one entry each: every known row it hit,
// and every failure no row explains, grouped as the results' findings are (report/facts.ts findingKey).
// Pure: the results in, the findings out; writing their folders is write.ts.
import { knownRow, type AnyKnownRow } from '../model/divergences.ts';
import { findingGroups, findingKey, failureLine } from '../report/facts.ts';
import { caseId, type CaseResult, type RunResults, type SeriesVerdict, type StepRecord } from '../report/results.ts';
import type { KernelReport } from '../compare/judge.ts';

/** One case that hit the bug, on one kernel. */
export interface Hit {
  kernel: string;
  profile?: string;
  case: string;
  topology: string;
  /** The step that showed it: the operation (or the report's first line), and what the model said and the kernel did. */
  step: string;
  record?: StepRecord;
  report?: KernelReport;
  /** The console or kernel log around it. */
  excerpt?: string;
  recipe?: string;
  consoleFile?: string;
}

export interface Finding {
  /** Its folder's name: the known row's id, or `new-N` for a failure no row explains. */
  id: string;
  /** The known row, for a bug the harness has explained. */
  row?: AnyKnownRow;
  subject: string;
  hits: Hit[];
  /** For a new failure: the first failed case, with its divergence and failure text. */
  failure?: CaseResult;
  /** Replays of its recipe on other Debian series (run --replay-findings). */
  replays: SeriesVerdict[];
}

function hitOf(run: RunResults, c: CaseResult, step: string, record?: StepRecord): Hit {
  return {
    kernel: run.kernel,
    ...(run.profile ? { profile: run.profile } : {}),
    case: caseId(c),
    topology: c.topology,
    step,
    ...(record ? { record } : {}),
    ...(c.kernelReport ? { report: c.kernelReport } : {}),
    ...(c.console ? { excerpt: c.console } : {}),
    ...(c.recipe ? { recipe: c.recipe } : {}),
    ...(c.consoleFile ? { consoleFile: c.consoleFile } : {}),
  };
}

export function collectFindings(runs: readonly RunResults[]): Finding[] {
  const byId = new Map<string, Finding>();
  const add = (id: string, make: () => Omit<Finding, 'hits' | 'replays'>, hit: Hit, replays: readonly SeriesVerdict[] = []) => {
    const f = byId.get(id) ?? { ...make(), hits: [], replays: [] };
    f.hits.push(hit);
    for (const r of replays) if (!f.replays.some((x) => x.series === r.series)) f.replays.push(r);
    byId.set(id, f);
  };
  for (const run of runs) {
    for (const c of run.cases) {
      for (const k of c.known ?? []) {
        const row = knownRow(k.id);
        const record = c.steps?.find((s) => s.explainedBy === k.id);
        add(k.id, () => ({ id: k.id, ...(row ? { row } : {}), subject: row?.subject ?? k.reason }), hitOf(run, c, record?.operation ?? k.step, record));
      }
    }
    const replaysOf = new Map((run.findings ?? []).map((f) => [f.key, f.replays ?? []]));
    for (const { key, hits } of findingGroups(run.cases)) {
      const existing = [...byId.values()].find((f) => f.failure && findingKey(f.failure) === key);
      const id = existing?.id ?? `new-${[...byId.keys()].filter((k) => k.startsWith('new-')).length + 1}`;
      for (const c of hits) {
        const record = c.steps?.find((s) => s.outcome === 'diverged');
        add(id, () => ({ id, subject: failureLine(c), failure: c }), hitOf(run, c, record?.operation ?? failureLine(c), record), replaysOf.get(key));
      }
    }
  }
  return [...byId.values()];
}

/** The kernels a finding was hit on, each once, in the order first seen. */
export const kernelsOf = (f: Finding): string[] => [...new Set(f.hits.map((h) => h.kernel))];
