// Every report format, registered once: its name (which is its flag), its file extension, whether it holds
// several kernels at once, and how it renders. `daxh run`, `daxh report`, `daxh merge` and `daxh matrix` read
// this table for their flags, and write every format through the same file reporter, so a format works
// everywhere or nowhere.
import { htmlReport } from './html.ts';
import { junitXml } from './junit.ts';
import { kcidbReport } from './kcidb.ts';
import { markdownSummary } from './markdown.ts';
import type { RunResults } from './results.ts';
import { tap } from './tap.ts';

export const FORMAT_NAMES = ['json', 'junit', 'tap', 'markdown', 'html', 'kcidb'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export interface ReportFormat {
  name: FormatName;
  ext: string;
  /** One line for --help. */
  about: string;
  /** Renders several kernels at once (a matrix, a column or a section per kernel); otherwise one run. */
  many: boolean;
  render(runs: readonly RunResults[]): string;
}

export const jsonText = (run: RunResults): string => JSON.stringify(run, null, 2) + '\n';

/** The run of a one-kernel format: shards merge into one before they get here. */
const one = (runs: readonly RunResults[]): RunResults => {
  if (runs.length !== 1) throw new Error(`a one-kernel format got ${runs.length} runs`);
  return runs[0]!;
};

export const FORMATS: Readonly<Record<FormatName, ReportFormat>> = {
  json: { name: 'json', ext: 'json', about: 'the results (schema dax-harness/results@2), what every other format is rendered from', many: false, render: (r) => jsonText(one(r)) },
  junit: { name: 'junit', ext: 'xml', about: 'JUnit XML, a testsuite per suite and topology', many: false, render: (r) => junitXml(one(r)) },
  tap: { name: 'tap', ext: 'tap', about: 'TAP 14', many: false, render: (r) => tap(one(r)) },
  markdown: { name: 'markdown', ext: 'md', about: 'a markdown summary (also appended to $GITHUB_STEP_SUMMARY)', many: true, render: (r) => r.map(markdownSummary).join('\n') },
  html: { name: 'html', ext: 'html', about: 'one self-contained HTML report to filter and open cases in', many: true, render: (r) => htmlReport(r) },
  kcidb: { name: 'kcidb', ext: 'json', about: 'KCIDB I/O, for KernelCI', many: true, render: (r) => JSON.stringify(kcidbReport(r), null, 2) + '\n' },
};

/** The flags of every format, for parseFlags: `--json F`, `--junit F`, …. */
export const FORMAT_OPTIONS = Object.fromEntries(FORMAT_NAMES.map((n) => [n, { type: 'string' as const }])) as Record<FormatName, { type: 'string' }>;

/** The --help lines of the format flags. */
export const FORMAT_HELP = FORMAT_NAMES.map((n) => `  --${n} F`.padEnd(23) + FORMATS[n].about).join('\n');

/** Which files the user asked for, by format. */
export type ReportPaths = Partial<Record<FormatName, string>>;

export function reportPaths(values: Partial<Record<FormatName, string | undefined>>): ReportPaths {
  return Object.fromEntries(FORMAT_NAMES.filter((n) => values[n] !== undefined).map((n) => [n, values[n]!])) as ReportPaths;
}
