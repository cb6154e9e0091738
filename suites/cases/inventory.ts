// What each topology provisions, against the expectations the plan computes from the topology data and
// the kernel version: regions per provider, static or dynamic, default driver, default memmap_on_memory.
import type { Provider } from '../../harness/lab/inventory.ts';
import type { CaseContext, Suite } from '../../harness/runner/suite.ts';
import type { Capability, DaxProvider } from '../../qemu/plan.ts';
import { DYNAMIC, STATIC } from './topologies.ts';

/** The plan names providers after the topology; the inventory after the sysfs host. Same five kinds. */
const AS_PLANNED: Record<Provider, DaxProvider> = { pmem: 'legacy_pmem', nvdimm: 'nvdimm', cxl: 'cxl_ram', 'cxl-pmem': 'cxl_pmem', hmem: 'hmem' };

const WHERE: Record<DaxProvider, { topologies: readonly string[]; requires?: Capability[] }> = {
  legacy_pmem: { topologies: ['pmem', 'mixed'], requires: ['legacy_pmem'] },
  nvdimm: { topologies: ['nvdimm', 'mixed'], requires: ['nvdimm'] },
  cxl_ram: { topologies: ['cxl', 'cxl-interleave', 'mixed'], requires: ['cxl_ram_region'] },
  cxl_pmem: { topologies: ['cxl-pmem', 'mixed'] },
  hmem: { topologies: ['hmem', 'mixed'], requires: ['dax_hmem'] },
};

function plan(ctx: CaseContext) {
  return ctx.lab.plan ?? ctx.skip('guest was booted without a topology');
}

async function providerComesUp(ctx: CaseContext, provider: DaxProvider): Promise<void> {
  const expected = plan(ctx).expect.regions.filter((r) => r.provider === provider);
  const regions = ctx.inventory.regions.filter((r) => AS_PLANNED[r.provider] === provider);
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
  const order = (xs: typeof want) => [...xs].sort((a, b) => JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? String(v) : v)).localeCompare(JSON.stringify(b, (_k, v) => (typeof v === 'bigint' ? String(v) : v))));
  ctx.checker.expectEqual(`${provider} regions (kind, size, devices, default driver, memmap_on_memory)`, order(want), order(got));
}

export const inventorySuite: Suite = {
  name: 'inventory',
  about: 'each topology provisions the regions and devices its plan expects, with the default driver and memmap_on_memory',
  cases: [
    ...(Object.keys(WHERE) as DaxProvider[]).map((provider) => ({
      name: `${provider} comes up as planned`,
      topologies: [...WHERE[provider].topologies, ...WHERE[provider].topologies.map((t) => `${t}+mom`)],
      ...(WHERE[provider].requires ? { requires: WHERE[provider].requires } : {}),
      run: (ctx: CaseContext) => providerComesUp(ctx, provider),
    })),
    {
      name: 'memory_hotplug.memmap_on_memory reads as booted',
      topologies: [...new Set([...DYNAMIC, ...STATIC])].flatMap((t) => [t, `${t}+mom`]),
      async run(ctx: CaseContext) {
        ctx.checker.expectEqual('/sys/module/memory_hotplug/parameters/memmap_on_memory', plan(ctx).expect.mhpMemmapOnMemory, ctx.lab.caps.mhpMemmapOnMemory);
      },
    },
  ],
};
