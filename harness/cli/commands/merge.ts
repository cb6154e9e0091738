import { appendFile } from 'node:fs/promises';
import { checkReportPaths, jsonText } from '../../report/files.ts';
import { junitXml } from '../../report/junit.ts';
import { mergeByKernel, readResults } from '../../report/load.ts';
import { markdownSummary } from '../../report/markdown.ts';
import { summaryTable } from '../../report/progress.ts';
import { atomicWriteFile } from '../../util/atomic.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

export const merge: Command = {
  summary: 'merge the shards of one run (--json files of daxh run) into one',
  usage: '[--json OUT] [--junit OUT] <results.json>…',
  help: `The merged totals equal those of one unsharded run; every file must come from the same kernel and seed,
and no case may appear twice. The markdown summary goes to $GITHUB_STEP_SUMMARY when set. Exit 1 when the
merged run has failures, 2 when a file is unusable. For several kernels at once, see daxh report.`,
  async run(args) {
    const { values, positionals } = parseFlags('merge', args, { json: { type: 'string' }, junit: { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('merge: give the results.json files to merge');
    checkReportPaths({ json: values.json, junit: values.junit });
    const merged = mergeByKernel(await Promise.all(positionals.map(readResults)));
    if (merged.length > 1) throw new UsageError(`merge: the files are from ${merged.length} kernels (${merged.map((m) => m.kernel).join(', ')}); merge one kernel at a time, or use daxh report`);
    const run = merged[0]!;
    if (values.json) await atomicWriteFile(values.json, jsonText(run));
    if (values.junit) await atomicWriteFile(values.junit, junitXml(run));
    if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdownSummary(run) + '\n');
    console.log(summaryTable(run));
    return run.totals.failed > 0 ? EXIT.failed : EXIT.ok;
  },
};
