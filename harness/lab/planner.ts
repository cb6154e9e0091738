// From a topology reference to booted guests: validated now (a bad file is exit 2 before anything starts),
// planned once the kernel and each guest's vCPU share are known.
import { topologyOffer } from '../../qemu/expect.ts';
import { builtinTopologyNames, loadTopology } from '../../qemu/load.ts';
import { splitVariants } from '../../qemu/variants.ts';
import type { TopologyOffer } from '../runner/suite.ts';
import { planGuest, type GuestPlan } from '../../qemu/plan.ts';
import type { Prepared } from './prepare.ts';
import { bootLabGuest, type LabGuest } from './session.ts';

export type TopologyPlanner = (p: Prepared, vcpus: number) => (workDir: string) => GuestPlan;

/** Validates now; returns how to plan the guest once the kernel and the guest's vCPU share are known. */
export function topologyPlanner(nameOrPath: string): TopologyPlanner {
  const topology = loadTopology(nameOrPath);
  return (p, vcpus) => (workDir) => planGuest(topology, { workDir, release: p.kernel.release, vcpus });
}

/** Validates every topology of a selection, before the first boot. */
export function plannersFor(topologies: Iterable<string>): Map<string, TopologyPlanner> {
  return new Map([...new Set(topologies)].map((t) => [t, topologyPlanner(t)]));
}

/** How the runner boots a topology's guest on the prepared kernel. */
export function labBooter(prepared: Prepared, planners: ReadonlyMap<string, TopologyPlanner>, vcpus: number, keepConsoleIn?: string) {
  return (topology: string, name: string, snapshots: boolean): Promise<LabGuest> => {
    const planner = planners.get(topology);
    if (!planner) throw new Error(`no planner for topology ${topology}`);
    return bootLabGuest({ prepared, plan: planner(prepared, vcpus), name, snapshots, ...(keepConsoleIn ? { keepConsoleIn } : {}) });
  };
}

/**
 * What the topologies offer cases: the built-ins, or those named (a file or a built-in, variants stripped:
 * a case asks for the variant through its needs). Validates each.
 */
export function offersFor(names: readonly string[] = []): TopologyOffer[] {
  const bases = names.length ? [...new Set(names.map((n) => splitVariants(n).base))] : builtinTopologyNames();
  return bases.map((b) => ({ ...topologyOffer(loadTopology(b)), name: b }));
}
