import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { execa } from 'execa';
import { DEBIAN_KERNELS } from '../../../images/pins.ts';
import { holdExit, interruption, interruptExitCode } from '../../guest/registry.ts';
import { MATRIX_SCHEMA, entryLine, entryOf, kernelFlags, kernelLabel, kernelSlug, matrixExit, matrixTable, type MatrixEntry, type MatrixKernel, type MatrixSummary } from '../../matrix/summary.ts';
import { FileReporter, checkOutputPath, checkReportPaths, writeReportFile } from '../../report/files.ts';
import { FORMATS } from '../../report/formats.ts';
import { readResults } from '../../report/load.ts';
import type { RunResults } from '../../report/results.ts';
import { ACCEL_HELP, ACCEL_OPTION, accelFlag } from '../accel-flag.ts';
import { parseFlags, wholeNumber, type Command } from '../command.ts';
import { parseKernelList } from '../kernel-list.ts';
import { SELECTION_OPTIONS, selectedCases } from '../selection-flags.ts';
import { checkTree } from '../../../images/kernel-tree.ts';
import { say } from '../say.ts';
import { EXIT } from '../errors.ts';
import { DRY_RUN_OPTION } from '../dry-run-flag.ts';

export const matrix: Command = {
  summary: 'run the same selection on many kernels (every Debian series by default) and report them side by side',
  usage: '[--kernels all|S,S…] [--kernel-tree D]… [--suite S]… [--topology T]… [--match G] [--seed N] [--out DIR] [--html F] [--markdown F] [--kcidb F]',
  help: `  --kernels L      Debian series, comma-separated (default all: ${DEBIAN_KERNELS.map((k) => k.series).join(', ')}); latest allowed
  --kernel-tree D  also a built kernel tree (repeatable), e.g. mainline
  --suite, --topology, --match, --jobs
                   the selection, as for daxh run, the same on every kernel
  --seed N         one seed for every kernel (default: random, printed)
  --out DIR        per kernel: DIR/<kernel>/results.json and its console logs; DIR/matrix.json holds one
                   line per kernel with its wall time (default out/matrix-<time>)
  --html F  --markdown F  --kcidb F
                   the whole matrix (default DIR/report.html and DIR/summary.md)
  --dry-run        check everything, print each kernel's daxh run, run nothing
${ACCEL_HELP}
Each kernel runs as its own daxh run, one after another: a kernel that crashes the harness, or never comes
up, is a line saying so and the next kernel runs. Exit 0 when every kernel passed, 1 when any failed cases,
3 when any kernel gave no results.`,
  async run(args) {
    const { values } = parseFlags('matrix', args, {
      ...ACCEL_OPTION,
      kernels: { type: 'string' },
      'kernel-tree': { type: 'string', multiple: true },
      ...SELECTION_OPTIONS,
      out: { type: 'string' },
      html: { type: 'string' },
      markdown: { type: 'string' },
      kcidb: { type: 'string' },
      ...DRY_RUN_OPTION,
    });
    const kernels: MatrixKernel[] = [
      ...(values.kernels === undefined && values['kernel-tree'] ? [] : parseKernelList(values.kernels ?? 'all')).map((series): MatrixKernel => ({ kind: 'debian', series })),
      ...(values['kernel-tree'] ?? []).map((dir): MatrixKernel => ({ kind: 'tree', dir: resolve(dir) })),
    ];
    accelFlag(values.accel);
    selectedCases(values, 'matrix');
    for (const dir of values['kernel-tree'] ?? []) await checkTree(dir);
    if (values.jobs !== undefined) wholeNumber('--jobs', values.jobs, 1, 64);
    const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : wholeNumber('--seed', values.seed, 0, 2 ** 31 - 1);
    const out = values.out ?? join('out', `matrix-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    checkOutputPath('--out', out, 'dir');
    const reports = { html: values.html ?? join(out, 'report.html'), markdown: values.markdown ?? join(out, 'summary.md'), kcidb: values.kcidb };
    checkReportPaths(reports);
    const selection = [
      ...(values.suite ?? []).flatMap((s) => ['--suite', s]),
      ...(values.topology ?? []).flatMap((t) => ['--topology', t]),
      ...(values.match ? ['--match', values.match] : []),
      ...(values.jobs ? ['--jobs', values.jobs] : []),
      ...(values.accel ? ['--accel', values.accel] : []),
      '--seed',
      String(seed),
    ];
    if (values['dry-run']) {
      for (const k of kernels) console.log(`daxh run ${[...kernelFlags(k), ...selection, '--out', join(out, kernelSlug(k))].join(' ')}`);
      return EXIT.ok;
    }
    say(`matrix of ${kernels.length} kernel(s), seed ${seed}, into ${out}`);
    const release = holdExit();
    const t0 = performance.now();
    const startedAt = new Date().toISOString();
    const entries: MatrixEntry[] = [];
    const runs: RunResults[] = [];
    try {
      for (const k of kernels) {
        if (interruption.aborted) break;
        const dir = join(out, kernelSlug(k));
        const file = join(dir, 'results.json');
        await mkdir(dir, { recursive: true });
        say(`── kernel ${kernelLabel(k)} ──`);
        const k0 = performance.now();
        // Its own process: whatever one kernel does to the harness, the next kernel still runs.
        const child = execa(process.execPath, [process.argv[1]!, 'run', ...kernelFlags(k), ...selection, '--out', dir, '--json', file], { stdio: 'inherit', reject: false });
        const forward = () => child.kill(interruptExitCode() === 143 ? 'SIGTERM' : 'SIGINT');
        interruption.addEventListener('abort', forward, { once: true });
        const r = await child;
        interruption.removeEventListener('abort', forward);
        const results = await readResults(file).catch(() => null);
        if (results) runs.push(results);
        const e = entryOf(k, { exitCode: r.exitCode ?? null, wallS: (performance.now() - k0) / 1000, results, file, ...(r.signal ? { error: `daxh run ended by ${r.signal}` } : {}) });
        entries.push(e);
        say(`${entryLine(e)}`);
      }
      const summary: MatrixSummary = { schema: MATRIX_SCHEMA, seed, startedAt, wallS: Math.round((performance.now() - t0) / 1000), host: hostname(), entries };
      await writeReportFile(join(out, 'matrix.json'), JSON.stringify(summary, null, 2) + '\n');
      if (runs.length) {
        await new FileReporter(FORMATS.html, reports.html).writeRuns(runs);
        // The matrix's own table first: a line per kernel, then each kernel's summary.
        await writeReportFile(reports.markdown, [matrixTable(summary), FORMATS.markdown.render(runs)].join('\n'));
        if (reports.kcidb) await new FileReporter(FORMATS.kcidb, reports.kcidb).writeRuns(runs);
      }
      for (const e of entries) console.log(entryLine(e));
      console.log(`matrix: ${entries.length} of ${kernels.length} kernel(s) in ${summary.wallS} s · ${join(out, 'matrix.json')}${runs.length ? ` · ${reports.html}` : ''}`);
      return interruptExitCode() ?? matrixExit(summary);
    } finally {
      release();
    }
  },
};

