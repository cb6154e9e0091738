import { appendFile } from 'node:fs/promises';
import { checkReportPaths, jsonText } from '../../report/files.ts';
import { htmlReport } from '../../report/html.ts';
import { junitXml } from '../../report/junit.ts';
import { kcidbReport } from '../../report/kcidb.ts';
import { mergeByKernel, readResults } from '../../report/load.ts';
import { markdownSummary } from '../../report/markdown.ts';
import { summaryTable } from '../../report/progress.ts';
import { atomicWriteFile } from '../../util/atomic.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

export const report: Command = {
  summary: 'render results of one or many runs (shards, a kernel matrix) as HTML, markdown, KCIDB, merged JSON',
  usage: '<results.json>… [--html F] [--markdown F] [--kcidb F] [--json F] [--junit F]',
  help: `Files of one kernel are merged as shards of one run; several kernels make a matrix (the HTML grid
has a column per kernel). --json and --junit need the files to be of one kernel. Exit 1 when any run has
failures, 2 when a file is unusable.`,
  async run(args) {
    const { values, positionals } = parseFlags('report', args, { html: { type: 'string' }, markdown: { type: 'string' }, kcidb: { type: 'string' }, json: { type: 'string' }, junit: { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('report: give the results.json files (from daxh run --json)');
    const outputs = { html: values.html, markdown: values.markdown, kcidb: values.kcidb, json: values.json, junit: values.junit };
    checkReportPaths(outputs);
    const runs = mergeByKernel(await Promise.all(positionals.map(readResults)));
    if ((values.json || values.junit) && runs.length > 1) throw new UsageError(`report: --json and --junit take one kernel; these files are from ${runs.map((r) => r.kernel).join(', ')}`);
    if (values.html) await atomicWriteFile(values.html, htmlReport(runs));
    if (values.markdown) await atomicWriteFile(values.markdown, runs.map(markdownSummary).join('\n'));
    if (values.kcidb) await atomicWriteFile(values.kcidb, JSON.stringify(kcidbReport(runs), null, 2) + '\n');
    if (values.json) await atomicWriteFile(values.json, jsonText(runs[0]!));
    if (values.junit) await atomicWriteFile(values.junit, junitXml(runs[0]!));
    if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, runs.map(markdownSummary).join('\n') + '\n');
    for (const r of runs) console.log(summaryTable(r));
    return runs.some((r) => r.totals.failed > 0) ? EXIT.failed : EXIT.ok;
  },
};
