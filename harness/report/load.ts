// Reading results files back (merge, report): every way a file can be wrong is one line naming the file.
import { readFile } from 'node:fs/promises';
import { InputError } from '../util/input-error.ts';
import { mergeResults } from './merge.ts';
import { RESULTS_SCHEMA, type RunResults } from './results.ts';

export class ResultsFileError extends InputError {}

export async function readResults(file: string): Promise<RunResults> {
  const text = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
    throw new ResultsFileError(`${file}: cannot read it (${err.code === 'ENOENT' ? 'no such file' : err.code === 'EISDIR' ? 'is a directory' : err.code})`);
  });
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ResultsFileError(`${file}: not JSON; give the file \`daxh run --json\` wrote (not its JUnit or TAP)`);
  }
  const d = data as Partial<RunResults> | null;
  if (typeof d !== 'object' || d === null || typeof d.schema !== 'string') throw new ResultsFileError(`${file}: not a dax-harness results file (no "schema")`);
  if (d.schema !== RESULTS_SCHEMA) throw new ResultsFileError(`${file}: schema ${d.schema}, this daxh reads ${RESULTS_SCHEMA}; re-run it with this version`);
  if (!Array.isArray(d.cases)) throw new ResultsFileError(`${file}: has no "cases" list`);
  return d as RunResults;
}

/** Files grouped by kernel and merged per kernel (the shards of one run each), in the order kernels first appear. */
export function mergeByKernel(parts: readonly RunResults[]): RunResults[] {
  const byKernel = new Map<string, RunResults[]>();
  for (const p of parts) byKernel.set(p.kernel, [...(byKernel.get(p.kernel) ?? []), p]);
  return [...byKernel.values()].map((group) => {
    try {
      return mergeResults(group);
    } catch (err) {
      throw new ResultsFileError((err as Error).message);
    }
  });
}
