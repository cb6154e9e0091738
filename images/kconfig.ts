// Kernel .config text → option map, and the options without which there is no dax bus to test.
export type KernelConfig = ReadonlyMap<string, string>;

export function parseKernelConfig(text: string): KernelConfig {
  const options = new Map<string, string>();
  for (const line of text.split('\n')) {
    const set = line.match(/^(CONFIG_\w+)=(.*)$/);
    if (set) options.set(set[1]!, set[2]!);
  }
  return options;
}

export const REQUIRED_DAX_OPTIONS = ['CONFIG_DEV_DAX', 'CONFIG_DEV_DAX_KMEM'] as const;

export function missingDaxOptions(config: KernelConfig): string[] {
  return REQUIRED_DAX_OPTIONS.filter((o) => !['y', 'm'].includes(config.get(o) ?? ''));
}

/** Options that make a debug kernel: each one turns a class of silent bug into a kernel report. */
export const DEBUG_OPTIONS = ['CONFIG_KASAN', 'CONFIG_PROVE_LOCKING', 'CONFIG_DEBUG_KOBJECT_RELEASE', 'CONFIG_DEBUG_LIST', 'CONFIG_SLUB_DEBUG_ON', 'CONFIG_UBSAN', 'CONFIG_DETECT_HUNG_TASK', 'CONFIG_GCOV_KERNEL'] as const;

/**
 * How reports name a kernel's build: where it came from, and the debug options it has on (a Debian kernel has
 * CONFIG_DETECT_HUNG_TASK, which alone does not make a debug build).
 */
export function configProfile(config: KernelConfig | null, origin: 'debian' | 'user'): string {
  if (!config) return `${origin} (config unknown)`;
  const on = DEBUG_OPTIONS.filter((o) => o !== 'CONFIG_DETECT_HUNG_TASK' && config.get(o) === 'y').map((o) => o.replace(/^CONFIG_/, ''));
  return on.length ? `${origin} debug: ${on.join(' ')}` : origin;
}
