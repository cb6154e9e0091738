// What the kernel under test can do, asked of the guest itself (its modules) and of the ABI table (its
// features), so suites and provisioning skip visibly, with a reason, instead of failing or passing by
// accident on an older kernel.
import { BUILD_FEATURES, CAPABILITIES, featureOf, isBuildFeature, moduleOf, type Capability } from '../abi/capabilities.ts';
import { ABI_CHANGES, ABI_LABELS, featureSince, type KernelAbi } from '../abi/kernel.ts';
import { CXL_BUS_MODULES } from '../abi/providers.ts';

export type { Capability };

export interface Capabilities {
  has: ReadonlySet<Capability>;
  why(c: Capability): string;
  release: string;
  /** `memory_hotplug.memmap_on_memory` as the kernel reports it; null when the parameter does not exist. */
  mhpMemmapOnMemory: 'N' | 'Y' | 'force' | null;
}

const MODULES = [...new Set([...CAPABILITIES.map(moduleOf).filter((m): m is string => m !== null), ...CXL_BUS_MODULES])];

/**
 * One guest command that prints `key=value` lines; parsed by parseCapabilities. A module is there when
 * modules.dep or modules.builtin lists it, or, for a tree installed without modules.builtin, when it is
 * built in and shows in /sys/module. Not `modprobe -n`: the guest's busybox sh runs its own modprobe applet
 * in preference to kmod's, and that applet has no dry run.
 */
export const CAPABILITY_PROBE = [
  'echo release=$(uname -r)',
  'm=/lib/modules/$(uname -r)',
  ...MODULES.map((mod) => `if grep -q '/${mod}\\.ko' $m/modules.dep $m/modules.builtin 2>/dev/null || [ -d /sys/module/${mod} ]; then echo mod_${mod}=1; else echo mod_${mod}=0; fi`),
  'echo mhp_mom=$(cat /sys/module/memory_hotplug/parameters/memmap_on_memory 2>/dev/null)',
  ...Object.entries(BUILD_FEATURES).map(([name, f]) => `if ${f.test}; then echo build_${name}=1; else echo build_${name}=0; fi`),
].join('; ');

/** The release a probe printed. */
export function probedRelease(text: string): string {
  return /^release=(.*)$/m.exec(text)?.[1]?.trim() ?? '';
}

export function parseCapabilities(text: string, abi: KernelAbi): Capabilities {
  const kv = new Map(text.split('\n').flatMap((l) => (l.includes('=') ? [[l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()] as const] : [])));
  const release = kv.get('release') ?? '';
  const has = new Set<Capability>();
  const reasons = new Map<Capability, string>();
  for (const c of CAPABILITIES) {
    const feature = featureOf(c);
    const mod = moduleOf(c);
    if (isBuildFeature(c)) {
      if (kv.get(`build_${c}`) === '1') has.add(c);
      else reasons.set(c, `kernel ${release} was built without ${BUILD_FEATURES[c].label}`);
    } else if (feature && !abi[feature]) {
      const since = featureSince(feature);
      const removed = ABI_CHANGES[0]!.change[feature] === true;
      reasons.set(c, `kernel ${release} ${removed ? 'no longer has' : 'predates'} ${ABI_LABELS[feature]}${since ? ` (${removed ? 'gone in ' : ''}${since})` : ''}`);
    } else if (mod && kv.get(`mod_${mod}`) !== '1') {
      reasons.set(c, `kernel ${release} has no ${mod} module`);
    } else {
      has.add(c);
    }
  }
  const mom = kv.get('mhp_mom');
  return {
    has,
    why: (c) => reasons.get(c) ?? `kernel ${release} lacks ${c}`,
    release,
    mhpMemmapOnMemory: mom === 'Y' || mom === 'N' || mom === 'force' ? mom : null,
  };
}
