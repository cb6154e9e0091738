import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { mergeResults } from '../../report/merge.ts';
import { jsonText } from '../../report/files.ts';
import { markdownSummary } from '../../report/markdown.ts';
import { junitXml } from '../../report/junit.ts';
import { summaryTable } from '../../report/progress.ts';
import { RESULTS_SCHEMA, type RunResults } from '../../report/results.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

export const merge: Command = {
  summary: 'merge shard results (--json files of daxh run) into one',
  usage: '[--json OUT] [--junit OUT] <results.json>…',
  help: 'The merged totals equal those of one unsharded run. The markdown summary goes to $GITHUB_STEP_SUMMARY when set.',
  async run(args) {
    const { values, positionals } = parseFlags('merge', args, { json: { type: 'string' }, junit: { type: 'string' } }, true);
    if (positionals.length === 0) throw new UsageError('merge: give the results.json files to merge');
    const parts: RunResults[] = [];
    for (const f of positionals) {
      const data = JSON.parse(await readFile(f, 'utf8').catch(() => {
        throw new UsageError(`merge: cannot read ${f}`);
      })) as RunResults;
      if (data.schema !== RESULTS_SCHEMA) throw new UsageError(`merge: ${f} is not a ${RESULTS_SCHEMA} file`);
      parts.push(data);
    }
    const merged = mergeResults(parts);
    if (values.json) await writeFile(values.json, jsonText(merged));
    if (values.junit) await writeFile(values.junit, junitXml(merged));
    if (process.env.GITHUB_STEP_SUMMARY) await appendFile(process.env.GITHUB_STEP_SUMMARY, markdownSummary(merged) + '\n');
    console.log(summaryTable(merged));
    return merged.totals.failed > 0 ? EXIT.failed : EXIT.ok;
  },
};
