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
