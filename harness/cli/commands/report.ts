import { mergeByKernel, readResults } from '../../report/load.ts';
import { summaryTable } from '../../report/progress.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { REPORT_HELP, REPORT_OPTIONS, checkKernels, reportersFrom, writeRuns } from '../report-flags.ts';

export const report: Command = {
  summary: 'render results of one or many runs (shards, a kernel matrix) in any report format',
  usage: '<results.json>… [--json F] [--junit F] [--tap F] [--markdown F] [--html F] [--kcidb F]',
  help: `${REPORT_HELP}

Files of one kernel are merged as shards of one run; several kernels make a matrix (the HTML grid has a
column per kernel). The JSON, JUnit and TAP reports take one kernel. Exit 1 when any run has failures, 2 when
a file is unusable, 3 when a report could not be written.`,
  async run(args) {
    const { values, positionals } = parseFlags('report', args, REPORT_OPTIONS, true);
    if (positionals.length === 0) throw new UsageError('report: give the results.json files (from daxh run, in its run directory)');
    const reporters = reportersFrom(values);
    const runs = mergeByKernel(await Promise.all(positionals.map(readResults)));
    checkKernels('report', reporters, runs);
    const written = await writeRuns(reporters, runs);
    for (const r of runs) console.log(summaryTable(r));
    if (!written) return EXIT.error;
    return runs.some((r) => r.totals.failed > 0) ? EXIT.failed : EXIT.ok;
  },
};
