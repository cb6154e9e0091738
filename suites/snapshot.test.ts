// Renewing a guest from its QEMU snapshot: what the runner does when a case leaves the guest in a state the
// sysfs undo cannot reach. The restored guest must be the provisioned one, with its kernel log picked up
// exactly where the snapshot left it.
import test from 'ava';
import { diff } from '../harness/compare/diff.ts';
import { loneGuestVcpus } from '../harness/lab/host-share.ts';
import { bootLabGuest, type LabGuest } from '../harness/lab/session.ts';
import { topologyPlanner } from '../harness/lab/planner.ts';
import { GuestFixture } from '../harness/runner/fixture.ts';
import { resetGuest } from '../harness/runner/reset.ts';
import type { Op } from '../harness/model/ops.ts';
import { kernel } from './fixture.ts';

/** Unbinding kmem while its blocks are online leaves them hot-plugged until reboot. */
async function leak(lab: LabGuest): Promise<{ history: Op[]; log: string[] }> {
  const kmem = lab.inventory.devices.find((d) => d.driver === 'kmem');
  if (!kmem) throw new Error('the hmem guest has no kmem-bound device');
  const history: Op[] = [{ op: 'write', ref: { kind: 'driver', driver: 'kmem', attr: 'unbind' }, value: kmem.name }];
  const step = await lab.driver.step(history);
  return { history, log: step.kernelLog.map((l) => l.msg) };
}

const LEAK_LINE = /cannot be hotremoved until the next reboot/;

test.serial('a guest that leaked hot-plugged memory is renewed from its snapshot as provisioned, its kernel log in step', async (t) => {
  const p = await kernel();
  const fixture = new GuestFixture((name, snapshots) => bootLabGuest({ prepared: p, plan: topologyPlanner('hmem')(p.kernel.release, loneGuestVcpus()), name: `snap-${name}`, snapshots }), 'hmem');
  try {
    const first = await fixture.acquire();
    const leaked = await leak(first);
    t.is(leaked.log.filter((l) => LEAK_LINE.test(l)).length, 1, leaked.log.join('\n'));
    t.false(await resetGuest(first, leaked.history), 'the sysfs undo cannot bring leaked memory back');

    await fixture.settle(leaked.history, false);
    const second = await fixture.acquire();
    t.deepEqual(fixture.counts, { boots: 2, restores: 0 }, 'no snapshot yet: the first renewal boots, and that boot takes one');
    const again = await leak(second);
    await fixture.settle(again.history, false);
    const third = await fixture.acquire();
    t.deepEqual(fixture.counts, { boots: 2, restores: 1 });
    t.is(third, second, 'the same QEMU, restored');
    t.deepEqual(diff(third.inventory.observation, await third.driver.observe()), []);

    // The log went back with the machine: the next leak is reported once, neither lost nor doubled.
    const after = await leak(third);
    t.is(after.log.filter((l) => LEAK_LINE.test(l)).length, 1, after.log.join('\n'));
    t.is(again.log.filter((l) => LEAK_LINE.test(l)).length, 1);
    t.regex((await third.guest.run('cat /proc/cmdline')), /\btsc=unstable\b/);
  } finally {
    await fixture.close();
  }
});
