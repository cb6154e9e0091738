// memmap_on_memory: the per-device switch, its errors by driver state and boot setting, and its effect on
// hot-plugged memory (the memmap carved out of each block shows as a smaller MemTotal gain).
import type { Suite } from '../../harness/runner/suite.ts';
import { write } from '../ops.ts';
import { bindKmem, firstDevice, onlineOffline, release, releasedDynamic } from '../lib.ts';

export const memmapOnMemory: Suite = {
  name: 'memmap-on-memory',
  about: 'memmap_on_memory errors (EBUSY, EOPNOTSUPP, EINVAL) and its hot-plug effect per boot setting',
  cases: [
    {
      name: 'writes while bound to kmem, to device_dax and unbound',
      needs: { region: 'dynamic', spread: 'each-provider', boots: 'both', requires: ['memmapOnMemoryAttr', 'kmem'] },
      async run(ctx) {
        const d = firstDevice(ctx).name;
        for (const v of ['0', '1', 'x', '']) await ctx.checker.step(write.device(d, 'memmap_on_memory', v));
        await release(ctx, d);
        for (const v of ['1', '0', 'x']) await ctx.checker.step(write.device(d, 'memmap_on_memory', v));
        await ctx.checker.step(write.driver('device_dax', 'new_id', d));
        for (const v of ['1', '0']) await ctx.checker.step(write.device(d, 'memmap_on_memory', v));
        await release(ctx, d);
      },
    },
    {
      // The carve-out shows only in online blocks. A kernel that boots with auto_online_blocks=offline
      // (x86_64_defconfig) would add them offline and MemTotal would never move, so every offline block is
      // onlined by hand; the second round forces that path on kernels that auto-online too.
      name: 'hot-plug with memmap on and off: MemTotal and blocks',
      needs: { providers: ['hmem', 'cxl-ram', 'legacy-pmem'], spread: 'each-provider', boots: 'both', requires: ['memmapOnMemoryAttr', 'kmem'] },
      async run(ctx) {
        const d = firstDevice(ctx).name;
        for (const policy of ['as booted', 'offline']) {
          if (policy === 'offline') await ctx.checker.step(write.autoOnline('offline'));
          for (const v of ['1', '0']) {
            await release(ctx, d);
            await ctx.checker.step(write.device(d, 'memmap_on_memory', v));
            await bindKmem(ctx, d);
            await onlineOffline(ctx, d);
          }
        }
        await release(ctx, d);
      },
    },
    {
      name: 'created devices start with memmap_on_memory 0',
      needs: { region: 'dynamic', spread: 'each-provider', requires: ['memmapOnMemoryAttr'] },
      async run(ctx) {
        const { r, d0 } = await releasedDynamic(ctx);
        await ctx.checker.step(write.device(d0, 'size', '0'));
        await ctx.checker.step(write.region(r.host, 'create', '1'));
        const created = ctx.checker.observation.devices.find((x) => x.host === r.host && x.name !== d0)!.name;
        await ctx.checker.step(write.device(created, 'size', String(r.size)));
        await ctx.checker.step(write.driver('kmem', 'new_id', created));
        await release(ctx, created);
        await ctx.checker.step(write.device(created, 'size', '0'));
        await ctx.checker.step(write.region(r.host, 'delete', created));
        await ctx.checker.step(write.device(d0, 'size', String(r.size)));
      },
    },
  ],
};
