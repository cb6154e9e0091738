// A provisioned guest for one topology on the prepared kernel, booted or resumed from a saved machine: the
// unit every command and suite works with. Whatever happens inside `withLabGuest`, the guest is stopped
// afterwards.
import { GuestDriver } from '../driver/driver.ts';
import type { LabDriver } from '../driver/step-driver.ts';
import { Guest } from '../guest/guest.ts';
import type { GuestMachine } from '../guest/machine.ts';
import { plainMachine, type GuestPlan } from '../../qemu/plan.ts';
import { abiFor } from '../abi/kernel.ts';
import { GuestSetupError } from '../guest/errors.ts';
import { CAPABILITY_PROBE, parseCapabilities, probedRelease, type Capabilities } from './capabilities.ts';
import { KSTRTOBOOL_PROBE, probeAbi } from './probe.ts';
import type { Prepared } from './prepare.ts';
import { loneGuestVcpus } from './host-share.ts';
import { MACHINE_PROBE, buildInventory, parseMachineProbe, type Inventory } from './inventory.ts';
import { provision, type ProvisionOutcome } from './provision.ts';
import { interruption } from '../guest/registry.ts';
import { qemuArgs } from '../../qemu/base-args.ts';
import { PROVISIONED_SNAPSHOT, machineKey, qemuBinaryIdentity, type MachineIdentity, type MachineProbes, type MachineShelf, type SavedMachine } from './saved-machines.ts';

/** What cases and the runner work with; the fake lab (harness/testing) implements it without QEMU. */
export interface LabGuest {
  guest: GuestMachine;
  driver: LabDriver;
  plan: GuestPlan | null;
  caps: Capabilities;
  /** Every provisioning step, done or skipped with its reason (reports list the skipped ones). */
  provisioning: ProvisionOutcome[];
  inventory: Inventory;
  /** How the guest came: a cold boot, or resumed from a saved machine. */
  origin: 'booted' | 'resumed';
  /** A snapshot of the provisioned machine the guest already holds, and the kernel log position it saved. */
  provisioned?: { snapshot: string; logPosition: number };
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
  /**
   * Saved provisioned machines: one equal to this request's is resumed instead of booted, and a cold boot
   * saves its provisioned machine there. Only with `snapshots`, and only for machines QEMU can snapshot.
   */
  shelf?: MachineShelf;
}

/**
 * A provisioned guest for the request: resumed from the shelf where it holds an equal machine, else booted
 * and provisioned (and then saved to the shelf).
 */
export async function bootLabGuest(req: BootRequest): Promise<LabGuest> {
  const layout = req.plan?.(WORK_DIR_MARK);
  if (!req.shelf || !req.snapshots || !layout || layout.snapshotSafe === false) {
    const { probes: _probes, ...lab } = await coldBoot(req);
    return lab;
  }
  const key = machineKey(await machineIdentity(req.prepared, layout));
  const saved = await req.shelf.find(key);
  if (saved) {
    try {
      return await resume(req, saved);
    } catch (err) {
      // A saved machine this QEMU cannot load (firmware of another size, say) is replaced by a fresh one.
      if (interruption.aborted) throw err;
      await req.shelf.drop(key);
    }
  }
  const { probes, ...lab } = await coldBoot(req);
  try {
    await lab.guest.saveSnapshot(PROVISIONED_SNAPSHOT);
    const state = (lab.driver as GuestDriver).savedState;
    const guest = lab.guest as Guest;
    await req.shelf.put(key, { ...guest.saveFiles, console: guest.console.lines.join('\n') }, { ...state, probes, provisioning: lab.provisioning, topology: layout.topology, kernel: req.prepared.kernel.release });
    return { ...lab, provisioned: { snapshot: PROVISIONED_SNAPSHOT, logPosition: state.logPosition } };
  } catch {
    // Saving is an optimisation: the booted guest serves the group as it is (renewals boot again).
    return lab;
  }
}

/** The per-guest work dir as the machine key sees it: equal machines differ only in where they run. */
const WORK_DIR_MARK = '/@work';

async function machineIdentity(prepared: Prepared, layout: GuestPlan): Promise<MachineIdentity> {
  const files = { kernel: '@kernel', initrd: '@initrd', qmpSocket: '@qmp', sshPort: 0, vmstate: '@vmstate' };
  const args = qemuArgs(layout, files, prepared.accel, prepared.append);
  return { imageKey: prepared.image.key, qemu: await qemuBinaryIdentity(prepared.qemu), args, provisioning: layout.provisioning, probes: [CAPABILITY_PROBE, MACHINE_PROBE, KSTRTOBOOL_PROBE] };
}

async function coldBoot(req: BootRequest): Promise<LabGuest & { probes: MachineProbes }> {
  let plan: GuestPlan | null = null;
  const guest = await Guest.boot({
    ...guestOptions(req),
    setup: (workDir) => {
      plan = req.plan ? req.plan(workDir) : null;
      return plan ?? plainMachine(loneGuestVcpus());
    },
    ...(req.snapshots ? { snapshots: true } : {}),
  });
  return withGuest(guest, async () => {
    const capsText = await guest.run(CAPABILITY_PROBE);
    const caps = capabilitiesOf(capsText);
    const driver = await GuestDriver.attach(guest);
    const provisioning = plan ? await provision(guest, (plan as GuestPlan).provisioning, caps) : [];
    const probes: MachineProbes = { caps: capsText, machine: await guest.run(MACHINE_PROBE), abi: await probeAbi(guest) };
    return { guest, plan, caps, provisioning, driver, inventory: await takeInventory(req, driver, caps, probes), origin: 'booted', probes };
  });
}

/**
 * A saved machine resumed: its kernel, modules and provisioning are those it was saved with, so the probes
 * it answered then stand; only the dax bus is observed again, so the inventory is the live machine's.
 */
async function resume(req: BootRequest, saved: SavedMachine): Promise<LabGuest> {
  let plan: GuestPlan | null = null;
  const guest = await Guest.boot({
    ...guestOptions(req),
    setup: (workDir) => (plan = req.plan!(workDir)),
    resume: saved.files,
  });
  return withGuest(guest, async () => {
    const caps = capabilitiesOf(saved.probes.caps);
    const driver = GuestDriver.resume(guest, saved);
    const inventory = await takeInventory(req, driver, caps, saved.probes);
    return { guest, plan, caps, provisioning: saved.provisioning, driver, inventory, origin: 'resumed', provisioned: { snapshot: saved.files.snapshot, logPosition: saved.logPosition } };
  });
}

function guestOptions(req: BootRequest) {
  const p = req.prepared;
  return { name: req.name, kernel: p.kernel, image: p.image, accel: p.accel, qemu: p.qemu, append: p.append, ...(req.keepConsoleIn ? { keepConsoleIn: req.keepConsoleIn } : {}) };
}

/** Runs `fn` on a started guest; a guest that fails it is stopped. */
async function withGuest<T>(guest: Guest, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    await guest.stop();
    throw err;
  }
}

function capabilitiesOf(probe: string): Capabilities {
  return parseCapabilities(probe, abiFor(probedRelease(probe)));
}

async function takeInventory(req: BootRequest, driver: GuestDriver, caps: Capabilities, probes: MachineProbes): Promise<Inventory> {
  const { observation, facts } = await driver.snapshot();
  const machine = parseMachineProbe(probes.machine);
  if (req.prepared.kernel.origin === 'debian' && machine.tainted & TAINT_UNSIGNED_MODULE) {
    throw new GuestSetupError(`kernel ${caps.release} loaded a module whose signature it could not verify (taint E): the cached module packages are not the ones Debian signed; delete ${req.prepared.kernel.modulesDir} and run again`);
  }
  return buildInventory(observation, facts, caps, machine, probes.abi);
}

export async function withLabGuest<T>(req: BootRequest, fn: (g: LabGuest) => Promise<T>): Promise<T> {
  const lab = await bootLabGuest(req);
  try {
    return await fn(lab);
  } finally {
    await lab.guest.stop();
  }
}
