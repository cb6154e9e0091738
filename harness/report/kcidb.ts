// KCIDB I/O v4.5 export (kernelci/kcidb-io): one checkout and one build per kernel, one test per case.
// Statuses follow the schema's meanings: FAIL when the kernel did something wrong (a divergence, a crash,
// a warning, a hang), ERROR when the harness or the machine failed before a verdict, SKIP when the case did
// not apply, MISS when the run was stopped before it. A known kernel divergence is what happened, FAIL, and
// waived (the guide's "test status should be ignored"), with its id in misc.
import { seconds } from './facts.ts';
import { caseId, type CaseResult, type FailureKind, type RunResults } from './results.ts';

export const KCIDB_VERSION = { major: 4, minor: 5 } as const;
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

export function kcidbReport(runs: readonly RunResults[]) {
  const checkouts = runs.map((r) => ({
    id: id(r.kernel),
    origin: KCIDB_ORIGIN,
    tree_name: r.kernel,
    start_time: r.startedAt,
    valid: true,
    misc: { kernel_release: r.kernel },
  }));
  const builds = runs.map((r) => ({
    id: id(r.kernel, r.image),
    origin: KCIDB_ORIGIN,
    checkout_id: id(r.kernel),
    architecture: 'x86_64',
    config_name: r.profile ?? 'unknown',
    start_time: r.startedAt,
    valid: true,
    misc: { image: r.image, accel: r.accel, seed: r.seed },
  }));
  const tests = runs.flatMap((r) =>
    r.cases.map((c) => ({
      id: id(r.kernel, r.image, caseId(c)),
      origin: KCIDB_ORIGIN,
      build_id: id(r.kernel, r.image),
      path: testPath('dax', c.suite, c.topology, c.name),
      status: status(c),
      ...(c.status === 'known' ? { waived: true } : {}),
      start_time: r.startedAt,
      duration: seconds(c.durationMs),
      ...(c.failure ? { log_excerpt: c.failure.slice(0, 16384) } : c.skipReason ? { comment: c.skipReason } : {}),
      environment: { comment: `QEMU ${r.accel} guest, topology ${c.topology}`, misc: { topology: c.topology } },
      misc: {
        checks: c.checks,
        ...(c.failureKind ? { failure_kind: c.failureKind } : {}),
        ...(c.known?.length ? { known_divergences: c.known.map((k) => k.id) } : {}),
        ...(c.repro ? { repro: c.repro } : {}),
        seed: r.seed,
      },
    })),
  );
  return { version: KCIDB_VERSION, checkouts, builds, tests };
}
