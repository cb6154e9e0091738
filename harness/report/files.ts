// File-writing reporters: the stable JSON contract, JUnit, TAP, markdown and the GitHub step summary. Each
// writes atomically and on its own; output paths are checked before anything boots, and results a full
// disk kept from their file are written somewhere that works, or to stderr.
import { closeSync, existsSync, lstatSync, openSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { atomicWriteFile, atomicWriteFileSync, nonRegularKind } from '../util/atomic.ts';
import { InputError } from '../util/input-error.ts';
import { htmlReport } from './html.ts';
import { junitXml } from './junit.ts';
import { kcidbReport } from './kcidb.ts';
import { markdownSummary } from './markdown.ts';
import type { Reporter, ReporterFailure } from './reporter.ts';
import type { RunResults } from './results.ts';
import { tap } from './tap.ts';

export class OutputPathError extends InputError {}

/** Pseudo filesystems: a report or an out dir there would write into the kernel's or the devices' namespace. */
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];
const under = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

/**
 * Whether `path` can be written as a `kind` (a report file, or the output dir). A report file is absent or a
 * regular file, never a symlink, device, FIFO or socket, since it is replaced whole by a rename
 * (`atomicWriteFile`); an out dir is a directory or absent. Its nearest existing ancestor must be a
 * writable directory outside /proc, /sys and /dev.
 */
export function checkOutputPath(flag: string, path: string, kind: 'file' | 'dir'): void {
  const full = resolve(path);
  let st: Stats | undefined;
  try {
    st = lstatSync(full);
  } catch {
    st = undefined;
  }
  if (st) {
    // An out dir may be a link to a directory: files are made inside it, nothing replaces it.
    const isDir = st.isDirectory() || (st.isSymbolicLink() && existsSync(full) && statSync(full).isDirectory());
    if (kind === 'file' && isDir) throw new OutputPathError(`${flag} ${path}: is a directory; give a file name, e.g. ${path.replace(/\/$/, '')}/results.json`);
    if (kind === 'dir' && !isDir) throw new OutputPathError(`${flag} ${path}: is ${nonRegularKind(st) ?? 'a file'}, not a directory; give a directory`);
    const other = kind === 'file' && nonRegularKind(st);
    if (other) throw new OutputPathError(`${flag} ${path}: is ${other}; a report replaces its file whole, so give the path of a regular file`);
  }
  let ancestor = kind === 'file' ? dirname(full) : full;
  while (!existsSync(ancestor)) ancestor = dirname(ancestor);
  if (!statSync(ancestor).isDirectory()) throw new OutputPathError(`${flag} ${path}: ${ancestor} is a file, not a directory; pick another path`);
  const real = realpathSync(ancestor);
  const pseudo = PSEUDO_ROOTS.find((r) => under(real, r));
  if (pseudo) throw new OutputPathError(`${flag} ${path}: ${real} is under ${pseudo}, a pseudo filesystem; pick a path on a real disk`);
  // access(W_OK) says yes to root everywhere but on a read-only mount: only creating a file tells. The
  // probe is removed at once.
  const probe = resolve(ancestor, `.daxh-write-probe-${process.pid}`);
  try {
    closeSync(openSync(probe, 'wx'));
    unlinkSync(probe);
  } catch (err) {
    throw new OutputPathError(`${flag} ${path}: cannot create files in ${ancestor} (${(err as NodeJS.ErrnoException).code}); pick another path`);
  }
}

/** Every report's path checked, and no two reports aimed at one file (the second would overwrite the first). */
export function checkReportPaths(reports: Readonly<Record<string, string | undefined>>): void {
  const seen = new Map<string, string>();
  for (const [name, file] of Object.entries(reports)) {
    if (file === undefined) continue;
    checkOutputPath(`--${name}`, file, 'file');
    const other = seen.get(resolve(file));
    if (other) throw new OutputPathError(`--${other} and --${name} both name ${file}; give each report its own file`);
    seen.set(resolve(file), name);
  }
}

export function jsonText(run: RunResults): string {
  return JSON.stringify(run, null, 2) + '\n';
}

/** A report file, written whole (its parent dirs made as needed). */
export async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await atomicWriteFile(file, text);
}

export const fileReporter = (name: string, file: string, render: (r: RunResults) => string): Reporter => ({
  name: `${name} (${file})`,
  onRunEnd: (run) => writeReportFile(file, render(run)),
});

export const jsonReporter = (file: string) => fileReporter('json', file, jsonText);
export const junitReporter = (file: string) => fileReporter('junit', file, junitXml);
export const tapReporter = (file: string) => fileReporter('tap', file, tap);
export const markdownReporter = (file: string) => fileReporter('markdown', file, markdownSummary);
export const htmlReporter = (file: string) => fileReporter('html', file, (r) => htmlReport([r]));
export const kcidbReporter = (file: string) => fileReporter('kcidb', file, (r) => JSON.stringify(kcidbReport([r]), null, 2) + '\n');

/** GitHub Actions shows $GITHUB_STEP_SUMMARY on the run page; appended so several steps can add theirs. */
export const stepSummaryReporter = (file: string): Reporter => ({
  name: `step summary (${file})`,
  onRunEnd: (run) => appendFile(file, markdownSummary(run) + '\n'),
});

export interface ReportPaths {
  json?: string | undefined;
  junit?: string | undefined;
  tap?: string | undefined;
  markdown?: string | undefined;
  html?: string | undefined;
  kcidb?: string | undefined;
}

export function reportersFor(paths: ReportPaths, stepSummary?: string): Reporter[] {
  return [
    ...(paths.json ? [jsonReporter(paths.json)] : []),
    ...(paths.junit ? [junitReporter(paths.junit)] : []),
    ...(paths.tap ? [tapReporter(paths.tap)] : []),
    ...(paths.markdown ? [markdownReporter(paths.markdown)] : []),
    ...(paths.html ? [htmlReporter(paths.html)] : []),
    ...(paths.kcidb ? [kcidbReporter(paths.kcidb)] : []),
    ...(stepSummary ? [stepSummaryReporter(stepSummary)] : []),
  ];
}

/**
 * After the run: say which reports failed and why; if the JSON was among them, write it beside a report that
 * did get written, or to stderr, so the results themselves are never lost.
 */
export function rescueResults(run: RunResults, failures: readonly ReporterFailure[], paths: ReportPaths, log: (line: string) => void): void {
  for (const f of failures) log(`could not write ${f.reporter}: ${f.message}`);
  if (!paths.json || !failures.some((f) => f.reporter.startsWith('json '))) return;
  const written = Object.entries(paths).filter(([k, v]) => v && k !== 'json' && !failures.some((f) => f.reporter.startsWith(`${k} `))).map(([, v]) => v as string);
  const text = jsonText(run);
  for (const other of written) {
    const file = `${other}.results.json`;
    try {
      atomicWriteFileSync(file, text);
      log(`results JSON written to ${file} instead`);
      return;
    } catch {
      // try the next one
    }
  }
  log('results JSON follows on stderr');
  process.stderr.write(text);
}
