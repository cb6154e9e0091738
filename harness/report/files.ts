// File-writing reporters: the stable JSON contract, JUnit, TAP, and the markdown step summary.
import { mkdir, writeFile, appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { junitXml } from './junit.ts';
import { markdownSummary } from './markdown.ts';
import type { Reporter } from './reporter.ts';
import type { RunResults } from './results.ts';
import { tap } from './tap.ts';

async function put(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, text);
}

export function jsonText(run: RunResults): string {
  return JSON.stringify(run, null, 2) + '\n';
}

export const fileReporter = (file: string, render: (r: RunResults) => string): Reporter => ({
  onRunEnd: (run) => put(file, render(run)),
});

export const jsonReporter = (file: string) => fileReporter(file, jsonText);
export const junitReporter = (file: string) => fileReporter(file, junitXml);
export const tapReporter = (file: string) => fileReporter(file, tap);
export const markdownReporter = (file: string) => fileReporter(file, markdownSummary);

/** GitHub Actions shows $GITHUB_STEP_SUMMARY on the run page; appended so several steps can add theirs. */
export const stepSummaryReporter = (file: string): Reporter => ({
  onRunEnd: (run) => appendFile(file, markdownSummary(run) + '\n'),
});
