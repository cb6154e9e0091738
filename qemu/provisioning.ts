// The guest-side steps that turn a booted topology into dax devices. The guest has no udev, so every
// module is loaded by hand; the online policy is set before kmem loads, because kmem onlines RAM-like
// dax devices the moment it binds them.
import { cxlMemdevBySerial, cxlMemdevReady, ndRegionByRank, ndRegionsPresent, withNames, type NdBus } from './guest-shell.ts';
import { cxlRootDecoder, cxlSerial } from './qemu-args.ts';
import type { CxlTopology, NamespaceSpec, OnlinePolicy } from './schema.ts';
import { formatSize } from './size.ts';
import type { GuestTopology } from './validate.ts';

export type Capability = 'dax_cxl' | 'cxl_ram_region' | 'dax_hmem' | 'kmem' | 'memmap_on_memory_attr' | 'nvdimm' | 'legacy_pmem';

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

// cxl_core and cxl_port are built into Debian's kernels (CONFIG_CXL_BUS=y, CONFIG_CXL_PORT=y), so they
// are not loaded. device_dax comes with every provider: tests rebind kmem devices to it.
const MODULES = {
  legacyPmem: ['nd_e820', 'dax_pmem', 'device_dax'],
  nvdimm: ['nfit', 'nd_pmem', 'dax_pmem', 'device_dax'],
  cxl: ['cxl_acpi', 'cxl_pci', 'cxl_mem', 'device_dax'],
  cxlPersistent: ['cxl_pmem', 'nd_pmem', 'dax_pmem'],
  hmem: ['dax_hmem', 'device_dax'],
} as const;

/** How long the kernel may take to probe devices asynchronously after a module load. */
const PROBE_TIMEOUT_MS = 30_000;
// cxl create-region can still lose a race with endpoint probing after the wait; the lab retried every 0.2 s.
const CXL_REGION_RETRY = { attempts: 30, delayMs: 200 };

export function provisioningSteps(t: GuestTopology): ProvisionStep[] {
  const online = t.boot.online?.via === 'auto_online_blocks' ? [setOnlinePolicy(t.boot.online.policy)] : [];
  return [...online, ...moduleSteps(t), ...legacyPmemSteps(t), ...nvdimmSteps(t), ...(t.cxl ? cxlRegionSteps(t.cxl) : [])];
}

function setOnlinePolicy(policy: OnlinePolicy): ProvisionStep {
  return { name: `set memory online policy ${policy}`, command: `echo ${policy} > /sys/devices/system/memory/auto_online_blocks` };
}

function load(name: string, modules: readonly string[], requires?: Capability): ProvisionStep {
  return { name, command: `modprobe -a ${modules.join(' ')}`, ...(requires ? { requires } : {}) };
}

function moduleSteps(t: GuestTopology): ProvisionStep[] {
  const cxl = t.cxl;
  const steps = [
    t.pmem.length > 0 && load('load legacy pmem modules', MODULES.legacyPmem, 'legacy_pmem'),
    t.nvdimms.length > 0 && load('load nvdimm modules', MODULES.nvdimm, 'nvdimm'),
    cxl && load('load cxl modules', [...MODULES.cxl, ...(cxl.devices.some((d) => d.type === 'persistent') ? MODULES.cxlPersistent : [])]),
    cxl?.regions.some((r) => r.type === 'ram') && load('load dax_cxl', ['dax_cxl'], 'dax_cxl'),
    t.hmem.length > 0 && load('load hmem modules', MODULES.hmem, 'dax_hmem'),
  ].filter((s): s is ProvisionStep => Boolean(s));
  return steps.length > 0 ? [...steps, load('load kmem', ['kmem'], 'kmem')] : [];
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
    requires: 'legacy_pmem' as const,
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
      ...(r.type === 'ram' ? { requires: 'cxl_ram_region' as const } : {}),
    };
    const namespaces = r.namespaces.map((ns, k) => createNamespace(`devdax namespace cxl.regions[${i}].namespaces[${k}] on ${r.id}`, 'CXL', pmemRank.get(r.id)!, ns));
    return [create, ...namespaces];
  });
}
