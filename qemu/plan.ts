// Everything the guest layer needs to boot and provision one topology on one kernel. Pure: the guest
// layer adds the base machine arguments (qemu/base-args.ts), creates the backing files and runs the steps.
import { abiFor } from '../harness/abi/kernel.ts';
import { kernelCmdline } from './cmdline.ts';
import { expectedInventory, type ExpectedInventory } from './expect.ts';
import { machineArgs, type MachineArgs } from './qemu-args.ts';
import { provisioningSteps, type ProvisionStep } from './provisioning.ts';
import type { GuestTopology } from './validate.ts';

export type { Capability, ProvisionStep } from './provisioning.ts';
export type { ExpectedInventory, ExpectedRegion } from './expect.ts';
export type { BackingFile } from './qemu-args.ts';

export interface GuestPlan extends MachineArgs {
  topology: string;
  /** Kernel command-line words for this topology. */
  cmdline: string[];
  /** Run in order in the guest over SSH after boot. */
  provisioning: ProvisionStep[];
  expect: ExpectedInventory;
}

export interface PlanOptions {
  workDir: string;
  /** The kernel's release (uname -r), whose ABI row decides what the topology turns into. */
  release: string;
  /** vCPUs when the topology does not fix them: the guest's share of the host (harness/lab/host-share.ts). */
  vcpus: number;
}

/** Throws TopologyError when the topology asks for something this kernel cannot parse. */
export function planGuest(topology: GuestTopology, opts: PlanOptions): GuestPlan {
  const expect = expectedInventory(topology, opts.release);
  return {
    topology: topology.name,
    ...machineArgs(topology, opts.workDir, opts.vcpus),
    cmdline: kernelCmdline(topology, opts.release),
    provisioning: provisioningSteps(topology, expect, abiFor(opts.release)),
    expect,
  };
}

/** A guest with no dax memory at all (lab checks, boot benchmarks, `daxh exec` without --topology). */
export function plainMachine(vcpus: number): MachineArgs & { cmdline: string[] } {
  return { machine: 'q35', cpu: null, memory: '1G', smp: vcpus, args: [], cmdline: [], backingFiles: [], snapshotSafe: true };
}
