// A booted, provisioned guest for one topology on the prepared kernel: the unit every command and suite
// works with. Whatever happens inside `withLabGuest`, the guest is stopped afterwards.
import { GuestDriver } from '../driver/driver.ts';
import type { LabDriver } from '../driver/step-driver.ts';
import { Guest } from '../guest/guest.ts';
import type { GuestMachine } from '../guest/machine.ts';
import { plainMachine, type GuestPlan } from '../../qemu/plan.ts';
import { abiFor } from '../abi/kernel.ts';
import { GuestSetupError } from '../guest/errors.ts';
import { CAPABILITY_PROBE, parseCapabilities, probedRelease, type Capabilities } from './capabilities.ts';
import { probeAbi } from './probe.ts';
import type { Prepared } from './prepare.ts';
import { loneGuestVcpus } from './host-share.ts';
import { MACHINE_PROBE, buildInventory, parseMachineProbe, type Inventory } from './inventory.ts';
import { provision, type ProvisionOutcome } from './provision.ts';

/** What cases and the runner work with; the fake lab (harness/testing) implements it without QEMU. */
export interface LabGuest {
  guest: GuestMachine;
  driver: LabDriver;
  plan: GuestPlan | null;
  caps: Capabilities;
  /** Every provisioning step, done or skipped with its reason (reports list the skipped ones). */
  provisioning: ProvisionOutcome[];
  inventory: Inventory;
}

/** TAINT_UNSIGNED_MODULE ('E'): a module failed signature verification and loaded anyway. */
const TAINT_UNSIGNED_MODULE = 1 << 13;

export interface BootRequest {
  prepared: Prepared;
  /** The topology's plan for a given work dir; null boots a guest with no dax memory at all. */
  plan: ((workDir: string) => GuestPlan) | null;
  name: string;
  keepConsoleIn?: string;
  /** Boot with the drive QEMU snapshots need (GuestMachine.saveSnapshot). */
  snapshots?: boolean;
}

export async function bootLabGuest(req: BootRequest): Promise<LabGuest> {
  let plan: GuestPlan | null = null;
  const guest = await Guest.boot({
    name: req.name,
    kernel: req.prepared.kernel,
    image: req.prepared.image,
    accel: req.prepared.accel,
    qemu: req.prepared.qemu,
    append: req.prepared.append,
    setup: (workDir) => {
      plan = req.plan ? req.plan(workDir) : null;
      return plan ?? plainMachine(loneGuestVcpus());
    },
    ...(req.keepConsoleIn ? { keepConsoleIn: req.keepConsoleIn } : {}),
    ...(req.snapshots ? { snapshots: true } : {}),
  });
  try {
    const probe = await guest.run(CAPABILITY_PROBE);
    const caps = parseCapabilities(probe, abiFor(probedRelease(probe)));
    const driver = await GuestDriver.attach(guest);
    const provisioning = plan ? await provision(guest, (plan as GuestPlan).provisioning, caps) : [];
    const { observation, facts } = await driver.snapshot();
    const machine = parseMachineProbe(await guest.run(MACHINE_PROBE));
    if (req.prepared.kernel.origin === 'debian' && machine.tainted & TAINT_UNSIGNED_MODULE) {
      throw new GuestSetupError(`kernel ${caps.release} loaded a module whose signature it could not verify (taint E): the cached module packages are not the ones Debian signed; delete ${req.prepared.kernel.modulesDir} and run again`);
    }
    const inventory = buildInventory(observation, facts, caps, machine, await probeAbi(guest));
    return { guest, plan, caps, provisioning, driver, inventory };
  } catch (err) {
    await guest.stop();
    throw err;
  }
}

export async function withLabGuest<T>(req: BootRequest, fn: (g: LabGuest) => Promise<T>): Promise<T> {
  const lab = await bootLabGuest(req);
  try {
    return await fn(lab);
  } finally {
    await lab.guest.stop();
  }
}
