// The guest a topology group's cases share, and how it comes back when a case leaves it unusable (a leak
// the sysfs undo cannot reach, a kernel warning, a crash, a hang): the provisioned machine is restored from
// a QEMU snapshot where the group has one, and booted again otherwise. A group takes its snapshot when it
// first needs a second boot, so groups whose cases all reset through sysfs never pay for one.
import type { LabGuest } from '../lab/session.ts';
import type { GuestCounts } from '../report/results.ts';
import { matchesInventory } from './reset.ts';

const PROVISIONED = 'provisioned';

export class GroupGuest {
  private lab: LabGuest | null = null;
  /** The kernel log position when the snapshot was taken; null while there is no snapshot. */
  private snapshotLog: number | null = null;
  readonly counts: GuestCounts = { boots: 0, restores: 0 };

  constructor(
    /** Boots and provisions a guest; `snapshots` gives it the drive savevm needs. */
    private readonly bootGuest: (name: string, snapshots: boolean) => Promise<LabGuest>,
    private readonly topology: string,
  ) {}

  /** The guest in use, booted on first call. */
  async current(): Promise<LabGuest> {
    return this.lab ?? (await this.boot());
  }

  /** A guest in the provisioned state: the snapshot restored and proven equal to the inventory, or a new boot. */
  async renew(): Promise<LabGuest> {
    if (this.lab && this.snapshotLog !== null && this.lab.guest.alive && (await this.restore(this.lab, this.snapshotLog))) return this.lab;
    await this.discard();
    return this.boot();
  }

  async discard(): Promise<void> {
    await this.lab?.guest.stop();
    this.lab = null;
    this.snapshotLog = null;
  }

  private async boot(): Promise<LabGuest> {
    const second = this.counts.boots > 0;
    this.lab = await this.bootGuest(`${this.topology}-${++this.counts.boots}`, second);
    // A machine QEMU cannot snapshot (a device without migration support) still runs; it reboots instead.
    if (second) this.snapshotLog = await this.lab.guest.saveSnapshot(PROVISIONED).then(() => this.lab!.driver.logPosition, () => null);
    return this.lab;
  }

  private async restore(lab: LabGuest, logPosition: number): Promise<boolean> {
    try {
      await lab.guest.loadSnapshot(PROVISIONED);
      lab.driver.rewindLog(logPosition);
      const ok = matchesInventory(lab, await lab.driver.observe());
      if (ok) this.counts.restores++;
      return ok;
    } catch {
      return false;
    }
  }
}
