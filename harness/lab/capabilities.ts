// What the kernel under test can do, asked of the guest itself, so suites and provisioning skip
// visibly (with a reason) instead of failing or passing by accident on an older kernel.
import { featureSince, formatVersion, kernelHas, type KernelVersion } from '../../qemu/kernel.ts';
import type { Capability } from '../../qemu/plan.ts';

export interface Capabilities {
  has: ReadonlySet<Capability>;
  why(c: Capability): string;
  release: string;
  /** `memory_hotplug.memmap_on_memory` as the kernel reports it; null when the parameter does not exist. */
  mhpMemmapOnMemory: 'N' | 'Y' | 'force' | null;
}

/**
 * One guest command that prints `key=value` lines; parsed by parseCapabilities. Modules are looked up in
 * modules.dep/modules.builtin rather than with `modprobe -n`: the guest's busybox sh runs its own modprobe
 * applet in preference to kmod's, and that applet has no dry run.
 */
export const CAPABILITY_PROBE = [
  'echo release=$(uname -r)',
  'm=/lib/modules/$(uname -r)',
  ...['dax_cxl', 'dax_hmem', 'kmem', 'device_dax', 'nfit', 'nd_e820', 'cxl_acpi'].map(
    (mod) => `if grep -q '/${mod}\\.ko' $m/modules.dep $m/modules.builtin 2>/dev/null; then echo mod_${mod}=1; else echo mod_${mod}=0; fi`,
  ),
  'echo mhp_mom=$(cat /sys/module/memory_hotplug/parameters/memmap_on_memory 2>/dev/null)',
].join('; ');

const MODULE_OF: Partial<Record<Capability, string>> = {
  dax_cxl: 'dax_cxl',
  cxl_ram_region: 'dax_cxl',
  dax_hmem: 'dax_hmem',
  kmem: 'kmem',
  nvdimm: 'nfit',
  legacy_pmem: 'nd_e820',
};

export function kernelVersion(release: string): KernelVersion {
  const m = release.match(/^(\d+)\.(\d+)/);
  if (!m) throw new Error(`cannot read a version from kernel release ${release}`);
  return [Number(m[1]), Number(m[2])];
}

export function parseCapabilities(text: string): Capabilities {
  const kv = new Map(text.split('\n').flatMap((l) => (l.includes('=') ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()] as const] : [])));
  const release = kv.get('release') ?? '';
  const version = kernelVersion(release);
  const has = new Set<Capability>();
  const reasons = new Map<Capability, string>();
  for (const [cap, mod] of Object.entries(MODULE_OF) as [Capability, string][]) {
    if (kv.get(`mod_${mod}`) === '1') has.add(cap);
    else reasons.set(cap, `kernel ${release} has no ${mod} module`);
  }
  if (kernelHas(version, 'memmap_on_memory_attr')) has.add('memmap_on_memory_attr');
  else reasons.set('memmap_on_memory_attr', `kernel ${release} predates the dax memmap_on_memory attribute (${formatVersion(featureSince('memmap_on_memory_attr'))})`);
  const mom = kv.get('mhp_mom');
  return {
    has,
    why: (c) => reasons.get(c) ?? `kernel ${release} lacks ${c}`,
    release,
    mhpMemmapOnMemory: mom === 'Y' || mom === 'N' || mom === 'force' ? mom : null,
  };
}
