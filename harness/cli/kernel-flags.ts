// The flags that pick the kernel under test, shared by every command that boots a guest.
import type { KernelChoice } from '../../images/kernel.ts';
import { DEBIAN_KERNELS, DEFAULT_KERNEL_SERIES } from '../../images/pins.ts';
import { GCOV_DIRS } from '../../images/source-build.ts';
import { UsageError } from './errors.ts';

export const KERNEL_OPTIONS = {
  kernel: { type: 'string' },
  modules: { type: 'string' },
  'kernel-tree': { type: 'string' },
  'debian-kernel': { type: 'string' },
  build: { type: 'boolean' },
  debug: { type: 'boolean' },
  coverage: { type: 'boolean' },
} as const;

export const KERNEL_HELP = `kernel under test (pick one; default: --debian-kernel ${DEFAULT_KERNEL_SERIES}):
  --debian-kernel S        Debian's pinned kernel of series S (${DEBIAN_KERNELS.map((k) => k.series).join(', ')}, latest); daxh kernels lists them
  --kernel F --modules D   a bzImage and its modules: the INSTALL_MOD_PATH of \`make modules_install\`, a Debian
                           usr/lib/modules tree, or a lib/modules/<release> dir
  --kernel-tree D          a built kernel tree (arch/x86/boot/bzImage, .config; modules installed on the fly)
  --kernel-tree D --build  rebuild it first (make -j$(nproc) bzImage modules; configure with daxh kconfig)
  --debug                  the series' Debian linux-source built with KASAN, lockdep, kobject-release and list
                           debugging, SLUB poisoning, UBSAN and a 30 s hung-task timeout (cached; about 45 min once)
  --coverage               gcov: the series' linux-source built with profiling for ${GCOV_DIRS.join(', ')}
                           (or a tree configured with daxh kconfig --coverage); run reports line and branch
                           coverage per file and per suite, with lcov data and an HTML report under --out`;

type KernelValues = { kernel?: string; modules?: string; 'kernel-tree'?: string; 'debian-kernel'?: string; build?: boolean; debug?: boolean; coverage?: boolean };

export function kernelChoice(v: KernelValues): KernelChoice {
  const given = [v.kernel !== undefined || v.modules !== undefined, v['kernel-tree'] !== undefined, v['debian-kernel'] !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('--kernel/--modules, --kernel-tree and --debian-kernel exclude each other: pass one');
  if (v.kernel !== undefined || v.modules !== undefined) {
    if (v.debug || v.coverage) throw new UsageError(`--${v.debug ? 'debug' : 'coverage'} builds a kernel from source; with --kernel/--modules there is none: use --debian-kernel S or --kernel-tree DIR`);
    if (v.kernel === undefined) throw new UsageError('--modules needs --kernel <bzImage> too');
    if (v.modules === undefined) throw new UsageError('--kernel needs --modules <dir> too (the INSTALL_MOD_PATH of make modules_install)');
    return { kind: 'files', bzImage: v.kernel, modules: v.modules };
  }
  if (v.build && v['kernel-tree'] === undefined) throw new UsageError('--build rebuilds a tree: give it --kernel-tree DIR');
  if (v['kernel-tree'] !== undefined) {
    // A tree has its own config: the profile goes into it with daxh kconfig, and run checks it has gcov.
    if (v.debug) throw new UsageError(`--debug builds Debian's source; a tree gets the debug profile from daxh kconfig --kernel-tree ${v['kernel-tree']} --debug (then --build)`);
    return { kind: 'tree', dir: v['kernel-tree'], build: v.build === true };
  }
  // The series name is checked where the pins live (images/kernel.ts debianPin), which the CLI maps to exit 2.
  const series = v['debian-kernel'] ?? DEFAULT_KERNEL_SERIES;
  if (v.debug || v.coverage) return { kind: 'source', series, profile: { debug: v.debug === true, coverage: v.coverage === true } };
  return { kind: 'debian', series };
}

/** The same choice as flags again, for commands that start another daxh (bench --full). */
export function kernelArgs(v: KernelValues): string[] {
  return [...(['kernel', 'modules', 'kernel-tree', 'debian-kernel'] as const).flatMap((k) => (v[k] === undefined ? [] : [`--${k}`, v[k]!])), ...(['build', 'debug', 'coverage'] as const).flatMap((k) => (v[k] ? [`--${k}`] : []))];
}
