// One case per user-visible bug fixed in drivers/dax (see the spec's history table); each says what it guards.
import type { Suite } from '../../harness/runner/suite.ts';
import { read, write } from '../ops.ts';
import { GiB, MiB, devicesOf, firstDevice, hex, part, release, releasedDynamic, settleReleases } from '../lib.ts';

export const regressions: Suite = {
  name: 'regressions',
  about: 'historical drivers/dax bugs that user space can observe stay fixed',
  cases: [
    {
      // 60858c00e5f0 (v5.7) and the 5.3 hot-add leak fix: kmem must drop its iomem resources on unbind.
      name: 'kmem unbind releases System RAM (kmem) and daxR.N resources',
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider', requires: ['kmem'] },
      async run(ctx) {
        const d = firstDevice(ctx).name;
        await release(ctx, d);
        await ctx.checker.step(write.driver('kmem', 'bind', d));
        await release(ctx, d);
        await ctx.checker.step(write.driver('kmem', 'bind', d));
      },
    },
    {
      // range_parse() once returned a positive value for bad input, which the write path reported as success.
      name: 'malformed mapping input is an error, not a silent success',
      needs: { providers: ['hmem'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        await ctx.checker.step(write.device(d0, 'size', '0'));
        for (const v of ['', 'g-h', '0x100000000', '-', '100000000-', '-1fffff']) await ctx.checker.step(write.device(d0, 'mapping', v));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // Device ids come from a per-region IDA: deleted ids are reused, the seed never names a deleted device.
      name: 'device ids are reused after delete and the seed is cleared',
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        await ctx.checker.step(write.device(d0, 'size', String(part(r.size, [1n, 2n], 2n * MiB))));
        for (let i = 0; i < 3; i++) await ctx.checker.step(write.region(r.host, 'create', '1'));
        const [a, b] = devicesOf(ctx, r).filter((d) => d.name !== d0).map((d) => d.name);
        await ctx.checker.step(write.region(r.host, 'delete', a!));
        await ctx.checker.step(read.region(r.host, 'seed'));
        await ctx.checker.step(write.region(r.host, 'create', '1'));
        await ctx.checker.step(read.region(r.host, 'create'));
        await ctx.checker.step(write.region(r.host, 'delete', b!));
        for (const d of devicesOf(ctx, r).filter((x) => x.name !== d0)) await ctx.checker.step(write.region(r.host, 'delete', d.name));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // Mapping children must be unregistered with their range, and ids freed, or later ranges skip numbers.
      name: 'mapping directories are released with their ranges',
      needs: { providers: ['hmem'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        const since = ctx.checker.steps.length;
        await ctx.checker.step(write.device(d0, 'size', '0'));
        // A mapping's id comes back at its release, which DEBUG_KOBJECT_RELEASE delays; this case reads by id.
        await settleReleases(ctx, since);
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(r.start + 64n * MiB)}-${hex(r.start + 66n * MiB - 1n)}`));
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(r.start)}-${hex(r.start + 2n * MiB - 1n)}`));
        await ctx.checker.step(read.mapping(d0, 1, 'page_offset'));
        await ctx.checker.step(write.device(d0, 'size', String(2n * MiB)));
        await ctx.checker.step(read.mapping(d0, 1, 'start'));
        await ctx.checker.step(write.device(d0, 'size', '0'));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // "device-dax: ensure dev_dax->pgmap is valid for dynamic devices": bind, unbind, resize, bind again.
      name: 'device_dax rebinds after unbind and resize',
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        await ctx.checker.step(write.driver('device_dax', 'new_id', d0));
        await ctx.checker.step(write.driver('device_dax', 'unbind', d0));
        await ctx.checker.step(write.device(d0, 'size', String(part(r.size, [1n, 2n], 2n * MiB))));
        await ctx.checker.step(write.driver('device_dax', 'bind', d0));
        await ctx.checker.step(write.driver('device_dax', 'unbind', d0));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // dev_dax_probe() calls cdev_init() on the cdev embedded in the dax inode at every bind
      // (drivers/dax/device.c), and cdev_init() memsets it (fs/char_dev.c). A file opened before the unbind
      // holds a reference to that cdev (chrdev_open → cdev_get); the rebind wipes it, so closing the file
      // drops the new cdev's only reference while it is still mapped: the node no longer opens (ENXIO), and
      // the next cdev_del puts a reference that is not there. With DEBUG_KOBJECT_RELEASE even a file closed
      // before the unbind can do it (the release is still pending when the rebind wipes it).
      name: 'a device node held open across unbind and rebind',
      // Booted movable: the provider's device may come up in kmem, and its memory must offline to leave it.
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider', boots: 'movable' },
      async run(ctx) {
        const { d0 } = await releasedDynamic(ctx);
        const g = ctx.lab.guest;
        await ctx.checker.step(write.driver('device_dax', 'new_id', d0));
        const drv = '/sys/bus/dax/drivers/device_dax';
        await ctx.checker.external(`unbind and bind ${d0} with /dev/${d0} open`, [write.driver('device_dax', 'unbind', d0), write.driver('device_dax', 'bind', d0)], () =>
          g.run(`exec 3</dev/${d0} && echo -n ${d0} > ${drv}/unbind && echo -n ${d0} > ${drv}/bind; exec 3<&-`).then(() => {}),
        );
        // The bug shows as a refcount underflow at the next unbind (known: dev-dax-probe-wipes-open-cdev).
        await ctx.checker.step(write.driver('device_dax', 'unbind', d0));
        await ctx.checker.step(write.driver('device_dax', 'remove_id', d0));
      },
    },
    {
      // size and align refuse a device a driver holds (EBUSY); mapping must too, or it grows a device under
      // the driver that mapped it (known: mapping-on-bound-device on every kernel so far). A fixed kernel
      // agrees with the model, and the case says so.
      name: 'mapping on a bound device is refused like size and align',
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        // Shrunk, the provider's device keeps the region's first 2 MiB; the next 2 MiB are free.
        await ctx.checker.step(write.device(d0, 'size', String(2n * MiB)));
        const start = r.start;
        await ctx.checker.step(write.driver('device_dax', 'new_id', d0));
        await ctx.checker.step(write.device(d0, 'size', String(4n * MiB)));
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(start + 2n * MiB)}-${hex(start + 4n * MiB - 1n)}`));
        await ctx.checker.step(write.driver('device_dax', 'unbind', d0));
        await ctx.checker.step(write.driver('device_dax', 'remove_id', d0));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // A device_dax probe that fails after storing its page map must not leave it behind: fsdev was fixed
      // so, device.c not yet (known: device-dax-probe-keeps-stale-pgmap). A range 1 MiB off a section
      // boundary fails the probe ("Misaligned __add_pages", a WARNING the model predicts); a clean range
      // must then bind.
      name: 'a failed device_dax probe leaves the device bindable',
      needs: { providers: ['hmem', 'cxl-ram'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        await ctx.checker.step(write.device(d0, 'size', '0'));
        const start = r.start;
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(start + MiB)}-${hex(start + 3n * MiB - 1n)}`));
        await ctx.checker.step(write.driver('device_dax', 'new_id', d0));
        await ctx.checker.step(write.device(d0, 'size', '0'));
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(start)}-${hex(start + 2n * MiB - 1n)}`));
        await ctx.checker.step(write.driver('device_dax', 'bind', d0));
        await release(ctx, d0);
        await ctx.checker.step(write.driver('device_dax', 'remove_id', d0));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
    {
      // 6.12 returns success for a mapping whose length is not a multiple of the alignment and allocates
      // nothing (6.1: ENXIO). Listed as a known divergence; this case notices when a kernel fixes it.
      name: 'misaligned mapping length',
      needs: { providers: ['hmem'], spread: 'each-provider' },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        await ctx.checker.step(write.device(d0, 'size', '0'));
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(r.start)}-${hex(r.start + MiB - 1n)}`));
        await ctx.checker.step(write.device(d0, 'align', String(GiB)));
        await ctx.checker.step(write.device(d0, 'mapping', `${hex(r.start)}-${hex(r.start + 2n * MiB - 1n)}`));
        await ctx.checker.step(write.device(d0, 'align', String(2n * MiB)));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
  ],
};
