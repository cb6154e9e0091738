// kmem turns a dax device into System RAM: blocks appear and come online per policy, /proc/iomem shows
// System RAM (kmem) under the device, MemTotal grows; offline + unbind gives it all back. All model-checked.
import type { Op } from '../../harness/model/ops.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';
import type { ObservedDevice } from '../../harness/model/observation.ts';
import { write } from '../ops.ts';
import { bindKmem, blocksOf, device, firstDevice, release } from '../lib.ts';

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
