import { mergeByKernel, readResults } from '../../report/load.ts';
import { summaryTable } from '../../report/progress.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { REPORT_HELP, REPORT_OPTIONS, reportersFrom, writeRuns } from '../report-flags.ts';

export const merge: Command = {
  summary: 'merge the shards of one run (their results.json) into one, in any report format',
  usage: '<results.json>… [--json OUT] [--junit OUT] [--tap OUT] [--markdown OUT] [--html OUT] [--kcidb OUT]',
  help: `${REPORT_HELP}

The merged totals equal those of one unsharded run; every file must come from the same kernel and seed,
and no case may appear twice. The markdown summary goes to $GITHUB_STEP_SUMMARY when set. Exit 1 when the
merged run has failures, 2 when a file is unusable. For several kernels at once, see daxh report.`,
  async run(args) {
    const { values, positionals } = parseFlags('merge', args, REPORT_OPTIONS, true);
    if (positionals.length === 0) throw new UsageError('merge: give the results.json files to merge');
    const reporters = reportersFrom(values);
    const merged = mergeByKernel(await Promise.all(positionals.map(readResults)));
    if (merged.length > 1) throw new UsageError(`merge: the files are from ${merged.length} kernels (${merged.map((m) => m.kernel).join(', ')}); merge one kernel at a time, or use daxh report`);
    const run = merged[0]!;
    const written = await writeRuns(reporters, [run]);
    console.log(summaryTable(run));
    if (!written) return EXIT.error;
    return run.totals.failed > 0 ? EXIT.failed : EXIT.ok;
  },
};
