// The guest-side steps that turn a booted topology into dax devices. The guest has no udev, so every
// module is loaded by hand; the online policy is set before kmem loads, because kmem onlines RAM-like
// dax devices the moment it binds them.
import type { Capability } from '../harness/abi/capabilities.ts';
import type { KernelAbi } from '../harness/abi/kernel.ts';
import { CXL_BUS_MODULES, PROVIDERS, type Provider } from '../harness/abi/providers.ts';
import type { ExpectedInventory } from './expect.ts';
import { cxlMemdevBySerial, cxlMemdevReady, daxDevicesBound, ndRegionByRank, ndRegionsPresent, withNames, type NdBus } from './guest-shell.ts';
import { cxlRootDecoder, cxlSerial } from './qemu-args.ts';
import type { CxlTopology, NamespaceSpec, OnlinePolicy } from './schema.ts';
import { formatSize } from './size.ts';
import type { GuestTopology } from './validate.ts';

export type { Capability };

export interface ProvisionStep {
  name: string;
  /** A busybox-sh command line run in the guest. */
  command: string;
  retry?: { attempts: number; delayMs: number };
  /** Polled (until it exits 0) before the command runs. */
  waitFor?: { command: string; timeoutMs: number };
  /** Skipped, visibly, on kernels without this. */
  requires?: Capability;
}

/** How long the kernel may take to probe devices asynchronously after a module load. */
const PROBE_TIMEOUT_MS = 30_000;
// cxl create-region can still lose a race with endpoint probing after the wait; the lab retried every 0.2 s.
const CXL_REGION_RETRY = { attempts: 30, delayMs: 200 };

export function provisioningSteps(t: GuestTopology, expect: ExpectedInventory, abi: KernelAbi): ProvisionStep[] {
  const online = t.boot.online?.via === 'auto_online_blocks' ? [setOnlinePolicy(t.boot.online.policy)] : [];
  return [...online, ...moduleSteps(t), ...legacyPmemSteps(t), ...nvdimmSteps(t), ...(t.cxl ? cxlRegionSteps(t.cxl) : []), ...settleSteps(expect, abi.kmemState)];
}

function setOnlinePolicy(policy: OnlinePolicy): ProvisionStep {
  return { name: `set memory online policy ${policy}`, command: `echo ${policy} > /sys/devices/system/memory/auto_online_blocks` };
}

function load(name: string, modules: readonly string[], requires?: Capability): ProvisionStep {
  return { name, command: `modprobe -a ${modules.join(' ')}`, ...(requires ? { requires } : {}) };
}

const loadProvider = (p: Provider): ProvisionStep => load(`load ${p} modules`, PROVIDERS[p].modules, p);

function moduleSteps(t: GuestTopology): ProvisionStep[] {
  const cxl = t.cxl;
  const steps = [
    t.pmem.length > 0 && loadProvider('legacy-pmem'),
    t.nvdimms.length > 0 && loadProvider('nvdimm'),
    cxl && load('load cxl modules', CXL_BUS_MODULES),
    cxl?.devices.some((d) => d.type === 'persistent') && loadProvider('cxl-pmem'),
    cxl?.regions.some((r) => r.type === 'ram') && loadProvider('cxl-ram'),
    t.hmem.length > 0 && loadProvider('hmem'),
  ].filter((s): s is ProvisionStep => Boolean(s));
  // The guest has no udev to load the dax drivers on their alias; kmem and fsdev_dax are loaded last, so
  // device_dax (loaded with every provider) registers first, as udev's alias order would have it.
  return steps.length > 0 ? [...steps, load('load kmem', ['kmem'], 'kmem'), load('load fsdev_dax', ['fsdev_dax'], 'fsdev_dax')] : [];
}

/**
 * Providers register some dax devices asynchronously (dax_cxl from 7.1 registers its driver from a work item
 * after modprobe returns): the inventory waits until every expected device exists and is bound.
 */
function settleSteps(expect: ExpectedInventory, kmemState: boolean): ProvisionStep[] {
  const byProvider = new Map<Provider, number>();
  for (const r of expect.regions) byProvider.set(r.provider, (byProvider.get(r.provider) ?? 0) + r.devices);
  return [...byProvider].map(([p, n]) => ({
    name: `wait for ${n} bound ${p} dax device${n > 1 ? 's' : ''}`,
    command: 'true',
    waitFor: { command: daxDevicesBound(PROVIDERS[p].hostDriver, PROVIDERS[p].ndBus ?? null, n, kmemState), timeoutMs: PROBE_TIMEOUT_MS },
    requires: p,
  }));
}

function devdaxFlags(ns: NamespaceSpec): string {
  return [
    '-m devdax',
    ...(ns.size !== undefined ? [`-s ${formatSize(ns.size)}`] : []),
    ...(ns.align !== undefined ? [`-a ${formatSize(ns.align)}`] : []),
    ...(ns.map !== undefined ? [`-M ${ns.map}`] : []),
  ].join(' ');
}

function createNamespace(name: string, bus: NdBus, rank: number, ns: NamespaceSpec, requires?: Capability): ProvisionStep {
  return {
    name,
    command: withNames({ r: ndRegionByRank(bus, rank) }, `ndctl create-namespace -r $r ${devdaxFlags(ns)}`),
    waitFor: { command: ndRegionsPresent(bus, rank + 1), timeoutMs: PROBE_TIMEOUT_MS },
    ...(requires ? { requires } : {}),
  };
}

// e820 regions have no labels: each holds one raw namespace (namespaceN.0) that is reconfigured in place.
function legacyPmemSteps(t: GuestTopology): ProvisionStep[] {
  const byAddress = t.pmem.map((r, i) => ({ r, i })).sort((a, b) => (a.r.start < b.r.start ? -1 : 1));
  return byAddress.map(({ r, i }, rank) => ({
    name: `devdax namespace on pmem[${i}] (${formatSize(r.size)} at ${formatSize(r.start)})`,
    command: withNames({ r: ndRegionByRank('e820', rank) }, `ndctl create-namespace -f -e namespace\${r#region}.0 ${devdaxFlags(r.namespace)}`),
    waitFor: { command: ndRegionsPresent('e820', t.pmem.length), timeoutMs: PROBE_TIMEOUT_MS },
    requires: 'legacy-pmem' as const,
  }));
}

// QEMU starts NVDIMMs with a zeroed label area, which Linux treats as label-less (one namespace per
// region); writing an empty label index is what allows several namespaces. Only NFIT buses are touched:
// CXL label areas belong to the CXL steps.
function nvdimmSteps(t: GuestTopology): ProvisionStep[] {
  if (t.nvdimms.length === 0) return [];
  const nfit = '-b ACPI.NFIT all';
  const labels: ProvisionStep = {
    name: 'initialise nvdimm labels',
    command: `ndctl disable-region ${nfit} && ndctl init-labels ${nfit} && ndctl enable-region ${nfit}`,
    waitFor: { command: ndRegionsPresent('ACPI.NFIT', t.nvdimms.length), timeoutMs: PROBE_TIMEOUT_MS },
    requires: 'nvdimm',
  };
  // QEMU places NVDIMMs at rising addresses in command-line order, one region each.
  const namespaces = t.nvdimms.flatMap((nv, rank) =>
    nv.namespaces.map((ns, k) => createNamespace(`devdax namespace nvdimms[${rank}].namespaces[${k}] on ${nv.id}`, 'ACPI.NFIT', rank, ns, 'nvdimm')),
  );
  return namespaces.length > 0 ? [labels, ...namespaces] : [];
}

function cxlRegionSteps(cxl: CxlTopology): ProvisionStep[] {
  const windowIndex = (id: string) => cxl.windows.findIndex((w) => w.id === id);
  // A window hands out its space bottom-up and QEMU stacks windows in order, so CXL nd regions sort by
  // (window, creation order); the rank of a pmem region among them finds its nd region.
  const pmemRank = new Map(
    cxl.regions
      .filter((r) => r.type === 'pmem')
      .map((r, order) => ({ id: r.id, key: windowIndex(r.window) * cxl.regions.length + order }))
      .sort((a, b) => a.key - b.key)
      .map((r, rank) => [r.id, rank]),
  );
  return cxl.regions.flatMap((r, i) => {
    const partition = r.type;
    const vars = Object.fromEntries(r.devices.map((id, k) => [`m${k}`, cxlMemdevBySerial(cxlSerial(cxl, id))]));
    const create: ProvisionStep = {
      name: `create cxl ${r.type} region ${r.id} (${r.devices.join(', ')})`,
      command: withNames(
        vars,
        [
          `cxl create-region -t ${r.type} -d ${cxlRootDecoder(cxl, r.window)} -w ${r.devices.length}`,
          ...(r.granularity !== undefined ? [`-g ${r.granularity}`] : []),
          `-m ${Object.keys(vars).map((v) => `$${v}`).join(' ')}`,
        ].join(' '),
      ),
      retry: CXL_REGION_RETRY,
      waitFor: { command: r.devices.map((id) => cxlMemdevReady(cxlSerial(cxl, id), partition)).join(' && '), timeoutMs: PROBE_TIMEOUT_MS },
      ...(r.type === 'ram' ? { requires: 'cxl-ram' as const } : {}),
    };
    const namespaces = r.namespaces.map((ns, k) => createNamespace(`devdax namespace cxl.regions[${i}].namespaces[${k}] on ${r.id}`, 'CXL', pmemRank.get(r.id)!, ns));
    return [create, ...namespaces];
  });
}
