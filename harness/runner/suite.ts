// How a suite declares its cases. A case says which topologies it runs on and what it needs; the runner
// brings it a provisioned guest and a model-checked stepper. Expected outcomes come from the model.
import type { Capability } from '../../qemu/plan.ts';
import type { Checker } from '../compare/checker.ts';
import type { Op } from '../model/ops.ts';
import type { Inventory } from '../lab/inventory.ts';
import type { LabGuest } from '../lab/session.ts';

export interface CaseContext {
  lab: LabGuest;
  inventory: Inventory;
  checker: Checker;
  topology: string;
  /** Stop this case as skipped, with the reason (e.g. the topology has no device in the needed state). */
  skip(reason: string): never;
  /** Seed for randomised cases; printed with every failure so the run can be replayed. */
  seed: number;
  /** Returns the guest to its provisioned state and gives a new checker starting from the boot inventory. */
  fresh(): Promise<Checker>;
  /** Saves the operations as a replayable recipe for this case's topology and kernel. */
  saveRecipe(ops: readonly Op[]): void;
}

export interface CaseDef {
  name: string;
  topologies: readonly string[];
  requires?: readonly Capability[];
  run(ctx: CaseContext): Promise<void>;
}

export interface Suite {
  name: string;
  /** One line: what this suite guards. */
  about: string;
  cases: readonly CaseDef[];
}

export class SkipCase extends Error {}

export interface CaseInstance {
  suite: string;
  topology: string;
  name: string;
  def: CaseDef;
}

export function instantiate(suites: readonly Suite[]): CaseInstance[] {
  return suites.flatMap((s) => s.cases.flatMap((def) => def.topologies.map((topology) => ({ suite: s.name, topology, name: def.name, def }))));
}

export interface Selection {
  suites?: readonly string[];
  topologies?: readonly string[];
  match?: string;
}

export function select(cases: readonly CaseInstance[], sel: Selection): CaseInstance[] {
  const re = sel.match ? globToRegExp(sel.match) : null;
  return cases.filter(
    (c) =>
      (!sel.suites?.length || sel.suites.includes(c.suite)) &&
      (!sel.topologies?.length || sel.topologies.includes(c.topology)) &&
      (!re || re.test(`${c.suite}/${c.topology}/${c.name}`) || re.test(c.name)),
  );
}

function globToRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/**
 * Shard i of n: whole topologies go to one shard (a guest boots once per shard, not once per case),
 * balanced greedily by case count over a stable order, so every case runs in exactly one shard.
 */
export function shard(cases: readonly CaseInstance[], index: number, count: number): CaseInstance[] {
  const byTopology = new Map<string, number>();
  for (const c of cases) byTopology.set(c.topology, (byTopology.get(c.topology) ?? 0) + 1);
  const order = [...byTopology].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const load = Array.from({ length: count }, () => 0);
  const owner = new Map<string, number>();
  for (const [topology, n] of order) {
    const least = load.indexOf(Math.min(...load));
    owner.set(topology, least);
    load[least]! += n;
  }
  return cases.filter((c) => owner.get(c.topology) === index - 1);
}
