// Real faults in small real runs (sysfs-writes on hmem, one guest): each may cost the case in flight and
// one guest renewal, never the run, the reports, or a leftover process, temp dir or port. Faults are
// injected by DAXH_TEST_FAULT (a real SIGKILL/SIGSTOP of QEMU, a real panic through sysrq, a real kill of
// the guest's sshd) so the test knows which case must fail; signals and a full disk come from outside.
import test from 'ava';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse as parseJunit, type TestSuites } from 'junit2json';
import type { FailureKind, RunResults } from '../harness/report/results.ts';
import { deadlines, parseDeadlineScale } from '../harness/guest/deadlines.ts';
import { kernel } from './fixture.ts';
import { NOTHING, leftSince, snapshot } from './leftovers.ts';

const DAXH = 'bin/daxh.js';
const SELECTION = ['--suite', 'sysfs-writes', '--topology', 'hmem', '--jobs', '1', '--seed', '7'];
/** The faulted case: long enough (dozens of steps) that the fault lands inside it. */
const FAULTED = 4;
/**
 * Hung steps are found within a quarter of the usual step deadline here, to keep the test short. Only
 * that one: a renewal's boot keeps its full margin, since a CI host with steal has stalled a boot 20 s.
 */
const SCALE = 'step=0.25';

let cases: string[] = [];
test.before(async () => {
  await kernel();
  const list = await execa('node', [DAXH, 'run', ...SELECTION, '--list']);
  cases = list.stdout.trim().split('\n');
});

interface Outcome {
  exitCode: number | undefined;
  stderr: string;
  results: RunResults | null;
  junitCases: number;
  /** From the summary line on stderr to the process's exit. */
  exitLagMs: number;
  left: Awaited<ReturnType<typeof leftSince>>;
  dir: string;
}

async function run(t: { teardown(fn: () => Promise<void>): void }, opts: { env?: Record<string, string>; args?: (dir: string) => string[]; signalAt?: { signal: NodeJS.Signals; afterLine: RegExp } } = {}): Promise<Outcome> {
  const dir = await mkdtemp(join(tmpdir(), 'faults-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const before = await snapshot();
  const args = opts.args?.(dir) ?? ['--json', join(dir, 'results.json'), '--junit', join(dir, 'junit.xml'), '--out', join(dir, 'out')];
  const proc = execa('node', [DAXH, 'run', ...SELECTION, ...args], { reject: false, stdin: 'ignore', env: { DAXH_DEADLINE_SCALE: SCALE, ...opts.env } });
  let stderr = '';
  let summaryAt = 0;
  let signalled = false;
  proc.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (!summaryAt && /\n\d+ passed, \d+ failed/.test(stderr)) summaryAt = performance.now();
    if (opts.signalAt && !signalled && opts.signalAt.afterLine.test(stderr)) {
      signalled = true;
      proc.kill(opts.signalAt.signal);
    }
  });
  const r = await proc;
  const exitLagMs = summaryAt ? performance.now() - summaryAt : 0;
  const json = args.includes('--json') ? args[args.indexOf('--json') + 1]! : join(dir, 'results.json');
  const results = await readFile(json, 'utf8').then((s) => JSON.parse(s) as RunResults, () => null);
  const junitFile = args.includes('--junit') ? args[args.indexOf('--junit') + 1]! : null;
  const junit = junitFile ? ((await parseJunit(await readFile(junitFile, 'utf8').catch(() => '<testsuites/>'))) as TestSuites | null) : null;
  const junitCases = (junit?.testsuite ?? []).reduce((n, s) => n + (s.testcase?.length ?? 0), 0);
  return { exitCode: r.exitCode, stderr, results, junitCases, exitLagMs, left: await leftSince(before), dir };
}

const faulted = (o: Outcome) => o.results!.cases.find((c) => `${c.suite}/${c.topology}/${c.name}` === cases[FAULTED - 1]);

/** The contract every guest fault keeps: only the faulted case fails, with its kind; all else is whole. */
function expectContained(t: import('ava').ExecutionContext, o: Outcome, kind: FailureKind) {
  t.is(o.exitCode, 1, o.stderr.slice(-2000));
  t.truthy(o.results, 'the JSON report is written');
  t.is(o.results!.cases.length, cases.length, 'every selected case ran');
  t.is(o.junitCases, cases.length, 'the JUnit report has every case');
  const f = faulted(o)!;
  t.is(f.status, 'failed');
  t.is(f.failureKind, kind, f.failure);
  t.notRegex(f.failure ?? '', /\n\s+at .*\(.*:\d+:\d+\)/, 'no JavaScript stack in a user-facing failure');
  const others = o.results!.cases.filter((c) => c !== f);
  t.deepEqual(others.filter((c) => c.status === 'failed').map((c) => `${c.name}: ${c.failure}`), [], 'no other case failed');
  const g = o.results!.guests;
  t.true(g.boots + (g.resumes ?? 0) + g.restores >= 2, `the faulted guest was renewed for the next case: ${JSON.stringify(g)}`);
  t.true(o.exitLagMs < 5000, `exited ${Math.round(o.exitLagMs)} ms after its summary`);
  t.deepEqual(o.left, NOTHING, 'no QEMU, temp dir or port left behind');
  return f;
}

test.serial('SIGKILL of QEMU mid-case: that case fails as qemu-exited with the console tail', async (t) => {
  const o = await run(t, { env: { DAXH_TEST_FAULT: `qemu-kill@${FAULTED}` } });
  const f = expectContained(t, o, 'qemu-exited');
  t.regex(f.failure!, /QEMU|exited/);
});

test.serial('SIGSTOP of QEMU mid-case: found hung within its deadline plus 10 s, the next case starts its own clock', async (t) => {
  const o = await run(t, { env: { DAXH_TEST_FAULT: `qemu-stop@${FAULTED}` } });
  const f = expectContained(t, o, 'guest-hang');
  const step = deadlines(parseDeadlineScale(SCALE)).stepMs;
  t.true(f.durationMs <= step + 10_000, `hang noticed after ${f.durationMs} ms (deadline ${step} ms)`);
  const next = o.results!.cases.find((c) => `${c.suite}/${c.topology}/${c.name}` === cases[FAULTED]);
  t.true(next!.durationMs < step, `the next case took ${next!.durationMs} ms: the hang is not charged to it`);
  t.true(deadlines(1).stepMs > step, 'the scale shrinks the step deadline for this test');
});

test.serial('a guest panic mid-case: kernel-crash, its excerpt runs through the panic line', async (t) => {
  const o = await run(t, { env: { DAXH_TEST_FAULT: `panic@${FAULTED}` } });
  const f = expectContained(t, o, 'kernel-crash');
  t.regex(f.failure!.split('\n')[0]!, /^guest kernel (crash|panic|oops)/i);
  t.regex(f.console ?? '', /sysrq/i);
  t.regex(f.console ?? '', /Kernel panic/, 'the excerpt reaches the panic line');
});

test.serial("sshd killed in the guest mid-case: ssh-dropped, and the run goes on", async (t) => {
  const o = await run(t, { env: { DAXH_TEST_FAULT: `sshd-kill@${FAULTED}` } });
  expectContained(t, o, 'ssh-dropped');
});

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
  test.serial(`${signal} mid-run: the case in flight is interrupted, none starts after it, every report is written, nothing is left`, async (t) => {
    const o = await run(t, { signalAt: { signal, afterLine: new RegExp(`\\[${FAULTED - 1}/${cases.length}\\]`) } });
    t.is(o.exitCode, code, o.stderr.slice(-2000));
    t.truthy(o.results, 'the JSON report is written');
    t.true(o.results!.interrupted);
    t.is(o.results!.totals.interrupted, 1, 'the case in flight is marked interrupted, not failed');
    t.is(o.results!.totals.failed, 0);
    t.true(o.results!.cases.length < cases.length, 'no case started after the signal');
    t.is(o.junitCases, o.results!.cases.length);
    t.deepEqual(o.left, NOTHING, 'no QEMU, temp dir or port left behind');
  });
}

test.serial('a full disk under --out: the run goes on, names what it could not write, and the results elsewhere are whole', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'faults-full-'));
  const full = join(dir, 'full');
  await mkdir(full);
  await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'daxh-test-full', full]);
  t.teardown(async () => {
    await execa('umount', [full], { reject: false });
    await rm(dir, { recursive: true, force: true });
  });
  // Filled to the last block; the output paths still pass their pre-run check (an empty file fits).
  await writeFile(join(full, 'ballast'), Buffer.alloc(64 * 1024)).catch(() => {});
  const o = await run(t, { args: () => ['--out', join(full, 'out'), '--json', join(dir, 'results.json'), '--junit', join(full, 'junit.xml')] });
  t.true(o.exitCode === 0 || o.exitCode === 1, o.stderr.slice(-2000));
  t.truthy(o.results, 'the JSON on the healthy disk is written');
  t.is(o.results!.cases.length, cases.length, 'every case ran');
  t.regex(o.stderr, /could not write junit .*ENOSPC/);
  t.true((o.results!.unwritten?.length ?? 0) > 0 && o.results!.unwritten!.every((u) => u.reason === 'ENOSPC'), 'the lost console logs are named with ENOSPC');
  const strays = (await readdir(full, { recursive: true })).filter((f) => String(f).includes('.tmp'));
  t.deepEqual(strays, [], 'no half-written temp file is left on the full disk');

  // The JSON itself aimed at the full disk: the run directory's own results.json is named as the whole copy.
  const o2 = await run(t, { args: () => ['--out', join(dir, 'out2'), '--json', join(full, 'results.json'), '--junit', join(dir, 'junit.xml')] });
  t.regex(o2.stderr, /could not write json .*ENOSPC/);
  t.regex(o2.stderr, /the results JSON is whole in .*out2\/results\.json/);
  const rescued = JSON.parse(await readFile(join(dir, 'out2', 'results.json'), 'utf8')) as RunResults;
  t.is(rescued.cases.length, cases.length);
  t.deepEqual(o2.left, NOTHING);
});
