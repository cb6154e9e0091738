// Every allocation a dax bus write makes may fail. Each write is run again and again with its 1st, 2nd, 3rd …
// slab allocation failed (failslab through the writer's fail-nth, as syzkaller does), until it makes no more:
// each time it must fail with an allocation errno and leave no trace (no device, id, range, resource or
// memory block left behind), or cope and do what it would have. The unwinding paths of
// devm_create_dev_dax, alloc_dev_dax_range, dev_dax_probe and dev_dax_kmem_probe run nowhere else. On hmem
// only: the swept code is the provider's common part, and each sweep costs minutes on a debug build.
import { describeOp, type Op } from '../../harness/model/ops.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';
import { write } from '../ops.ts';
import { device, devicesOf, hex, part, release, releasedDynamic, settleReleases } from '../lib.ts';

/** More than any of these writes makes (a kmem bind of one block makes about a hundred); a bound on a sweep. */
const MAX_ALLOCATIONS = 400;

/**
 * Fails allocation 1, 2, … of `op` until the write makes fewer than that. `undo` returns a write that
 * succeeded to the state before it (with `always`, a failed one too), so every allocation is failed from
 * the same state.
 */
async function failEachAllocation(ctx: CaseContext, op: Op, undo: () => Promise<void>, always = false): Promise<void> {
  if (op.op !== 'write') throw new Error('only a write can have an allocation failed');
  for (let nth = 1; nth <= MAX_ALLOCATIONS; nth++) {
    const seen = ctx.checker.steps.length;
    const { result, injected } = await ctx.checker.stepInjecting({ ...op, failNth: nth });
    if (result.ok || always) await undo();
    if (!injected) return;
    // An unwound device or mapping gives its id back only at its release (dev_dax_release,
    // dax_mapping_release), which DEBUG_KOBJECT_RELEASE delays: the next create, size or mapping must not
    // find it still taken. A bind's ids are not the device's.
    if (op.ref.kind !== 'driver') await settleReleases(ctx, seen);
  }
  throw new Error(`${describeOp(op)} made more than ${MAX_ALLOCATIONS} allocations: raise MAX_ALLOCATIONS in suites/cases/allocation-failures.ts`);
}

/** The region's provider device shrunk to half, and a new empty device in the other half. */
async function halfAndNew(ctx: CaseContext): Promise<{ d1: string; free: bigint; at: bigint }> {
  const { r, d0 } = await releasedDynamic(ctx);
  const half = part(r.size, [1n, 2n], ctx.inventory.blockSize);
  await ctx.checker.step(write.device(d0, 'size', String(half)));
  await ctx.checker.step(write.region(r.host, 'create', '1'));
  const d1 = devicesOf(ctx).find((d) => d.name !== d0 && d.size === 0n)?.name ?? ctx.skip(`region ${r.host} made no empty device`);
  return { d1, free: r.size - half, at: r.start + half };
}

const newDevice = (ctx: CaseContext, before: ReadonlySet<string>) => devicesOf(ctx).find((d) => !before.has(d.name))?.name;

export const allocationFailures: Suite = {
  name: 'allocation-failures',
  about: "a write whose Nth allocation fails fails cleanly, for every N: create, size, mapping, device_dax and kmem bind, kmem's state",
  cases: [
    {
      name: 'create',
      needs: { region: 'dynamic', providers: ['hmem'], spread: 'each-provider', requires: ['failslab'] },
      async run(ctx) {
        await halfAndNew(ctx);
        const before = new Set(devicesOf(ctx).map((d) => d.name));
        await failEachAllocation(ctx, write.region(ctx.region.host, 'create', '1'), async () => {
          const made = newDevice(ctx, before);
          if (made) await ctx.checker.step(write.region(ctx.region.host, 'delete', made));
        });
      },
    },
    {
      name: 'size and mapping',
      needs: { region: 'dynamic', providers: ['hmem'], spread: 'each-provider', requires: ['failslab'] },
      async run(ctx) {
        const { d1, free, at } = await halfAndNew(ctx);
        const shrink = () => ctx.checker.step(write.device(d1, 'size', '0')).then(() => {});
        await failEachAllocation(ctx, write.device(d1, 'size', String(free)), shrink);
        // Two ranges: the second mapping write adds a range to a device that has one.
        const B = ctx.inventory.blockSize;
        if (free < 3n * B) ctx.skip(`region ${ctx.region.host} has ${hex(free)} free after the halving, not the three blocks two separate ranges need`);
        await ctx.checker.step(write.device(d1, 'mapping', `${hex(at)}-${hex(at + B - 1n)}`));
        await failEachAllocation(ctx, write.device(d1, 'mapping', `${hex(at + 2n * B)}-${hex(at + 3n * B - 1n)}`), () =>
          ctx.checker.step(write.device(d1, 'size', String(B))).then(() => {}),
        );
      },
    },
    {
      // bind, not new_id: new_id answers before the probe (driver_attach ignores probe errors), so a probe
      // that failed would not show in the write's result. The id is added at size 0, where probing fails
      // with ENXIO (dax_bus_probe), and bind then matches by it on every provider.
      name: 'device_dax and kmem bind',
      needs: { region: 'dynamic', providers: ['hmem'], spread: 'each-provider', boots: 'movable', requires: ['failslab', 'kmem'] },
      async run(ctx) {
        const { d1 } = await halfAndNew(ctx);
        const B = String(ctx.inventory.blockSize);
        for (const drv of ['device_dax', 'kmem'] as const) await ctx.checker.step(write.driver(drv, 'new_id', d1));
        await ctx.checker.step(write.device(d1, 'size', B));
        // A device_dax probe that failed after storing its page map leaves it stale (allocationFailed):
        // the device is deleted and made again (same name: ids are reused) before the next attempt.
        const renew = async () => {
          await release(ctx, d1);
          await ctx.checker.step(write.device(d1, 'size', '0'));
          await ctx.checker.step(write.region(ctx.region.host, 'delete', d1));
          await ctx.checker.step(write.region(ctx.region.host, 'create', '1'));
          await ctx.checker.step(write.device(d1, 'size', B));
        };
        await failEachAllocation(ctx, write.driver('device_dax', 'bind', d1), renew, true);
        await failEachAllocation(ctx, write.driver('kmem', 'bind', d1), () => release(ctx, d1));
      },
    },
    {
      // kmem's state file (7.3): unplugging (dax_kmem_do_hotremove: its ranges array, then
      // offline_and_remove_memory_ranges, which onlines everything again when any block fails) and
      // replugging (dax_kmem_init_resources and dax_kmem_do_hotplug, whose failure drops the reservations).
      name: 'kmem state unplug and replug',
      needs: { region: 'dynamic', providers: ['hmem'], spread: 'each-provider', boots: 'movable', requires: ['failslab', 'kmem', 'kmemState'] },
      async run(ctx) {
        const { d1 } = await halfAndNew(ctx);
        await ctx.checker.step(write.driver('kmem', 'new_id', d1));
        await ctx.checker.step(write.device(d1, 'size', String(ctx.inventory.blockSize)));
        await ctx.checker.step(write.driver('kmem', 'bind', d1));
        if (device(ctx, d1).driver !== 'kmem') ctx.skip(`${d1} did not bind to kmem: ${ctx.checker.steps.at(-1)?.actual}`);
        const state = (v: string) => write.device(d1, 'state', v);
        const to = (v: string) => () => ctx.checker.step(state(v)).then(() => {});
        await failEachAllocation(ctx, state('unplugged'), to('online_movable'));
        await ctx.checker.step(state('unplugged'));
        await failEachAllocation(ctx, state('online_movable'), to('unplugged'));
        await release(ctx, d1);
      },
    },
  ],
};
