// How a suite declares its cases. A case says what it needs (a kind of region, providers, kernel features,
// how the guest boots); which topologies it runs on follows from what each topology provides, so a new
// topology needs no edit in suites/. The runner brings each case a provisioned, proven-clean guest, the
// region it asked for, and a model-checked stepper. Expected outcomes come from the model.
import type { Capability } from '../abi/capabilities.ts';
import type { Provider } from '../abi/providers.ts';
import type { Checker } from '../compare/checker.ts';
import type { Action } from '../model/ops.ts';
import type { Inventory, ProvisionedRegion } from '../lab/inventory.ts';
import type { LabGuest } from '../lab/session.ts';

export interface CaseContext {
  lab: LabGuest;
  inventory: Inventory;
  checker: Checker;
  topology: string;
  /** The region the case asked for (its needs' kind and providers), from the provisioned inventory. */
  region: ProvisionedRegion;
  /** Stop this case as skipped, with the reason (e.g. the topology has no device in the needed state). */
  skip(reason: string): never;
  /** Seed for randomised cases; printed with every failure so the run can be replayed. */
  seed: number;
  /** Returns the guest to its provisioned state and gives a new checker starting from the boot inventory. */
  fresh(): Promise<Checker>;
  /** Saves the operations as a replayable recipe for this case's topology and kernel. */
  saveRecipe(history: readonly Action[]): void;
}

export interface CaseNeeds {
  /** The kind of region the case works on (default any). */
  region?: 'dynamic' | 'static' | 'any';
  /** Only regions from these providers (default every provider). */
  providers?: readonly Provider[];
  /**
   * Which topologies run it: every one that provides the region, or one per provider (the smallest
   * topology that has it), to keep long cases from repeating on look-alike topologies. Default every.
   */
  spread?: 'every-topology' | 'each-provider';
  /**
   * How the guest boots: as the topology says, with memory_hotplug.memmap_on_memory=1 (+mom), both, or
   * with kmem memory onlined movable (+movable: offlining it never meets an unmovable page).
   */
  boots?: 'plain' | 'mom' | 'both' | 'movable';
  /** What the kernel must have; a kernel without it skips the case with the reason. */
  requires?: readonly Capability[];
  /**
   * The case checks what came up as a whole (the inventory against the plan): it runs on the topologies
   * that fit, gets no region of its own, and is never skipped for lack of one (a missing region is its finding).
   */
  wholeGuest?: boolean;
}

export interface CaseDef {
  name: string;
  needs: CaseNeeds;
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

/** What a topology provides, as far as cases care: its regions' providers and kinds (kernel-independent). */
export interface TopologyOffer {
  name: string;
  regions: readonly { provider: Provider; kind: 'static' | 'dynamic' }[];
}

const BOOTS: Record<NonNullable<CaseNeeds['boots']>, readonly string[]> = { plain: [''], mom: ['+mom'], both: ['', '+mom'], movable: ['+movable'] };

/** Whether a region satisfies a case's needs. */
export function regionFits(needs: CaseNeeds, r: { provider: Provider; kind?: 'static' | 'dynamic'; dynamic?: boolean }): boolean {
  const kind = r.kind ?? (r.dynamic ? 'dynamic' : 'static');
  return (needs.region === undefined || needs.region === 'any' || needs.region === kind) && (!needs.providers || needs.providers.includes(r.provider));
}

/** The topologies a case runs on, from what each offers. Pure. */
export function topologiesFor(needs: CaseNeeds, offers: readonly TopologyOffer[]): string[] {
  const fitting = offers.filter((o) => o.regions.some((r) => regionFits(needs, r)));
  let chosen: TopologyOffer[] = fitting;
  if (needs.spread === 'each-provider') {
    // The smallest topology (fewest regions, then name) for each provider the case accepts.
    const providers = [...new Set(fitting.flatMap((o) => o.regions.filter((r) => regionFits(needs, r)).map((r) => r.provider)))];
    const smallest = (p: Provider) => fitting.filter((o) => o.regions.some((r) => r.provider === p && regionFits(needs, r))).sort((a, b) => a.regions.length - b.regions.length || a.name.localeCompare(b.name))[0]!;
    chosen = [...new Set(providers.map(smallest))];
  }
  const boots = needs.boots ?? 'plain';
  return chosen.flatMap((o) => BOOTS[boots].map((suffix) => `${o.name}${suffix}`));
}

export function instantiate(suites: readonly Suite[], offers: readonly TopologyOffer[]): CaseInstance[] {
  return suites.flatMap((s) => s.cases.flatMap((def) => topologiesFor(def.needs, offers).map((topology) => ({ suite: s.name, topology, name: def.name, def }))));
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
