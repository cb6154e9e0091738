// From a topology reference to booted guests: validated now (a bad file is exit 2 before anything starts),
// planned once the kernel and each guest's vCPU share are known.
import { topologyOffer } from '../../qemu/expect.ts';
import { builtinTopologyNames, loadTopology } from '../../qemu/load.ts';
import { splitVariants } from '../../qemu/variants.ts';
import type { TopologyOffer } from '../runner/suite.ts';
import { planGuest, type GuestPlan } from '../../qemu/plan.ts';
import type { Prepared } from './prepare.ts';
import { bootLabGuest, type LabGuest } from './session.ts';
import type { MachineShelf } from './saved-machines.ts';

/** A topology's plan, given the kernel release, the guest's vCPU share and its work dir. */
export type TopologyPlanner = (release: string, vcpus: number) => (workDir: string) => GuestPlan;

/**
 * Validates now; returns how to plan the guest once the kernel and the guest's vCPU share are known.
 * `label` is how a message names where the reference came from (the flag, or a recipe's field).
 */
export function topologyPlanner(nameOrPath: string, label = '--topology'): TopologyPlanner {
  const topology = loadTopology(nameOrPath, label);
  return (release, vcpus) => (workDir) => planGuest(topology, { workDir, release, vcpus });
}

/** Validates every topology of a selection, before the first boot. */
export function plannersFor(topologies: Iterable<string>): Map<string, TopologyPlanner> {
  return new Map([...new Set(topologies)].map((t) => [t, topologyPlanner(t)]));
}

/**
 * How the runner boots a topology's guest on the prepared kernel. With a shelf every guest can snapshot:
 * its first boot is what the shelf saves, and what later groups and runs resume.
 */
export function labBooter(prepared: Prepared, planners: ReadonlyMap<string, TopologyPlanner>, vcpus: number, keepConsoleIn?: string, shelf?: MachineShelf) {
  return (topology: string, name: string, snapshots: boolean): Promise<LabGuest> => {
    const planner = planners.get(topology);
    if (!planner) throw new Error(`no planner for topology ${topology}`);
    return bootLabGuest({ prepared, plan: planner(prepared.kernel.release, vcpus), name, snapshots: snapshots || shelf !== undefined, ...(keepConsoleIn ? { keepConsoleIn } : {}), ...(shelf ? { shelf } : {}) });
  };
}

/**
 * What the topologies offer cases: the built-ins, or those named (a file or a built-in, variants stripped:
 * a case asks for the variant through its needs). Validates each.
 */
export function offersFor(names: readonly string[] = []): TopologyOffer[] {
  const bases = names.length ? [...new Set(names.map((n) => splitVariants(n).base))] : builtinTopologyNames();
  return bases.map((b) => ({ ...topologyOffer(loadTopology(b, '--topology')), name: b }));
}
