// What each topology provisions, against the expectations the plan computes from the topology data and
// the kernel's ABI: regions per provider, static or dynamic, default driver, default memmap_on_memory.
import { PROVIDER_IDS, type Provider } from '../../harness/abi/providers.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';

function plan(ctx: CaseContext) {
  return ctx.lab.plan ?? ctx.skip('guest was booted without a topology');
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x));

async function providerComesUp(ctx: CaseContext, provider: Provider): Promise<void> {
  const expected = plan(ctx).expect.regions.filter((r) => r.provider === provider);
  const regions = ctx.inventory.regions.filter((r) => r.provider === provider);
  ctx.checker.expectEqual(`${provider} dax regions`, expected.length, regions.length);
  const describe = (kind: string, size: bigint | null, devices: { driver: string | null; memmapOnMemory: boolean | null }[]) => ({
    kind,
    size,
    devices: devices.length,
    drivers: devices.map((d) => d.driver),
    memmapOnMemory: devices.map((d) => (d.memmapOnMemory === null ? null : d.memmapOnMemory ? 1 : 0)),
  });
  const want = expected.map((e) => describe(e.kind, e.size, Array.from({ length: e.devices }, () => ({ driver: e.driver, memmapOnMemory: e.memmapOnMemory === null ? null : e.memmapOnMemory === 1 }))));
  const got = regions.map((r, i) => {
    const devs = ctx.inventory.devices.filter((d) => d.host === r.host);
    return describe(r.dynamic ? 'dynamic' : 'static', expected[i]?.size === null ? null : r.size, devs);
  });
  const order = (xs: typeof want) => [...xs].sort((a, b) => toJson(a).localeCompare(toJson(b)));
  ctx.checker.expectEqual(`${provider} regions (kind, size, devices, default driver, memmap_on_memory)`, order(want), order(got));
}

export const inventorySuite: Suite = {
  name: 'inventory',
  about: 'each topology provisions the regions and devices its plan expects, with the default driver and memmap_on_memory',
  cases: [
    ...PROVIDER_IDS.map((provider) => ({
      name: `${provider} comes up as planned`,
      needs: { providers: [provider], boots: 'both' as const, requires: [provider], wholeGuest: true },
      run: (ctx: CaseContext) => providerComesUp(ctx, provider),
    })),
    {
      // Region assembly through switch and host bridge decoders (drivers/cxl/core/region.c) is where CXL
      // patches land: the port tree and each region's spread are checked, not only the dax regions.
      name: 'the CXL fabric comes up as planned: endpoints below their switches, regions across their host bridges',
      needs: { providers: ['cxl-ram'], boots: 'plain', requires: ['cxl-ram'], wholeGuest: true },
      async run(ctx: CaseContext) {
        const want = plan(ctx).expect.cxl;
        const got = ctx.inventory.cxl;
        ctx.checker.expectEqual('CXL ports above each endpoint, by device serial', want.endpoints.map((e) => `${e.serial}: ${e.ports}`), got.endpoints.map((e) => `${e.serial}: ${e.ports.length}`));
        const region = (mode: string, ways: number, hostBridges: number) => `${mode} ${ways}-way across ${hostBridges} host bridge(s)`;
        ctx.checker.expectEqual(
          'CXL regions (mode, ways, host bridges)',
          want.regions.map((r) => region(r.mode, r.ways, r.hostBridges)).sort(),
          got.regions.map((r) => region(r.mode, r.ways, r.hostBridges.length)).sort(),
        );
      },
    },
    {
      name: 'memory_hotplug.memmap_on_memory reads as booted',
      needs: { boots: 'both', wholeGuest: true },
      async run(ctx: CaseContext) {
        ctx.checker.expectEqual('/sys/module/memory_hotplug/parameters/memmap_on_memory', plan(ctx).expect.mhpMemmapOnMemory, ctx.lab.caps.mhpMemmapOnMemory);
      },
    },
  ],
};
