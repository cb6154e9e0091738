// The report flags every command that writes reports takes, from the one registry of formats; and writing
// read-back runs (daxh report, merge, matrix) through the same file reporters a run uses.
import { checkReportPaths, fileReporters, stepSummaryReporter, type FileReporter } from '../report/files.ts';
import { FORMAT_HELP, FORMAT_OPTIONS, reportPaths, type FormatName } from '../report/formats.ts';
import type { RunResults } from '../report/results.ts';
import { UsageError } from './errors.ts';
import { say } from './say.ts';

export const REPORT_OPTIONS = FORMAT_OPTIONS;
export const REPORT_HELP = FORMAT_HELP;

/** The reporters the flags ask for, every path checked first (nothing is written yet). */
export function reportersFrom(values: Partial<Record<FormatName, string | undefined>>): FileReporter[] {
  const paths = reportPaths(values);
  checkReportPaths(paths);
  return fileReporters(paths);
}

/** A one-kernel format given runs of several kernels is bad input, said before anything is written. */
export function checkKernels(command: string, reporters: readonly FileReporter[], runs: readonly RunResults[]): void {
  const single = reporters.filter((r) => !r.format.many);
  if (runs.length > 1 && single.length) throw new UsageError(`${command}: ${single.map((r) => `--${r.format.name}`).join(', ')} take one kernel; these files are from ${runs.map((r) => r.kernel).join(', ')}`);
}

/** Writes every report (and the step summary); says which could not be written. True when all were. */
export async function writeRuns(reporters: readonly FileReporter[], runs: readonly RunResults[]): Promise<boolean> {
  const summary = process.env.GITHUB_STEP_SUMMARY;
  const outcomes = await Promise.allSettled([...reporters.map((r) => r.writeRuns(runs)), ...(summary ? runs.map((run) => stepSummaryReporter(summary).onRunEnd!(run)) : [])]);
  const failed = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`could not write ${reporters[i]?.name ?? 'the step summary'}: ${(o.reason as Error).message}`] : []));
  for (const f of failed) say(f);
  return failed.length === 0;
}
