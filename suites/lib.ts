// What cases share: finding devices in the current real state and moving them between driver states
// with model-checked operations (so even the set-up of a case is checked).
import { blocksOfDevice, type ObservedDevice } from '../harness/model/observation.ts';
import type { CaseContext } from '../harness/runner/suite.ts';
import type { ProvisionedRegion } from '../harness/lab/inventory.ts';
import { sleep } from '../harness/util/sleep.ts';
import { write } from './ops.ts';

export const MiB = 1n << 20n;
export const GiB = 1n << 30n;

export function device(ctx: CaseContext, name: string): ObservedDevice {
  const d = ctx.checker.observation.devices.find((x) => x.name === name);
  if (!d) throw new Error(`device ${name} is not in the guest's current state`);
  return d;
}

export function devicesOf(ctx: CaseContext, region: ProvisionedRegion = ctx.region): ObservedDevice[] {
  return ctx.checker.observation.devices.filter((d) => d.host === region.host);
}

/** The provider's own device of a region (id 0 on dynamic regions; the first namespace on static ones). */
export function firstDevice(ctx: CaseContext, region: ProvisionedRegion = ctx.region): ObservedDevice {
  return devicesOf(ctx, region)[0] ?? ctx.skip(`region ${region.host} has no device`);
}

/** Memory blocks kmem added for this device, from the current real state. */
export function blocksOf(ctx: CaseContext, dev: ObservedDevice): number[] {
  return blocksOfDevice(ctx.checker.observation, dev, ctx.inventory.blockSize);
}

/** Binds kmem; a device kmem does not match by type (static, or any on 6.1) is bound through new_id instead. */
export async function bindKmem(ctx: CaseContext, name: string): Promise<void> {
  const res = await ctx.checker.step(write.driver('kmem', 'bind', name));
  if (!res.ok && res.errno === 'ENODEV') await ctx.checker.step(write.driver('kmem', 'new_id', name));
}

/** Onlines, with the kernel's default zone, every block of a kmem device that is offline (none when auto-onlined). */
export async function onlineOffline(ctx: CaseContext, name: string): Promise<void> {
  for (const blk of blocksOf(ctx, device(ctx, name))) {
    if (ctx.checker.observation.memoryBlocks.find((b) => b.index === blk)?.state === 'offline') await ctx.checker.step(write.memblock(blk, 'online'));
  }
}

/** Offlines a kmem device's blocks (as daxctl does), then unbinds whatever driver it has. */
export async function release(ctx: CaseContext, name: string): Promise<void> {
  const dev = device(ctx, name);
  if (dev.driver === 'kmem') {
    for (const blk of blocksOf(ctx, dev).reverse()) {
      if (ctx.checker.observation.memoryBlocks.find((b) => b.index === blk)?.state === 'online') await ctx.checker.step(write.memblock(blk, 'offline'));
    }
  }
  if (dev.driver) await ctx.checker.step(write.driver(dev.driver, 'unbind', name));
}

/** The case's region and its provider device, released (kmem blocks offlined, driver unbound). */
export async function releasedDynamic(ctx: CaseContext): Promise<{ r: ProvisionedRegion; d0: string }> {
  const r = ctx.region;
  const d0 = firstDevice(ctx, r).name;
  await release(ctx, d0);
  return { r, d0 };
}

/** An aligned size: `fraction` of `total`, rounded down to `align`, at least one `align`. */
export function part(total: bigint, fraction: [bigint, bigint], align: bigint): bigint {
  const v = ((total * fraction[0]) / fraction[1] / align) * align;
  return v > 0n ? v : align;
}

export const hex = (v: bigint) => `0x${v.toString(16)}`;

/**
 * Waits out the kobject releases DEBUG_KOBJECT_RELEASE delays (kobject_release: HZ + HZ *
 * get_random_u32_below(4), so at most 4 s) that the steps since `since` started, as their kernel log shows.
 * Until then a device or mapping keeps its id, and a rebound device's cdev still has its old release
 * pending (the dev-dax-probe-wipes-open-cdev bug: its node then misbehaves). Other kernels print no such line.
 */
export async function settleReleases(ctx: CaseContext, since: number): Promise<void> {
  const pending = ctx.checker.steps.slice(since).some((r) => r.kernelLog.some((l) => /kobject_release, parent .*\(delayed \d+\)/.test(l)));
  if (pending) await sleep(4500);
}
