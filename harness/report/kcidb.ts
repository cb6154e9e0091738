// KCIDB I/O v5.3 export (kernelci/kcidb-io): one checkout and one build per kernel, one test per case.
// Statuses follow the schema's meanings: FAIL when the kernel did something wrong (a divergence, a crash,
// a warning, a hang), ERROR when the harness or the machine failed before a verdict, SKIP when the case did
// not apply, MISS when the run was stopped before it. A known kernel bug is what happened, FAIL; v5 has no
// `waived`, and says it the way KernelCI triages: each known row is an issue (culprit: the code), and each
// case that hit it an incident linking the test to the issue.
import { knownRow } from '../model/divergences.ts';
import { seconds } from './facts.ts';
import { caseId, type CaseResult, type FailureKind, type RunResults } from './results.ts';

export const KCIDB_VERSION = { major: 5, minor: 3 } as const;
export const KCIDB_ORIGIN = 'dax_harness';

type KcidbStatus = 'FAIL' | 'ERROR' | 'MISS' | 'PASS' | 'DONE' | 'SKIP';

/** Failures the kernel is responsible for; the rest are the harness's or the machine's. */
const KERNEL_FAILURES: ReadonlySet<FailureKind> = new Set(['divergence', 'kernel-crash', 'kernel-warning', 'guest-hang']);

function status(c: CaseResult): KcidbStatus {
  switch (c.status) {
    case 'passed':
      return 'PASS';
    case 'known':
      return 'FAIL';
    case 'skipped':
      return 'SKIP';
    case 'interrupted':
      return 'MISS';
    case 'failed':
      return c.failureKind && !KERNEL_FAILURES.has(c.failureKind) ? 'ERROR' : 'FAIL';
  }
}

/** A dotted path from components that may hold any text: each squeezed to [A-Za-z0-9_-] (KCIDB v5's stricter rule). */
export function testPath(...parts: string[]): string {
  return parts.map((p) => p.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '') || '_').join('.');
}

const id = (...parts: string[]) => `${KCIDB_ORIGIN}:${parts.join(':')}`;

/** Free text as v5 takes it: no NUL, and a log excerpt within its 16 KiB. */
const text = (s: string, max = Infinity) => s.replace(/\0/g, '').slice(0, max);

export function kcidbReport(runs: readonly RunResults[]) {
  const checkouts = runs.map((r) => ({
    id: id(r.kernel),
    origin: KCIDB_ORIGIN,
    tree_name: text(r.kernel),
    start_time: r.startedAt,
    valid: true,
    misc: { kernel_release: r.kernel },
  }));
  const builds = runs.map((r) => ({
    id: id(r.kernel, r.image),
    origin: KCIDB_ORIGIN,
    checkout_id: id(r.kernel),
    architecture: 'x86_64',
    config_name: text(r.profile ?? 'unknown'),
    start_time: r.startedAt,
    status: 'PASS' as const,
    misc: { image: r.image, accel: r.accel, seed: r.seed },
  }));
  const tests = runs.flatMap((r) =>
    r.cases.map((c) => ({
      id: id(r.kernel, r.image, caseId(c)),
      origin: KCIDB_ORIGIN,
      build_id: id(r.kernel, r.image),
      path: testPath('dax', c.suite, c.topology, c.name),
      status: status(c),
      start_time: r.startedAt,
      duration: seconds(c.durationMs),
      ...(c.failure ? { log_excerpt: text(c.failure, 16384) } : c.skipReason ? { comment: text(c.skipReason) } : {}),
      environment: { comment: text(`QEMU ${r.accel} guest, topology ${c.topology}`), misc: { topology: c.topology } },
      misc: {
        checks: c.checks,
        ...(c.failureKind ? { failure_kind: c.failureKind } : {}),
        ...(c.known?.length ? { known_divergences: c.known.map((k) => k.id) } : {}),
        ...(c.repro ? { repro: c.repro } : {}),
        seed: r.seed,
      },
    })),
  );
  // Known rows as issues, each once; every case that hit one, an incident.
  const hits = runs.flatMap((r) => r.cases.flatMap((c) => [...new Set((c.known ?? []).map((k) => k.id))].map((row) => ({ r, c, row }))));
  const issues = [...new Set(hits.map((h) => h.row))].map((row) => {
    const known = knownRow(row);
    return {
      id: id('issue', row),
      version: 1,
      origin: KCIDB_ORIGIN,
      ...(known ? { report_subject: text(known.subject), comment: text(known.reason) } : {}),
      culprit: { code: true, tool: false, harness: false },
      misc: { known_row: row, ...(known ? { kernels: known.kernels, ...(known.cause?.commit ? { introduced_by: known.cause.commit } : {}) } : {}) },
    };
  });
  const incidents = hits.map(({ r, c, row }) => ({
    id: id('incident', r.kernel, r.image, caseId(c), row),
    origin: KCIDB_ORIGIN,
    issue_id: id('issue', row),
    issue_version: 1,
    test_id: id(r.kernel, r.image, caseId(c)),
    present: true,
  }));
  return { version: KCIDB_VERSION, checkouts, builds, tests, ...(issues.length ? { issues, incidents } : {}) };
}
