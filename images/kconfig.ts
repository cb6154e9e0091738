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

/** One option `daxh kconfig` sets: y or m, and why the harness needs it. */
export interface ConfigSetting {
  option: string;
  /** y, m, or a number (an int option). */
  value: 'y' | 'm' | `${number}`;
  why: string;
}

const y = (option: string, why: string): ConfigSetting => ({ option: `CONFIG_${option}`, value: 'y', why });
const m = (option: string, why: string): ConfigSetting => ({ option: `CONFIG_${option}`, value: 'm', why });

/**
 * What a kernel needs to boot in the harness's guest and show every provider on its dax bus. Modules stay
 * modules where the harness loads them itself (kmem, dax_cxl: provisioning orders their loading), and so a
 * rebuilt one is a new image. Names from drivers/dax/Kconfig, drivers/nvdimm/Kconfig, drivers/cxl/Kconfig.
 */
export const HARNESS_CONFIG: readonly ConfigSetting[] = [
  y('64BIT', 'x86_64 guests'),
  y('SERIAL_8250_CONSOLE', 'the console the harness reads kernel reports from'),
  y('BLK_DEV_INITRD', 'the guest image is an initramfs'),
  y('RD_ZSTD', 'zstd-compressed initramfs'),
  y('DEVTMPFS', '/dev for the image'),
  y('TMPFS', 'the guest root'),
  y('MODULES', 'the dax drivers are loaded as modules'),
  y('MODULE_UNLOAD', 'cases unload and reload drivers'),
  y('PCI', 'virtio and CXL devices'),
  y('VIRTIO_PCI', 'the guest NIC'),
  m('VIRTIO_NET', 'SSH into the guest (user network, restrict=on)'),
  m('HW_RANDOM_VIRTIO', 'entropy for dropbear at boot'),
  y('MAGIC_SYSRQ', 'fault tests force a panic through sysrq'),
  y('NUMA', 'pmem and hmem ranges live in a NUMA node of their own'),
  y('ACPI_HMAT', 'memory targets for soft-reserved ranges'),
  y('MEMORY_HOTPLUG', 'kmem onlines dax memory'),
  y('MEMORY_HOTREMOVE', 'kmem offlines and removes it again'),
  y('ZONE_DEVICE', 'device-dax struct pages'),
  y('TRANSPARENT_HUGEPAGE', 'DEV_DAX depends on it'),
  y('EFI_SOFT_RESERVE', 'DEV_DAX_HMEM depends on it'),
  y('LIBNVDIMM', 'NVDIMM and legacy pmem'),
  m('ACPI_NFIT', 'QEMU NVDIMMs'),
  m('X86_PMEM_LEGACY', 'legacy e820 pmem (memmap=!)'),
  m('BLK_DEV_PMEM', 'pmem namespaces'),
  y('NVDIMM_PFN', 'devdax namespaces need a pfn info block'),
  y('NVDIMM_DAX', 'devdax namespaces'),
  y('CXL_BUS', 'CXL type-3 memory'),
  m('CXL_PCI', 'CXL memory devices'),
  m('CXL_ACPI', 'CXL fixed memory windows'),
  m('CXL_MEM', 'CXL memdevs'),
  m('CXL_PORT', 'CXL ports and decoders'),
  m('CXL_PMEM', 'CXL pmem regions'),
  y('CXL_REGION', 'CXL RAM regions that become dax regions'),
  // Not FS_DAX: it selects DAX built-in, and a patch to bus.c would then need a new bzImage, not one .ko. So
  // device-dax mmap and fsdev_dax (7.1 on) do not work on such a tree (MAPPING); their cases skip, with the reason.
  m('DAX', 'the dax core with bus.c: a patch to it rebuilds one module'),
  m('DEV_DAX', 'the dax bus under test'),
  m('DEV_DAX_PMEM', 'dax regions on nd namespaces'),
  m('DEV_DAX_HMEM', 'dax regions on soft-reserved memory'),
  m('DEV_DAX_CXL', 'dax regions on CXL RAM regions'),
  m('DEV_DAX_KMEM', 'dax memory as System RAM'),
];

/**
 * Without FS_DAX, S_DAX is 0 (include/linux/fs.h), so check_vma() (drivers/dax/device.c) finds no vma DAX
 * capable and every mmap of /dev/daxX.Y fails EINVAL, and DEV_DAX_FSDEV (7.1 on) depends on it. The debug
 * and coverage profiles exist to reach device.c's fault paths and fsdev_dax, so they take it, and with it
 * DAX built in, as Debian builds it.
 */
const MAPPING = y('FS_DAX', 'mmap of /dev/daxX.Y (vma_is_dax) and fsdev_dax; selects DAX built in');

/** What `daxh kconfig --debug` adds: the reports that make a silent corruption or deadlock visible. */
export const DEBUG_CONFIG: readonly ConfigSetting[] = [
  MAPPING,
  y('KASAN', 'use-after-free and out-of-bounds accesses'),
  y('KASAN_GENERIC', 'the x86_64 KASAN mode'),
  y('PROVE_LOCKING', 'lockdep: lock-order inversions'),
  // DEBUG_KOBJECT_RELEASE depends on DEBUG_OBJECTS_TIMERS, which depends on DEBUG_OBJECTS (lib/Kconfig.debug):
  // without them olddefconfig drops it.
  y('DEBUG_KERNEL', 'the debug options below depend on it'),
  y('DEBUG_OBJECTS', 'object lifetime tracking'),
  y('DEBUG_OBJECTS_TIMERS', 'timers freed while armed; DEBUG_KOBJECT_RELEASE depends on it'),
  y('DEBUG_KOBJECT_RELEASE', 'delayed kobject release: device lifetime bugs'),
  y('DEBUG_LIST', 'list corruption'),
  y('SLUB_DEBUG_ON', 'slab poisoning and red zones'),
  y('UBSAN', 'undefined behaviour'),
  y('DETECT_HUNG_TASK', 'hung tasks'),
  { option: 'CONFIG_DEFAULT_HUNG_TASK_TIMEOUT', value: '30', why: 'a hung task is reported within a case, not after 120 s' },
  // Allocation failures are paths no other case reaches (devm_create_dev_dax, alloc_dev_dax_range unwinding):
  // failslab with its task filter fails the Nth allocation of one write only (Documentation/fault-injection).
  y('FAULT_INJECTION', 'failslab depends on it'),
  y('FAILSLAB', 'the allocation-failure cases'),
  y('DEBUG_FS', 'failslab is driven through debugfs'),
  y('FAULT_INJECTION_DEBUG_FS', 'failslab\'s knobs in /sys/kernel/debug/failslab'),
];

/** What `daxh kconfig --coverage` adds: gcov data for the dax and CXL drivers (debugfs/gcov). */
export const COVERAGE_CONFIG: readonly ConfigSetting[] = [MAPPING, y('DEBUG_FS', 'gcov data lives in debugfs'), y('GCOV_KERNEL', 'kernel gcov support')];

/**
 * The settings a config lacks, among the options this tree's Kconfig defines (DEV_DAX_FSDEV exists from 7.1
 * on only). An m that became y counts as set: something selected it built-in.
 */
export function settingsMissing(settings: readonly ConfigSetting[], config: KernelConfig, known: (option: string) => boolean): ConfigSetting[] {
  return settings.filter((s) => known(s.option) && config.get(s.option) !== s.value && !(s.value === 'm' && config.get(s.option) === 'y'));
}

/** Debug options distributions turn on for every build (Debian: hung-task and list checks throughout, UBSAN bounds from 6.17): they do not make a debug build. */
const DISTRO_DEFAULTS: readonly string[] = ['CONFIG_DETECT_HUNG_TASK', 'CONFIG_DEBUG_LIST', 'CONFIG_UBSAN'];

/** How reports name a kernel's build: where it came from, and the debug options it has beyond a distribution's. */
export function configProfile(config: KernelConfig | null, origin: 'debian' | 'user'): string {
  if (!config) return `${origin} (config unknown)`;
  const on = DEBUG_OPTIONS.filter((o) => !DISTRO_DEFAULTS.includes(o) && config.get(o) === 'y').map((o) => o.replace(/^CONFIG_/, ''));
  return on.length ? `${origin} debug: ${on.join(' ')}` : origin;
}

/** scripts/config arguments that apply the settings. */
export function scriptsConfigArgs(settings: readonly ConfigSetting[]): string[] {
  return settings.flatMap((s) => {
    const name = s.option.replace(/^CONFIG_/, '');
    return s.value === 'y' ? ['--enable', name] : s.value === 'm' ? ['--module', name] : ['--set-val', name, s.value];
  });
}

/** Every `config NAME` a set of Kconfig files defines, as CONFIG_NAME. */
export function kconfigSymbols(kconfigTexts: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const text of kconfigTexts) for (const m of text.matchAll(/^\s*(?:menu)?config\s+(\w+)/gm)) out.add(`CONFIG_${m[1]}`);
  return out;
}

/**
 * What the edit loop will cost on this config that no harness option changes: with LOCALVERSION_AUTO the
 * release of a git tree gains -dirty at the first edit after a commit (scripts/setlocalversion), so
 * utsrelease.h changes, vmlinux relinks and every module is relinked for its vermagic. Null when none.
 */
export function editLoopNote(config: KernelConfig): string | null {
  if (config.get('CONFIG_LOCALVERSION_AUTO') !== 'y') return null;
  return 'CONFIG_LOCALVERSION_AUTO=y: the first edit after a commit turns the release -dirty, which relinks vmlinux and every module (23 s of a 35 s edit-to-verdict on a defconfig 6.12 here; later edits rebuild only what changed). scripts/config -d LOCALVERSION_AUTO keeps the release stable (a + suffix) if that matters to you.';
}
