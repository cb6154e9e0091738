// Reading results files back (merge, report): every way a file can be wrong is one line naming the file.
import { MAX_BYTES, readUserFile } from '../util/user-file.ts';
import { InputError } from '../util/input-error.ts';
import { mergeResults } from './merge.ts';
import { RESULTS_SCHEMA, type RunResults } from './results.ts';
import { resultsSchema } from './results-schema.ts';
import { issueLine } from '../util/nearest.ts';

export class ResultsFileError extends InputError {}

export async function readResults(file: string): Promise<RunResults> {
  const text = readUserFile('results', file, 'the results.json of a run (in its run directory)', MAX_BYTES.results);
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
  const r = resultsSchema.safeParse(data);
  if (!r.success) {
    const { where, message } = issueLine(resultsSchema, r.error.issues[0]!);
    throw new ResultsFileError(`${file}: ${where}: ${message}`);
  }
  return r.data as RunResults;
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
