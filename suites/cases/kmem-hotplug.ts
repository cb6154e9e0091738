// kmem turns a dax device into System RAM: blocks appear and come online per policy, /proc/iomem shows
// System RAM (kmem) under the device, MemTotal grows; offline + unbind gives it all back. All model-checked.
import { DAX_DRIVERS } from '../../harness/abi/attributes.ts';
import type { DaxDriver, Op } from '../../harness/model/ops.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';
import type { ObservedDevice } from '../../harness/model/observation.ts';
import { write } from '../ops.ts';
import { bindKmem, blocksOf, device, firstDevice, hex, release, releasedDynamic } from '../lib.ts';

/** A device to hot-plug: the case's region's own device (a static one is bound to kmem through new_id). */
const kmemDevice = (ctx: CaseContext): ObservedDevice => firstDevice(ctx);

/** Blocks a kmem bind of `dev` would add: the block-aligned part of each range. Pure arithmetic. */
function blocksCovering(dev: ObservedDevice, blockSize: bigint): number[] {
  return dev.mappings.flatMap((m) => {
    const first = (m.start + blockSize - 1n) / blockSize;
    const last = (m.end + 1n) / blockSize;
    return Array.from({ length: Math.max(0, Number(last - first)) }, (_, i) => Number(first) + i);
  });
}

/**
 * rmmod of a dax driver module (dax_driver_unregister: its new_id list freed, every device it drives
 * unbound), then modprobe (driver_attach: it probes every unbound device it matches, in bus order, as a bind
 * of each would). A driver built in cannot be unloaded: the case skips.
 */
async function reloadDriver(ctx: CaseContext, driver: DaxDriver): Promise<void> {
  const mod = DAX_DRIVERS[driver].module;
  const g = ctx.lab.guest;
  if ((await g.run(`[ -e /sys/module/${mod}/initstate ] && echo loadable || echo built-in`)).trim() !== 'loadable') ctx.skip(`${mod} is built into this kernel: it cannot be unloaded`);
  const unload: Op[] = [
    ...ctx.checker.observation.devices.filter((d) => d.driver === driver).map((d) => write.driver(driver, 'unbind', d.name)),
    ...[...ctx.checker.state.newIds[driver]].map((id) => write.driver(driver, 'remove_id', id)),
  ];
  await ctx.checker.external(`rmmod ${mod}`, unload, () => g.run(`rmmod ${mod}`).then(() => {}));
  const load = ctx.checker.observation.devices.filter((d) => d.driver === null).map((d) => write.driver(driver, 'bind', d.name));
  await ctx.checker.external(`modprobe ${mod}`, load, () => g.run(`modprobe ${mod}`).then(() => {}));
}

export const kmemHotplug: Suite = {
  name: 'kmem-hotplug',
  about: 'kmem bind/unbind adds and removes memory exactly as the model predicts (blocks, zones, iomem, MemTotal)',
  cases: [
    {
      name: 'bind onlines per policy, offline + unbind returns everything, rebind',
      needs: { spread: 'each-provider', requires: ['kmem'] },
      async run(ctx) {
        const d = kmemDevice(ctx);
        await release(ctx, d.name);
        await bindKmem(ctx, d.name);
        await release(ctx, d.name);
        await bindKmem(ctx, d.name);
        await release(ctx, d.name);
      },
    },
    {
      name: 'offline policy: blocks stay offline until onlined movable or kernel',
      needs: { spread: 'each-provider', requires: ['kmem'] },
      async run(ctx) {
        const d = kmemDevice(ctx);
        await release(ctx, d.name);
        for (const v of ['bogus', 'offline']) await ctx.checker.step(write.autoOnline(v));
        await bindKmem(ctx, d.name);
        const blocks = blocksOf(ctx, device(ctx, d.name));
        for (const [i, b] of blocks.entries()) await ctx.checker.step(write.memblock(b, i % 2 ? 'online_kernel' : 'online_movable'));
        for (const v of ['garbage', 'online']) await ctx.checker.step(write.memblock(blocks[0]!, v));
        await release(ctx, d.name);
      },
    },
    {
      // kmem's state file (7.3, drivers/dax/kmem.c state_store): unplugged offlines and removes every range
      // at once (offline_and_remove_memory_ranges), an online type hot-adds them again onlined so, but only
      // from unplugged; "offline" is refused on purpose and the current state is a no-op. A block in a kernel
      // zone may refuse to go (EBUSY, or EINTR when offlining retries past its patience), which the model allows.
      name: 'kmem state: unplug and replug as each online type, blocks offlined by hand, what it refuses',
      needs: { spread: 'each-provider', requires: ['kmem', 'kmemState'], boots: 'movable' },
      async run(ctx) {
        const d = kmemDevice(ctx);
        if (d.driver !== 'kmem') {
          await release(ctx, d.name);
          await bindKmem(ctx, d.name);
        }
        const state = (v: string) => ctx.checker.step(write.device(d.name, 'state', v));
        for (const v of ['bogus', 'offline', 'online_movable', 'online', 'unplugged', 'unplugged\n', 'online_movable', 'unplugged', 'online_kernel', 'unplugged']) await state(v);
        // Replugged movable, one block offlined by hand: the state still says what kmem did, and unplugging
        // removes the offline block with the rest.
        if ((await state('online_movable')).ok) {
          const [first] = blocksOf(ctx, device(ctx, d.name));
          if (first !== undefined) await ctx.checker.step(write.memblock(first, 'offline'));
          await state('unplugged');
        }
        // Unbound while unplugged: kmem's remove has nothing to take back; bound again, the policy decides.
        await ctx.checker.step(write.driver('kmem', 'unbind', d.name));
        await bindKmem(ctx, d.name);
        await state('online');
        await release(ctx, d.name);
      },
    },
    {
      name: 'unbind with blocks still online keeps the memory (leak until reboot)',
      needs: { providers: ['hmem', 'legacy-pmem'], spread: 'each-provider', requires: ['kmem'] },
      async run(ctx) {
        const d = kmemDevice(ctx);
        if (d.driver !== 'kmem') {
          await release(ctx, d.name);
          await bindKmem(ctx, d.name);
        }
        await ctx.checker.step(write.driver('kmem', 'unbind', d.name));
        await ctx.checker.step(write.driver('kmem', 'bind', d.name));
        await ctx.checker.step(write.driver('device_dax', 'new_id', d.name));
      },
    },
    {
      // dev_dax_kmem_probe() adds the memory-block-aligned part of each range only: a range without a whole
      // block is skipped ("mapping%d too small after alignment"), and a device without one is refused
      // ("rejecting DAX region without any memory after alignment", EINVAL).
      name: 'ranges smaller than a memory block are skipped, a device without a whole block is refused',
      needs: { region: 'dynamic', providers: ['hmem', 'cxl-ram'], spread: 'each-provider', boots: 'movable', requires: ['kmem'] },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        const B = ctx.inventory.blockSize;
        if (r.size < 2n * B) ctx.skip(`region ${r.host} is smaller than two memory blocks`);
        const small = 2n * 1024n * 1024n;
        await ctx.checker.step(write.device(d0, 'size', '0'));
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(r.start)}-${hex(r.start + small - 1n)}`));
        await bindKmem(ctx, d0);
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(r.start + B)}-${hex(r.start + 2n * B - 1n)}`));
        await bindKmem(ctx, d0);
        await release(ctx, d0);
        await ctx.checker.step(write.device(d0, 'size', '0'));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // Memory still online when kmem goes is left as System RAM until reboot (dev_dax_kmem_remove sets
      // any_hotremove_failed, and dax_kmem_exit then keeps kmem_name alive for those resources).
      name: 'rmmod and modprobe kmem with its memory online, then device_dax',
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider', boots: 'movable', requires: ['kmem'] },
      async run(ctx) {
        const d = kmemDevice(ctx);
        if (d.driver !== 'kmem') {
          await release(ctx, d.name);
          await bindKmem(ctx, d.name);
        }
        await reloadDriver(ctx, 'kmem');
        await reloadDriver(ctx, 'device_dax');
      },
    },
    {
      name: 'daxctl reconfigure-device agrees with raw sysfs',
      // Onlined movable at boot: offlining then never meets an unmovable page, so the case always runs.
      needs: { providers: ['hmem', 'cxl-ram', 'legacy-pmem'], spread: 'each-provider', requires: ['kmem'], boots: 'movable' },
      async run(ctx) {
        const d = kmemDevice(ctx);
        const g = ctx.lab.guest;
        const B = ctx.inventory.blockSize;
        if (d.driver === 'kmem') {
          // Offline first, checked step by step: a block in ZONE_NORMAL may hold an unmovable page, which
          // the kernel may refuse to migrate (an allowed outcome), and daxctl could not offline it either.
          const branches = ctx.checker.branches.length;
          for (const b of blocksOf(ctx, d).reverse()) await ctx.checker.step(write.memblock(b, 'offline'));
          if (ctx.checker.branches.length > branches) ctx.skip(`the kernel kept an unmovable page in ${d.name}'s memory (${ctx.checker.branches.at(-1)!.reason}); daxctl cannot reconfigure it`);
          const toDevdax: Op[] = [write.driver('kmem', 'unbind', d.name), write.driver('device_dax', 'new_id', d.name)];
          await ctx.checker.external(`daxctl reconfigure-device -f -m devdax ${d.name}`, toDevdax, () => g.run(`daxctl reconfigure-device -f -m devdax ${d.name}`).then(() => {}));
        }
        // daxctl refuses to online when the kernel policy would do it; with the policy offline it onlines movable.
        await ctx.checker.step(write.autoOnline('offline'));
        const cur = device(ctx, d.name);
        const toRam: Op[] = [
          ...(cur.driver ? [write.driver(cur.driver, 'unbind', d.name)] : []),
          write.driver('kmem', 'new_id', d.name),
          ...blocksCovering(cur, B).map((b) => write.memblock(b, 'online_movable')),
        ];
        await ctx.checker.external(`daxctl reconfigure-device -m system-ram ${d.name}`, toRam, () => g.run(`daxctl reconfigure-device -m system-ram ${d.name}`).then(() => {}));
      },
    },
  ],
};
