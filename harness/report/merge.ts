// Joins the results of shards (or re-runs) of one kernel into one run, as if it had run unsharded.
import { caseId, sumGuestCounts, totalsOf, RESULTS_SCHEMA, type RunResults } from './results.ts';

export function mergeResults(parts: readonly RunResults[]): RunResults {
  if (parts.length === 0) throw new Error('merge: no results files given');
  const kernels = new Set(parts.map((p) => p.kernel));
  if (kernels.size > 1) throw new Error(`merge: results are from different kernels (${[...kernels].join(', ')}); merge one kernel at a time`);
  const seen = new Set<string>();
  const cases = parts.flatMap((p) => p.cases).filter((c) => {
    const id = caseId(c);
    if (seen.has(id)) throw new Error(`merge: case ${id} appears in more than one file; were the shards overlapping?`);
    seen.add(id);
    return true;
  });
  const seeds = new Set(parts.map((p) => p.seed));
  if (seeds.size > 1) throw new Error(`merge: results ran with different seeds (${[...seeds].join(', ')}); shards of one run share its seed`);
  checkShardsComplete(parts);
  // Per-file figures of parts do not add up (a line hit in both counts once): only one part may carry them.
  const covered = parts.filter((p) => p.kernelCoverage);
  if (covered.length > 1) throw new Error(`merge: ${covered.length} of the files carry kernel coverage, whose per-file figures do not add up; run --coverage unsharded`);
  const first = parts[0]!;
  const lost = parts.flatMap((p) => p.guests.lost ?? []);
  const skippedProvisioning = [...new Map(parts.flatMap((p) => p.guests.skippedProvisioning ?? []).map((s) => [`${s.topology}\0${s.step}`, s])).values()];
  return {
    schema: RESULTS_SCHEMA,
    kernel: first.kernel,
    image: first.image,
    accel: first.accel,
    ...(first.profile ? { profile: first.profile } : {}),
    startedAt: parts.map((p) => p.startedAt).sort()[0]!,
    durationMs: Math.max(...parts.map((p) => p.durationMs)),
    totals: totalsOf(cases),
    checks: cases.reduce((n, c) => n + c.checks, 0),
    seed: first.seed,
    guests: { ...sumGuestCounts(parts.map((p) => p.guests)), ...(lost.length ? { lost } : {}), ...(skippedProvisioning.length ? { skippedProvisioning } : {}) },
    ...(parts.some((p) => p.interrupted) ? { interrupted: true } : {}),
    ...(covered[0] ? { kernelCoverage: covered[0].kernelCoverage! } : {}),
    cases,
  };
}

/** A missing shard would make the totals smaller and still look whole: every shard of the split must be there. */
function checkShardsComplete(parts: readonly RunResults[]): void {
  const sharded = parts.filter((p) => p.shard);
  if (sharded.length === 0) return;
  const counts = new Set(sharded.map((p) => p.shard!.count));
  if (counts.size > 1 || sharded.length < parts.length) throw new Error(`merge: the files are of different splits (${parts.map((p) => (p.shard ? `${p.shard.index}/${p.shard.count}` : 'unsharded')).join(', ')}); merge the shards of one run`);
  const count = [...counts][0]!;
  const have = new Set(sharded.map((p) => p.shard!.index));
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.has(i));
  if (missing.length) throw new Error(`merge: ${parts[0]!.kernel}: shard ${missing.map((i) => `${i}/${count}`).join(', ')} missing; without it the totals would look whole but be smaller`);
}

const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
