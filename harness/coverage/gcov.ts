// Kernel coverage of a run (--coverage): the guest's gcov counters (debugfs, CONFIG_GCOV_KERNEL) are read
// whenever a guest's state is about to be thrown away (a snapshot restore, a stop) and at every change of
// suite, and turned into lcov tracefiles against the build tree, one set per suite. At the end they merge
// into per-file line and branch figures, an lcov tracefile and genhtml's HTML report.
// Documentation/dev-tools/gcov.rst "Separated build and test machines": the .gcda files come from the
// test machine, the .gcno files stay in the build tree.
import { readFile, symlink } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { deadlines } from '../guest/deadlines.ts';
import type { GuestMachine } from '../guest/machine.ts';
import type { Kernel } from '../../images/kernel.ts';
import { InputError } from '../util/input-error.ts';
import { parseLcovInfo, type FileCoverage } from './lcov-info.ts';
import { extractUntrustedTar } from '../util/extract.ts';

export interface KernelCoverage {
  /** The build tree the figures map to. */
  tree: string;
  /** Every profiled source file (.c), whole run. */
  files: FileCoverage[];
  /** The same per suite: what its cases (and the provisioning they share) reached. */
  suites: { suite: string; files: FileCoverage[] }[];
  /** Merged lcov tracefile and genhtml's index, under the run's --out dir. */
  lcov?: string;
  html?: string;
  /** How many times counters were read, and the reads that failed (a crashed guest takes its counters along). */
  collections: number;
  lost: string[];
}

/** Where the run's gcov data goes, per topology group; the runner calls it, a fake can stand in. */
export interface CoverageSink {
  /** Reads the guest's counters and files them under `suite`; with `reset`, zeroes them afterwards. */
  collect(guest: GuestMachine, suite: string, reset: boolean): Promise<void>;
  finish(): Promise<KernelCoverage>;
}

const GCOV = '/sys/kernel/debug/gcov';

/** The build tree of a kernel that can report coverage, or one line saying how to get one. */
export function gcovTree(kernel: Kernel): string {
  if (!kernel.tree) throw new InputError(`--coverage: ${kernel.label} has no build tree to map gcov data to; use --debian-kernel S --coverage or a --kernel-tree`);
  if (kernel.config?.get('CONFIG_GCOV_KERNEL') !== 'y') throw new InputError(`--coverage: ${kernel.label} lacks CONFIG_GCOV_KERNEL; run daxh kconfig --kernel-tree ${kernel.tree} --coverage, add GCOV_PROFILE := y to drivers/dax/Makefile, and rebuild (--build)`);
  return kernel.tree;
}

/**
 * debugfs gcov files report size 0, so tar cannot read them directly: each is copied with cat first
 * (gcov.rst). The tar goes out as base64 on stdout, the one channel the guest has.
 */
const dumpCommand = (reset: boolean) => `d=${GCOV}
[ -d $d ] || { echo "no $d: the kernel lacks CONFIG_GCOV_KERNEL" >&2; exit 3; }
t=$(mktemp -d) && cd $d && find . -name '*.gcda' | while read -r f; do mkdir -p "$t/\${f%/*}"; cat "$f" > "$t/$f"; done
tar -C "$t" -cf - . | base64 && rm -rf "$t"${reset ? ` && echo 1 > $d/reset` : ''}`;

const LCOV_RC = ['--rc', 'lcov_branch_coverage=1'];

export class GcovCollector implements CoverageSink {
  private count = 0;
  private readonly infos = new Map<string, string[]>();
  private readonly lost: string[] = [];

  constructor(
    private readonly tree: string,
    private readonly dir: string,
  ) {}

  async collect(guest: GuestMachine, suite: string, reset: boolean): Promise<void> {
    const n = ++this.count;
    try {
      const r = await guest.exec(dumpCommand(reset), { timeoutMs: deadlines().stepMs });
      if (r.code !== 0) throw new Error(r.stderr.trim().split('\n').at(-1) ?? `exit ${r.code}`);
      // The guest runs the kernel under test: its archive is data, never `tar -x` as root.
      const { dir: raw, files, refused } = await extractUntrustedTar(Buffer.from(r.stdout, 'base64'), join(this.dir, 'raw'), `${n}-`);
      if (refused.length) this.lost.push(`${suite} (read ${n}): left out of the guest's archive: ${refused.slice(0, 3).join('; ')}${refused.length > 3 ? ` and ${refused.length - 3} more` : ''}`);
      // debugfs names each file by the absolute path it was built at: the tree's.
      const base = join(raw, this.tree);
      const gcda = files.filter((f) => f.startsWith(`${base}/`) && f.endsWith('.gcda'));
      if (!gcda.length) throw new Error(`no gcov data under ${GCOV}${this.tree}: build the dax directories with GCOV_PROFILE := y`);
      for (const f of gcda) await symlink(join(this.tree, relative(base, f)).replace(/\.gcda$/, '.gcno'), f.replace(/\.gcda$/, '.gcno')).catch(() => {});
      const info = join(this.dir, 'raw', `${n}.info`);
      await execa('lcov', ['--quiet', '--capture', '--directory', base, '--base-directory', this.tree, ...LCOV_RC, '--output-file', info]);
      this.infos.set(suite, [...(this.infos.get(suite) ?? []), info]);
    } catch (err) {
      this.lost.push(`${suite} (read ${n}): ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
    }
  }

  /** Always through lcov, even for one tracefile: only --add-tracefile writes the LF/LH summaries the figures read (--capture does not). */
  private async merge(infos: readonly string[], out: string): Promise<string> {
    await execa('lcov', ['--quiet', ...infos.flatMap((f) => ['--add-tracefile', f]), ...LCOV_RC, '--output-file', out]);
    return out;
  }

  private async figures(info: string): Promise<FileCoverage[]> {
    return parseLcovInfo(await readFile(info, 'utf8'), this.tree).filter((f) => f.file.endsWith('.c'));
  }

  async finish(): Promise<KernelCoverage> {
    const base = { tree: this.tree, collections: this.count, lost: this.lost };
    if (!this.infos.size) return { ...base, files: [], suites: [] };
    const suites: KernelCoverage['suites'] = [];
    for (const [suite, infos] of this.infos) suites.push({ suite, files: await this.figures(await this.merge(infos, join(this.dir, `${suite}.info`))) });
    const lcov = await this.merge([...this.infos.values()].flat(), join(this.dir, 'kernel.info'));
    const html = join(this.dir, 'html');
    const rendered = await execa('genhtml', ['--quiet', '--branch-coverage', '--prefix', this.tree, '--title', 'dax-harness kernel coverage', '--output-directory', html, lcov], { reject: false, all: true });
    if (rendered.exitCode !== 0) this.lost.push(`genhtml: ${String(rendered.all).trim().split('\n').at(-1)}`);
    return { ...base, files: await this.figures(lcov), suites, lcov, ...(rendered.exitCode === 0 ? { html: join(html, 'index.html') } : {}) };
  }
}
