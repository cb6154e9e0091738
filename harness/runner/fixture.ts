// The guest a topology group's cases share, owned by one fixture: it boots the guest on first use, hands
// every case a guest proven equal to the provisioned inventory, resets it through sysfs after a case, and
// renews it when a case left it unusable (a leak the sysfs undo cannot reach, a kernel warning, a crash, a
// hang, a lost QEMU). Renewal restores a QEMU snapshot of the provisioned machine where the group has one,
// and boots again otherwise. A guest resumed from a saved machine, or booted and saved to the shelf, holds
// that snapshot from the start; without a shelf a group takes its snapshot when it first needs a second
// boot, so groups whose cases all reset through sysfs never pay for one.
import { BootStalledError, GuestSetupError } from '../guest/errors.ts';
import type { LabGuest } from '../lab/session.ts';
import { PROVISIONED_SNAPSHOT } from '../lab/saved-machines.ts';
import type { Action } from '../model/ops.ts';
import type { GuestEvent } from '../report/reporter.ts';
import type { GuestCounts } from '../report/results.ts';
import { matchesInventory, resetGuest } from './reset.ts';

/** Boots and provisions a guest; `snapshots` gives it the drive savevm needs. */
export type BootGuest = (name: string, snapshots: boolean) => Promise<LabGuest>;

/**
 * Sees a live guest whose state is about to go (a restore, a stop), or, with `reset`, a point the caller
 * marks (a change of suite): where the runner reads kernel coverage before it is lost.
 */
export type BeforeLeave = (lab: LabGuest, reset: boolean) => Promise<void>;

export class GuestFixture {
  private lab: LabGuest | null = null;
  /** The guest's snapshot of the provisioned machine and the kernel log position it saved; null while there is none. */
  private snapshot: { name: string; logPosition: number } | null = null;
  /** Guests started, booted or resumed: each gets the next number in its name. */
  private started = 0;
  /** Once the group's guest cannot be set up, every later case fails with this, booted once. */
  private setupFailure: string | null = null;
  private renewBeforeNext = false;
  /** Set by close(): a case body that outlived its case (a timed-out property run) must not boot guests. */
  private closed = false;
  readonly counts: Required<GuestCounts> = { boots: 0, restores: 0, resumes: 0 };

  constructor(
    private readonly bootGuest: BootGuest,
    readonly topology: string,
    private readonly onGuest: (e: GuestEvent) => void = () => {},
    private readonly beforeLeave?: BeforeLeave,
  ) {}

  /** Hands the live guest, if any, to beforeLeave with reset: its state stays. */
  async checkpoint(): Promise<void> {
    if (this.lab?.guest.alive) await this.beforeLeave?.(this.lab, true);
  }

  /** A guest in the provisioned state for the next case. Throws GuestSetupError when there is none. */
  async acquire(lastCase?: string): Promise<LabGuest> {
    if (this.closed) throw new GuestSetupError(`the fixture of ${this.topology} is closed`);
    if (this.setupFailure) throw new GuestSetupError(this.setupFailure);
    if (this.lab && !this.lab.guest.alive) {
      // Lost between cases: nothing ran on it, so it is recorded against the group, not a case.
      this.onGuest({ kind: 'lost', loss: { topology: this.topology, reason: `guest ${this.lab.guest.name} stopped running (QEMU exited)`, ...(lastCase ? { afterCase: lastCase } : {}) } });
      this.renewBeforeNext = true;
    }
    try {
      if (!this.lab) return await this.boot();
      if (this.renewBeforeNext) return await this.renew();
      return this.lab;
    } catch (err) {
      this.setupFailure = `guest for ${this.topology} did not come up: ${err instanceof Error ? err.message : String(err)}`;
      await this.discard();
      throw new GuestSetupError(this.setupFailure);
    }
  }

  /**
   * After a case: back to the provisioned state through sysfs, proven against the inventory. A suspect guest
   * (it warned, crashed or hung) or an unprovable reset means the next case gets a renewed one.
   */
  async settle(history: readonly Action[], suspect: boolean): Promise<void> {
    this.renewBeforeNext = suspect || !this.lab || !(await this.reset(history));
  }

  /** Mid-case: the provisioned state now, by reset if it can be proven, by renewal otherwise. */
  async freshNow(history: readonly Action[]): Promise<LabGuest> {
    if (this.closed) throw new GuestSetupError(`the fixture of ${this.topology} is closed`);
    if (this.lab && (await this.reset(history))) return this.lab;
    return this.renew();
  }

  private async reset(history: readonly Action[]): Promise<boolean> {
    if (!this.lab?.guest.alive) return false;
    return resetGuest(this.lab, history).catch(() => false);
  }

  private async renew(): Promise<LabGuest> {
    this.renewBeforeNext = false;
    if (this.lab && this.snapshot && this.lab.guest.alive) {
      await this.beforeLeave?.(this.lab, false);
      if (await this.restore(this.lab, this.snapshot)) return this.lab;
    }
    await this.discard();
    return this.boot();
  }

  /** The group is done: its guest is stopped, and nothing may boot another one. */
  async close(): Promise<void> {
    this.closed = true;
    await this.discard();
  }

  private async discard(): Promise<void> {
    const lab = this.lab;
    this.lab = null;
    this.snapshot = null;
    if (lab?.guest.alive) await this.beforeLeave?.(lab, false);
    // Died after its last case (a report's damage showing late): recorded, since what it held is lost with it.
    else if (lab && this.closed) this.onGuest({ kind: 'lost', loss: { topology: this.topology, reason: `guest ${lab.guest.name} stopped running (QEMU exited) after the group's last case${this.beforeLeave ? ', before its coverage counters were read' : ''}` } });
    await lab?.guest.stop();
  }

  private async boot(): Promise<LabGuest> {
    if (this.closed) throw new GuestSetupError(`the fixture of ${this.topology} is closed`);
    const second = this.started > 0;
    const t0 = performance.now();
    const boot = () => {
      const name = `${this.topology}-${++this.started}`;
      this.onGuest({ kind: 'booting', topology: this.topology, guest: name });
      // A guest that did not come up was a boot (a failed resume boots before it gives up).
      return this.bootGuest(name, second).catch((err: unknown) => {
        this.counts.boots++;
        throw err;
      });
    };
    const lab = await boot().catch((err: unknown) => {
      // Under TCG on a loaded host a boot can stall (an RCU stall on the console, seen on a 2-core CI
      // machine) where the next one does not. Once, recorded as a lost guest; a kernel that cannot boot
      // stalls again and fails as before.
      if (!(err instanceof BootStalledError) || this.closed) throw err;
      this.onGuest({ kind: 'lost', loss: { topology: this.topology, reason: `${err.message.split('\n')[0]}; booting once more` } });
      return boot();
    });
    if (this.closed) {
      await lab.guest.stop();
      throw new GuestSetupError(`the fixture of ${this.topology} closed while its guest booted`);
    }
    this.lab = lab;
    this.renewBeforeNext = false;
    if (lab.origin === 'resumed') this.counts.resumes++;
    else this.counts.boots++;
    if (lab.provisioned) this.snapshot = { name: lab.provisioned.snapshot, logPosition: lab.provisioned.logPosition };
    // A machine QEMU cannot snapshot (a device without migration support) still runs; it reboots instead.
    else if (second) this.snapshot = await lab.guest.saveSnapshot(PROVISIONED_SNAPSHOT).then(() => ({ name: PROVISIONED_SNAPSHOT, logPosition: lab.driver.logPosition }), () => null);
    const skipped = lab.provisioning.flatMap((p) => (p.status === 'skipped' ? [{ topology: this.topology, step: p.step, reason: p.reason }] : []));
    this.onGuest({ kind: 'boot', topology: this.topology, guest: lab.guest.name, seconds: (performance.now() - t0) / 1000, skipped, resumed: lab.origin === 'resumed' });
    return lab;
  }

  private async restore(lab: LabGuest, snapshot: { name: string; logPosition: number }): Promise<boolean> {
    const t0 = performance.now();
    try {
      await lab.guest.loadSnapshot(snapshot.name);
      lab.driver.rewindLog(snapshot.logPosition);
      if (!matchesInventory(lab, await lab.driver.observe())) return false;
      this.counts.restores++;
      this.onGuest({ kind: 'restore', topology: this.topology, guest: lab.guest.name, seconds: (performance.now() - t0) / 1000 });
      return true;
    } catch {
      return false;
    }
  }
}
