// The flags that choose cases, shared by run and matrix (which passes them on to each kernel's run).
import { registeredSuites } from '../runner/catalog.ts';
import { instantiate, select, type CaseInstance } from '../runner/suite.ts';
import { offersFor, plannersFor, type TopologyPlanner } from '../lab/planner.ts';
import { UsageError } from './errors.ts';

export const SELECTION_OPTIONS = {
  suite: { type: 'string', multiple: true },
  topology: { type: 'string', multiple: true },
  match: { type: 'string' },
  jobs: { type: 'string' },
  seed: { type: 'string' },
} as const;

export function checkSuiteNames(names: readonly string[] = []): void {
  const known = new Set(registeredSuites().map((s) => s.name));
  for (const s of names) if (!known.has(s)) throw new UsageError(`--suite ${s}: no such suite; use one of ${[...known].join(', ')}`);
}

/**
 * The cases the selection flags choose, every name and topology checked first (a bad topology file costs
 * nothing): one line naming the flags when they choose nothing, with the command that lists what there is.
 */
export function selectedCases(values: { suite?: string[]; topology?: string[]; match?: string }, command: string): { cases: CaseInstance[]; planners: Map<string, TopologyPlanner> } {
  checkSuiteNames(values.suite);
  if (values.match !== undefined && values.match.length > 1024) throw new UsageError(`${command}: --match of ${values.match.length} characters; a glob over case names has at most 1024`);
  const planners = plannersFor(values.topology ?? []);
  const cases = select(instantiate(registeredSuites(), offersFor(values.topology ?? [])), { suites: values.suite ?? [], topologies: values.topology ?? [], ...(values.match ? { match: values.match } : {}) });
  const scope = [...(values.suite ?? []).map((x) => `--suite ${x}`), ...(values.topology ?? []).map((x) => `--topology ${x}`)];
  const given = [...scope, ...(values.match ? [`--match '${values.match}'`] : [])].join(' ');
  if (cases.length === 0) throw new UsageError(`${command}: ${given} select no case; ${['daxh run', ...scope, '--list'].join(' ')} shows the cases there are`);
  return { cases, planners };
}
