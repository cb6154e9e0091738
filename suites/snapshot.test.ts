// Renewing a guest from its QEMU snapshot: what the runner does when a case leaves the guest in a state the
// sysfs undo cannot reach. The restored guest must be the provisioned one, with its kernel log picked up
// exactly where the snapshot left it. And resuming a provisioned guest saved on disk by an earlier run:
// it must be the guest a boot makes.
import test from 'ava';
import { mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DiskShelf } from '../harness/lab/saved-machines.ts';
import { READY_MARKER } from '../images/init-script.ts';
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
    t.deepEqual(fixture.counts, { boots: 2, restores: 0, resumes: 0 }, 'no snapshot yet: the first renewal boots, and that boot takes one');
    const again = await leak(second);
    await fixture.settle(again.history, false);
    const third = await fixture.acquire();
    t.deepEqual(fixture.counts, { boots: 2, restores: 1, resumes: 0 });
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

test.serial('a provisioned guest saved on disk is resumed by the next group as the guest a boot makes; a damaged one is booted and saved anew', async (t) => {
  const p = await kernel();
  const dir = await mkdtemp(join(tmpdir(), 'daxh-shelf-'));
  const shelf = new DiskShelf(dir);
  const planner = topologyPlanner('hmem')(p.kernel.release, loneGuestVcpus());
  const group = () => new GuestFixture((name) => bootLabGuest({ prepared: p, plan: planner, name: `shelf-${name}`, snapshots: true, shelf }), 'hmem');
  try {
    const first = group();
    const booted = await first.acquire();
    const bootedLog = await booted.guest.run('dmesg | grep -c . ');
    await first.close();
    t.deepEqual(first.counts, { boots: 1, restores: 0, resumes: 0 });
    const [saved] = await shelf.list();
    t.truthy(saved?.topology === 'hmem' && saved.bytes > 0n, 'the boot saved its provisioned machine');

    const second = group();
    try {
      const resumed = await second.acquire();
      t.deepEqual(second.counts, { boots: 0, restores: 0, resumes: 1 }, 'the next group resumes instead of booting');
      t.is(resumed.origin, 'resumed');
      t.deepEqual(diff(booted.inventory.observation, resumed.inventory.observation), [], 'the same devices, regions and memory');
      t.deepEqual([resumed.inventory.blockSize, [...resumed.inventory.bootBlocks], resumed.inventory.regions], [booted.inventory.blockSize, [...booted.inventory.bootBlocks], booted.inventory.regions]);
      t.deepEqual(resumed.provisioning, booted.provisioning);
      t.is(await resumed.guest.run('dmesg | grep -c . '), bootedLog, 'the kernel log is the booted one, nothing since');
      t.deepEqual((await resumed.driver.step([])).kernelLog, [], 'and the driver reads it from where the save left it');
      t.true(resumed.guest.console.tail(400).includes(READY_MARKER), 'the console holds the saved boot');
      // The resumed machine carries the snapshot, so a leak renews by loadvm, and the log stays in step.
      const leaked = await leak(resumed);
      t.is(leaked.log.filter((l) => LEAK_LINE.test(l)).length, 1, leaked.log.join('\n'));
      await second.settle(leaked.history, false);
      const renewed = await second.acquire();
      t.deepEqual(second.counts, { boots: 0, restores: 1, resumes: 1 });
      const again = await leak(renewed);
      t.is(again.log.filter((l) => LEAK_LINE.test(l)).length, 1, again.log.join('\n'));
      t.false(again.log.some((l) => /^Linux version|^Command line:/.test(l)), 'the renewed guest\'s log starts at the save, not at the boot');
    } finally {
      await second.close();
    }

    await truncate(join(dir, saved!.name, 'vmstate.qcow2'), 65536);
    const third = group();
    try {
      await third.acquire();
      t.deepEqual(third.counts, { boots: 1, restores: 0, resumes: 0 }, 'a saved machine QEMU cannot load is booted instead');
    } finally {
      await third.close();
    }
    const [anew] = await shelf.list();
    t.true(anew!.bytes > 1_000_000n, 'and saved anew');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
