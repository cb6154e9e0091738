// --topology: a built-in name or a file, validated before anything starts (a bad file is exit 2, no QEMU).
import type { Prepared } from '../lab/prepare.ts';
import { kernelVersion } from '../lab/capabilities.ts';
import { loadTopology } from '../../qemu/load.ts';
import { planGuest, type GuestPlan } from '../../qemu/plan.ts';

/** Validates now; returns how to plan the guest once the kernel and the guest's vCPU share are known. */
export function topologyPlanner(nameOrPath: string): (p: Prepared, vcpus: number) => (workDir: string) => GuestPlan {
  const topology = loadTopology(nameOrPath);
  return (p, vcpus) => (workDir) => planGuest(topology, { workDir, kernelMajorMinor: kernelVersion(p.kernel.release), vcpus });
}
