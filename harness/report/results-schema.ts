// The results contract (results.ts) as a strict schema, for files read back (merge, report, findings,
// KCIDB): every field has its type and bounds, an unknown key is refused with the key the writer meant, so a
// hand-edited or truncated file is one line of bad input, never a crash or a run out of memory.
import { z } from 'zod';
import { CASE_STATUSES, FAILURE_KINDS, RESULTS_SCHEMA } from './results.ts';

const count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
const ms = count;
const text = z.string().max(16 << 20);
const name = z.string().max(4096);

const knownHit = z.strictObject({ id: name, reason: text, step: text, kernels: text.optional() });
const branchHit = z.strictObject({ id: name, reason: text, step: text });
const kernelReport = z.strictObject({ kind: name, line: text, signature: text, excerpt: text });
const step = z.strictObject({
  index: count,
  operation: text,
  expected: text,
  actual: text,
  outcome: z.enum(['agreed', 'known', 'branch', 'diverged']),
  explainedBy: name.optional(),
  kernelLog: z.array(text),
});
const divergence = z.strictObject({
  kind: z.enum(['result', 'state', 'invariants', 'kernel-log', 'expectation', 'linearizability']),
  topology: name,
  kernel: name,
  step: count,
  operation: text,
  expected: text.optional(),
  actual: text.optional(),
  differences: z.array(z.strictObject({ path: text, expected: text, actual: text })).optional(),
  violations: z.array(text).optional(),
  report: kernelReport.optional(),
  kernelLog: z.array(text),
  history: z.array(text),
});
const coverageEntry = z.strictObject({ op: text, state: text, runs: count, accepted: count });

const caseResult = z.strictObject({
  suite: name,
  topology: name,
  name,
  status: z.enum(CASE_STATUSES),
  checks: count,
  durationMs: ms,
  setupMs: ms.optional(),
  timing: z.strictObject({ roundTrips: count, guestMs: ms, freshStarts: count.optional(), freshMs: ms.optional() }).optional(),
  skipReason: text.optional(),
  failureKind: z.enum(Object.keys(FAILURE_KINDS) as [keyof typeof FAILURE_KINDS, ...(keyof typeof FAILURE_KINDS)[]]).optional(),
  failure: text.optional(),
  divergence: divergence.optional(),
  kernelReport: kernelReport.optional(),
  known: z.array(knownHit).optional(),
  branches: z.array(branchHit).optional(),
  fixed: z.array(name).optional(),
  console: text.optional(),
  consoleFile: text.optional(),
  recipe: text.optional(),
  repro: text.optional(),
  steps: z.array(step).optional(),
  operations: count.optional(),
  races: count.optional(),
  coverage: z.array(coverageEntry).optional(),
});

const seriesVerdict = z.strictObject({ series: name, release: name, kind: z.enum(['agrees', 'diverges', 'cannot-test']), line: text });
const ratio = z.strictObject({ found: count, hit: count });
const fileCoverage = z.strictObject({ file: text, lines: ratio, branches: ratio, functions: ratio });
const totals = z.strictObject({ passed: count, failed: count, skipped: count, known: count, interrupted: count });

/** A shard is one of at most 1000: more would be a file nobody's run wrote. */
export const MAX_SHARDS = 1000;

export const resultsSchema = z.strictObject({
  schema: z.literal(RESULTS_SCHEMA),
  kernel: name,
  image: name,
  accel: name,
  profile: text.optional(),
  seed: count,
  startedAt: name,
  durationMs: ms,
  shard: z.strictObject({ index: count.min(1).max(MAX_SHARDS), count: count.min(1).max(MAX_SHARDS) }).refine((s) => s.index <= s.count, 'index must not exceed count').optional(),
  totals,
  checks: count,
  guests: z.strictObject({
    boots: count,
    restores: count,
    resumes: count.optional(),
    lost: z.array(z.strictObject({ topology: name, reason: text, afterCase: text.optional() })).optional(),
    skippedProvisioning: z.array(z.strictObject({ topology: name, step: text, reason: text })).optional(),
  }),
  unwritten: z.array(z.strictObject({ file: text, reason: text })).optional(),
  interrupted: z.boolean().optional(),
  findings: z.array(z.strictObject({ key: text, cases: z.array(text), recipe: text.optional(), repro: text.optional(), replays: z.array(seriesVerdict).optional(), replayError: text.optional() })).optional(),
  kernelCoverage: z
    .strictObject({
      tree: text,
      files: z.array(fileCoverage),
      suites: z.array(z.strictObject({ suite: name, files: z.array(fileCoverage) })),
      lcov: text.optional(),
      html: text.optional(),
      collections: count,
      lost: z.array(text),
    })
    .optional(),
  validation: z
    .strictObject({
      baseline: z.array(text),
      findings: z.array(z.strictObject({ id: name, subject: text, verdict: z.enum(['fixed', 'still reproduces', 'cannot test']), detail: text })),
      changed: z.array(z.strictObject({ case: text, from: z.enum([...CASE_STATUSES, 'absent']), to: z.enum([...CASE_STATUSES, 'absent']), newKnown: z.array(name), goneKnown: z.array(name) })),
      newKnown: z.array(name),
      newFailures: z.array(text),
    })
    .optional(),
  cases: z.array(caseResult).max(1_000_000),
});
