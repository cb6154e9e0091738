// File-writing reporters: every registered format (formats.ts) and the GitHub step summary. Each writes
// atomically and on its own; output paths are checked before anything boots, and results a full
// disk kept from their file are written somewhere that works, or to stderr.
import { closeSync, existsSync, lstatSync, openSync, realpathSync, statSync, unlinkSync, type Stats } from 'node:fs';
import { appendFile, mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { atomicWriteFile, atomicWriteFileSync, nonRegularKind } from '../util/atomic.ts';
import { InputError } from '../util/input-error.ts';
import { FORMAT_NAMES, FORMATS, jsonText, type ReportFormat, type ReportPaths } from './formats.ts';
import { markdownSummary } from './markdown.ts';
import type { Reporter, ReporterFailure } from './reporter.ts';
import type { RunResults } from './results.ts';

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
  // NAME_MAX and PATH_MAX (Linux: 255 bytes a name, 4096 a path): said here, not as ENAMETOOLONG at the end of a run.
  const long = full.split('/').find((part) => Buffer.byteLength(part) > 255);
  if (long !== undefined) throw new OutputPathError(`${flag} ${path}: a name of ${Buffer.byteLength(long)} bytes, over the 255 a file name may have; pick a shorter one`);
  if (Buffer.byteLength(full) > 4000) throw new OutputPathError(`${flag} ${path}: a path of ${Buffer.byteLength(full)} bytes, longer than the system takes; pick a shorter one`);
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
  if (pseudo) throw new OutputPathError(`${flag} ${path}: ${real === pseudo ? '' : `${real} is `}under ${pseudo}, a pseudo filesystem; pick a path on a real disk`);
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
export function checkReportPaths(reports: Readonly<Record<string, string | undefined>> | readonly (readonly [flag: string, file: string])[]): void {
  const seen = new Map<string, string>();
  const entries = Array.isArray(reports) ? (reports as readonly (readonly [string, string])[]) : Object.entries(reports as Record<string, string | undefined>).flatMap(([n, f]) => (f === undefined ? [] : [[`--${n}`, f] as const]));
  for (const [flag, file] of entries) {
    checkOutputPath(flag, file, 'file');
    const other = seen.get(resolve(file));
    if (other) throw new OutputPathError(`${other} and ${flag} both name ${file}; give each report its own file`);
    seen.set(resolve(file), flag);
  }
}

/** A report file, written whole (its parent dirs made as needed). */
export async function writeReportFile(file: string, text: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await atomicWriteFile(file, text);
}

/**
 * A format written to a file: at the end of a run, or for runs read back (daxh report, merge, matrix), which
 * go through the same reporter, so every format renders alike wherever it comes from.
 */
export class FileReporter implements Reporter {
  readonly name: string;
  constructor(
    readonly format: ReportFormat,
    readonly file: string,
  ) {
    this.name = `${format.name} (${file})`;
  }

  onRunEnd(run: RunResults): Promise<void> {
    return this.writeRuns([run]);
  }

  writeRuns(runs: readonly RunResults[]): Promise<void> {
    return writeReportFile(this.file, this.format.render(runs));
  }
}

/** GitHub Actions shows $GITHUB_STEP_SUMMARY on the run page; appended so several steps can add theirs. */
export const stepSummaryReporter = (file: string): Reporter => ({
  name: `step summary (${file})`,
  onRunEnd: (run) => appendFile(file, markdownSummary(run) + '\n'),
});

export const fileReporters = (paths: ReportPaths): FileReporter[] => FORMAT_NAMES.filter((n) => paths[n] !== undefined).map((n) => new FileReporter(FORMATS[n], paths[n]!));

/**
 * After the run: say which reports failed and why; if a JSON report was among them, name a JSON report that
 * was written whole (the run directory always has one), else write it beside a report that did get written,
 * or to stderr, so the results themselves are never lost.
 */
export function rescueResults(run: RunResults, failures: readonly ReporterFailure[], reporters: readonly FileReporter[], log: (line: string) => void): void {
  for (const f of failures) log(`could not write ${f.reporter}: ${f.message}`);
  const failed = new Set(failures.map((f) => f.source));
  const json = reporters.filter((r) => r.format === FORMATS.json);
  if (!json.some((r) => failed.has(r))) return;
  const whole = json.find((r) => !failed.has(r));
  if (whole) {
    log(`the results JSON is whole in ${whole.file}`);
    return;
  }
  const text = jsonText(run);
  for (const other of reporters.filter((r) => !failed.has(r))) {
    const file = `${other.file}.results.json`;
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
