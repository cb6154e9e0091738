// The runner over fake guests: every fault a real guest can have fails exactly the case in flight with its
// own kind, the rest run on a renewed guest, and a runner that cheats on renewal is caught.
import test from 'ava';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GuestFixture, type BootGuest } from './fixture.ts';
import { runCases, type RunOptions } from './runner.ts';
import { instantiate, type CaseDef } from './suite.ts';
import { Multiplexer, type Reporter } from '../report/reporter.ts';
import type { RunResults } from '../report/results.ts';
import { markdownSummary } from '../report/markdown.ts';
import { fakeBooter, type FakeGuest, type FakeHooks, type FakeSpec } from '../testing/fake-lab.ts';
import type { CoverageSink } from '../coverage/gcov.ts';
import type { Op } from '../model/ops.ts';
import { GiB, R612, blockRef, devRef, drvRef, hmem, r, regionRef, w } from '../model/testing/fixtures.ts';
import { BootError, BootStalledError, GuestSetupError } from '../guest/errors.ts';
import type { GuestEvent } from '../report/reporter.ts';

const region = hmem({ start: 4n * GiB, size: 1n * GiB });
const HMEM_OFFER = [{ name: 'hmem', regions: [{ provider: 'hmem' as const, kind: 'dynamic' as const }] }];
const readAvail = r(regionRef(region, 'available_size'));
const blocks = Array.from({ length: 8 }, (_, i) => 32 + i);

/** Unbinding kmem with its blocks online leaks them until reboot: no sysfs undo brings them back. */
const leaks: CaseDef = {
  name: 'leaks hot-plugged memory',
  needs: {},
  run: async (ctx) => {
    await ctx.checker.step(w(drvRef('kmem', 'unbind'), 'dax0.0'));
  },
};
/** Starts from the provisioned state, or diverges: rebinding over leaked memory is EBUSY. */
const needsClean: CaseDef = {
  name: 'needs the provisioned state',
  needs: {},
  run: async (ctx) => {
    for (const b of blocks) await ctx.checker.step(w(blockRef(b), 'offline'));
    await ctx.checker.step(w(drvRef('kmem', 'unbind'), 'dax0.0'));
    await ctx.checker.step(w(drvRef('kmem', 'bind'), 'dax0.0'));
  },
};
const reads = (name: string, op: Op = readAvail): CaseDef => ({ name, needs: {}, run: async (ctx) => void (await ctx.checker.step(op)) });

async function runFake(defs: CaseDef[], spec: FakeSpec | ((boot: number) => FakeSpec), extra: Partial<RunOptions> = {}): Promise<RunResults & { booted: ReturnType<typeof fakeBooter>['made']; outDir: string }> {
  const outDir = await mkdtemp(join(tmpdir(), 'daxh-runner-test-'));
  const booter = fakeBooter(spec);
  const results = await runCases({
    target: { kernel: R612, image: 'fake', accel: 'tcg' },
    cases: instantiate([{ name: 'unit', about: '', cases: defs }], HMEM_OFFER),
    boot: booter.boot,
    reporter: new Multiplexer([]),
    outDir,
    jobs: 1,
    seed: 7,
    ...extra,
  });
  return { ...results, booted: booter.made, outDir };
}

test.afterEach.always(async () => {
  for (const d of (await readdir(tmpdir())).filter((x) => x.startsWith('daxh-runner-test-'))) await rm(join(tmpdir(), d), { recursive: true, force: true });
});

test('a case that leaves the guest unusable hands the next case a renewed guest (snapshot from the second boot on)', async (t) => {
  const r = await runFake([leaks, needsClean, leaks, needsClean], { regions: [region] });
  t.deepEqual(r.cases.map((c) => c.status), ['passed', 'passed', 'passed', 'passed'], r.cases.map((c) => c.failure).join('\n'));
  t.deepEqual(r.guests, { boots: 2, restores: 1 }, 'first leak: a boot (which takes the snapshot); second leak: a restore');
});

test('a guest resumed from a saved machine renews from the snapshot it holds: no boot at all', async (t) => {
  const r = await runFake([leaks, needsClean, leaks, needsClean], { regions: [region], resumed: true });
  t.deepEqual(r.cases.map((c) => c.status), ['passed', 'passed', 'passed', 'passed'], r.cases.map((c) => c.failure).join('\n'));
  t.deepEqual(r.guests, { boots: 0, restores: 2, resumes: 1 });
});

/** A fixture that never renews its guest: the first guest, whatever state cases leave it in. */
class NeverRenews extends GuestFixture {
  override async settle(): Promise<void> {}
}

test('a runner that never renews a guest is caught: the next case diverges on the leaked memory', async (t) => {
  const r = await runFake([leaks, needsClean], { regions: [region] }, { fixture: (boot: BootGuest, topology: string) => new NeverRenews(boot, topology) });
  t.is(r.cases[1]!.status, 'failed');
  t.is(r.cases[1]!.failureKind, 'divergence');
  t.regex(r.cases[1]!.failure!, /devices\[dax0\.0\]\.driver: expected "kmem", got null/);
});

// The faulted case reads the region's size; only that operation misbehaves, and only on the first guest.
const faultOp = r(regionRef(region, 'size'));
const at = (op: Op) => op === faultOp;
const panicLines = ['[   12.0] BUG: kernel NULL pointer dereference, address: 0000000000000008', '[   12.1] Oops: 0000 [#1] PREEMPT SMP NOPTI', '[   12.2] RIP: 0010:dax_mapping_release+0x2a/0x40 [device_dax]', '[   12.3] Call Trace:', '[   12.4]  <TASK>', '[   12.5]  device_release+0x30/0x90', '[   12.6] ---[ end trace 0000000000000000 ]---', '[   12.7] Kernel panic - not syncing: Fatal exception'];
const faults: [string, FakeHooks, RegExp][] = [
  ['guest-hang', { hang: at }, /guest hung: no answer/],
  ['ssh-dropped', { drop: at }, /SSH connection to the guest dropped/],
  ['qemu-exited', { die: at }, /QEMU of .* exited/],
  ['kernel-crash', { die: at, console: (op) => (at(op) ? panicLines : []) }, /guest kernel bug: .*NULL pointer dereference/],
];

for (const [kind, hooks, message] of faults) {
  test(`${kind}: fails only the case in flight, with its kind; the next case runs on a new guest`, async (t) => {
    const res = await runFake([reads('before'), reads('faulted', faultOp), reads('after')], (boot) => ({ regions: [region], ...(boot === 1 ? { hooks } : {}) }));
    t.deepEqual(res.cases.map((c) => c.status), ['passed', 'failed', 'passed']);
    const faulted = res.cases[1]!;
    t.is(faulted.failureKind, kind as never);
    t.regex(faulted.failure!, message);
    t.notRegex(faulted.failure!, /\n\s+at .*\.ts:\d+/, 'no JavaScript stack in a user-facing failure');
    t.is(res.booted.length, 2);
    if (kind === 'kernel-crash') {
      t.regex(faulted.console!, /Kernel panic - not syncing/, 'the excerpt runs through the panic line');
      t.is(faulted.kernelReport?.signature, 'bug: BUG: kernel NULL pointer dereference, address: X @ dax_mapping_release < device_release');
    }
  });
}

test('a hung step: the kernel log read after it gives the hung-task report with its stack, and the case is a kernel crash', async (t) => {
  const dmesg = [
    '[   32.1] dax: something ordinary',
    '[   62.7] INFO: task daxh-helper:646 blocked for more than 30 seconds.',
    '[   62.7]       Not tainted 6.12.117+deb12-amd64 #1 Debian 6.12.117-1~deb12u1',
    '[   62.7] task:daxh-helper     state:D stack:0     pid:646   tgid:646   ppid:640    flags:0x00000002',
    '[   62.7] Call Trace:',
    '[   62.7]  <TASK>',
    '[   62.7]  __schedule+0x3f0/0xb40',
    '[   62.7]  rwsem_down_write_slowpath+0x1f6/0x5a0',
    '[   62.7]  down_write+0x5b/0x60',
    '[   62.7]  unregister_dev_dax+0x26/0x80 [dax]',
    '[   62.7]  </TASK>',
  ].join('\n');
  const res = await runFake([reads('hung', faultOp), reads('after')], (boot) => ({ regions: [region], ...(boot === 1 ? { hooks: { hang: at, dmesg: () => dmesg } } : {}) }));
  const hung = res.cases[0]!;
  t.is(hung.failureKind, 'kernel-crash');
  t.is(hung.kernelReport?.kind, 'hung-task');
  t.regex(hung.console!, /unregister_dev_dax/);
  t.regex(hung.failure!, /guest hung: no answer/);
  t.is(res.cases[1]!.status, 'passed');

  // The same hang with the racing writer's stack is the deadlock the harness already found: known on 6.12.
  const deadlock = `${dmesg}\n[  132.1] sysrq: Show Blocked State\n[  132.1] task:daxh-helper state:D\n[  132.1] Call Trace:\n[  132.1]  rwsem_down_write_slowpath+0x286/0x640\n[  132.1]  down_write_killable+0x5a/0x80\n[  132.1]  align_store+0xb6/0x210`.replace('unregister_dev_dax+0x26/0x80 [dax]', 'kernfs_drain+0xd6/0x160\n[   62.7]  unregister_dev_dax+0x6e/0xd0\n[   62.7]  delete_store+0x13c/0x170');
  const known = (await runFake([reads('hung', faultOp)], { regions: [region], hooks: { hang: at, dmesg: () => deadlock } })).cases[0]!;
  t.is(known.status, 'known');
  t.is(known.known?.[0]?.id, 'delete-drains-under-dax-region-rwsem');
  t.is(known.failureKind, undefined);
  t.regex(known.console!, /align_store/);
});

test('an error the harness did not expect fails that case without a stack, logs the stack, and the group goes on', async (t) => {
  const boom: CaseDef = { name: 'boom', needs: {}, run: async () => { throw new TypeError('cannot read properties of undefined'); } };
  const r = await runFake([boom, reads('after')], { regions: [region] });
  t.deepEqual(r.cases.map((c) => c.status), ['failed', 'passed']);
  t.is(r.cases[0]!.failureKind, 'harness-error');
  t.regex(r.cases[0]!.failure!, /^cannot read properties of undefined \(stack in .*harness-errors\.log\)$/);
  t.regex(await readFile(join(r.outDir, 'harness-errors.log'), 'utf8'), /TypeError: cannot read properties[\s\S]*runner\.test\.ts/);
});

test('a guest that cannot be set up fails every case of its group with one reason, booted once', async (t) => {
  let boots = 0;
  const r = await runCases({
    target: { kernel: R612, image: 'fake', accel: 'tcg' },
    cases: instantiate([{ name: 'unit', about: '', cases: [reads('a'), reads('b')] }], HMEM_OFFER),
    boot: async () => {
      boots++;
      throw new Error('provisioning step \'load kmem\' failed');
    },
    reporter: new Multiplexer([]),
    outDir: await mkdtemp(join(tmpdir(), 'daxh-runner-test-')),
    jobs: 1,
    seed: 1,
  });
  t.is(boots, 1);
  t.deepEqual(r.cases.map((c) => c.failureKind), ['guest-setup', 'guest-setup']);
  t.regex(r.cases[1]!.failure!, /guest for hmem did not come up: provisioning step 'load kmem' failed/);
});

test('an interrupt ends the case in flight as interrupted, starts no other, and still ends the run', async (t) => {
  const stop = new AbortController();
  const interrupting: CaseDef = { name: 'interrupted', needs: {}, run: async (ctx) => { stop.abort(); await ctx.checker.step(readAvail); } };
  const hangs: FakeSpec = { regions: [region], hooks: { hang: () => stop.signal.aborted } };
  const r = await runFake([reads('first'), interrupting, reads('never')], hangs, { signal: stop.signal });
  t.deepEqual(r.cases.map((c) => `${c.name}:${c.status}`), ['first:passed', 'interrupted:interrupted']);
  t.true(r.interrupted);
  t.is(r.totals.interrupted, 1);
});

test('a reporter that throws is recorded and every other reporter still gets every event', async (t) => {
  const seen: string[] = [];
  const broken: Reporter = { name: 'broken', onCaseEnd: () => { throw new Error('disk full'); }, onRunEnd: () => Promise.reject(new Error('ENOSPC')) };
  const fine: Reporter = { onCaseStart: (c) => seen.push(`start ${c.name}`), onStep: (c, s) => seen.push(`step ${s.operation}`), onCaseEnd: (res) => seen.push(`end ${res.name}`), onRunEnd: () => void seen.push('run end') };
  const mux = new Multiplexer([broken, fine]);
  await runFake([reads('a')], { regions: [region] }, { reporter: mux });
  t.deepEqual(seen, ['start a', `step read hmem0/dax_region/available_size`, 'end a', 'run end']);
  t.deepEqual(mux.failures.map((f) => `${f.reporter} ${f.event}: ${f.message}`), ['broken case end: disk full', 'broken run end: ENOSPC']);
});

test('a case needing a capability the kernel lacks is skipped with the reason', async (t) => {
  const r = await runFake([{ ...reads('needs kmem'), needs: { requires: ['kmem'] } }], { regions: [region], lacks: ['kmem'] });
  t.is(r.cases[0]!.status, 'skipped');
  t.is(r.cases[0]!.skipReason, 'the fake kernel lacks kmem');
});

test('case durations are whole milliseconds and leave the guest set-up out', async (t) => {
  const r = await runFake([reads('a'), reads('b', w(devRef('dax0.0', 'size'), '0'))], { regions: [region] });
  for (const c of r.cases) {
    t.true(Number.isInteger(c.durationMs) && Number.isInteger(c.setupMs!));
  }
  t.is(r.cases[1]!.steps?.[0]?.actual, 'EBUSY');
});

test('each case counts its round trips to the guest and its fresh starts, with their time, a part of its own', async (t) => {
  const three: CaseDef = { name: 'three steps', needs: {}, run: async (ctx) => {
    for (let i = 0; i < 3; i++) await (await ctx.fresh()).step(readAvail);
  } };
  const r = await runFake([three], { regions: [region] });
  const c = r.cases[0]!;
  t.like(c.timing, { roundTrips: 3, freshStarts: 3 });
  t.true(Number.isInteger(c.timing!.guestMs) && Number.isInteger(c.timing!.freshMs) && c.timing!.guestMs + c.timing!.freshMs! <= c.durationMs);
});

test('provisioning steps a guest skipped are in the results once per topology, and in the markdown summary', async (t) => {
  const provisioning = [
    { step: 'create namespaces', status: 'done' as const, seconds: 1 },
    { step: 'online hmem', status: 'skipped' as const, reason: 'the fake kernel lacks kmem' },
  ];
  // The second case renews the guest (a leak), so the skip is seen on two boots and must be listed once.
  const r = await runFake([leaks, reads('after')], { regions: [region], provisioning });
  t.is(r.guests.boots, 2);
  t.deepEqual(r.guests.skippedProvisioning, [{ topology: 'hmem', step: 'online hmem', reason: 'the fake kernel lacks kmem' }]);
  t.regex(markdownSummary(r), /### Provisioning steps skipped\n\n- hmem: online hmem: the fake kernel lacks kmem/);
});

/** A coverage sink that records each read: which suite, whether it reset, and the guest's state then. */
function recordingSink() {
  const reads: string[] = [];
  const sink: CoverageSink = {
    collect: async (guest, suite, reset) => {
      const fake = guest as FakeGuest;
      const bound = fake.state.devices.get('dax0.0')?.binding?.driver ?? 'none';
      reads.push(`${suite}${reset ? ' reset' : ''} ${guest.name} dax0.0:${bound}`);
    },
    finish: async () => ({ tree: '/t', files: [], suites: [], collections: reads.length, lost: [] }),
  };
  return { sink, reads };
}

test('coverage is read before every restore and stop, and at each change of suite, under the suite that ran', async (t) => {
  const { sink, reads: seen } = recordingSink();
  const outDir = await mkdtemp(join(tmpdir(), 'daxh-runner-test-'));
  const booter = fakeBooter({ regions: [region] });
  const r = await runCases({
    target: { kernel: R612, image: 'fake', accel: 'tcg' },
    cases: instantiate([{ name: 'a', about: '', cases: [leaks, needsClean, leaks] }, { name: 'b', about: '', cases: [reads('reads')] }], HMEM_OFFER),
    boot: booter.boot,
    reporter: new Multiplexer([]),
    outDir,
    jobs: 1,
    seed: 7,
    coverage: sink,
  });
  t.deepEqual(r.cases.map((c) => c.status), ['passed', 'passed', 'passed', 'passed']);
  t.deepEqual(seen, [
    'a hmem-1 dax0.0:none', // the leaked first guest, before it stops (no snapshot yet)
    'a reset hmem-2 dax0.0:none', // suite b starts: a's counters so far, then zeroed
    'b hmem-2 dax0.0:none', // before the restore that renews the leaked guest
    'b hmem-2 dax0.0:kmem', // before the group's guest stops
  ]);
  t.deepEqual(r.guests, { boots: 2, restores: 1 });
  t.is(r.kernelCoverage?.collections, 4, 'the sink\'s summary is the run\'s');
});

test('findings: two cases hitting one bug are one finding with its first recipe, replayed on the kernels asked for; none without failures', async (t) => {
  const wrong = { result: (op: Op) => (op.op === 'read' && op.ref.kind === 'region' && op.ref.attr === 'available_size' ? { ok: true as const, value: '0' } : undefined) };
  const replayed: string[] = [];
  const replayFinding = async (recipe: string) => {
    replayed.push(recipe);
    return [
      { series: '6.1', release: '6.1.0-56-amd64', kind: 'agrees' as const, line: 'agrees with the model (3 checks)' },
      { series: '7.3', release: '7.3.4+deb13-amd64', kind: 'diverges' as const, line: 'diverges' },
    ];
  };
  const r = await runFake([reads('first'), reads('second')], { regions: [region], hooks: wrong }, { replayFinding });
  t.deepEqual(r.cases.map((c) => c.status), ['failed', 'failed']);
  t.is(r.findings?.length, 1, 'one bug, however many cases hit it');
  const f = r.findings![0]!;
  t.deepEqual(f.cases, ['unit/hmem/first', 'unit/hmem/second']);
  t.is(f.recipe, r.cases[0]!.recipe);
  t.deepEqual(replayed, [r.cases[0]!.recipe], 'the first recipe is replayed once');
  t.deepEqual(f.replays!.map((v) => `${v.series}:${v.kind}`), ['6.1:agrees', '7.3:diverges']);
  t.regex(markdownSummary(r), /### Findings: 1 distinct\n\n- .*2 case\(s\).*; reproduces on: 7\.3 · agrees on: 6\.1/);
  const failingReplay = await runFake([reads('first')], { regions: [region], hooks: wrong }, { replayFinding: async () => Promise.reject(new Error('no kernel 7.3 here')) });
  t.is(failingReplay.findings![0]!.replayError, 'no kernel 7.3 here', 'a replay that fails is noted on its finding, the run still ends');
  t.is((await runFake([reads('fine')], { regions: [region] }, { replayFinding })).findings, undefined);
});

test('a case that diverges hands the next case a renewed guest: its kernel may carry damage that shows later', async (t) => {
  const wrong = r(regionRef(region, 'size'));
  const diverges = reads('diverges', wrong);
  const res = await runFake([diverges, reads('next')], { regions: [region], hooks: { result: (op) => (op === wrong ? { ok: false, errno: 'EIO' } : undefined) } });
  t.deepEqual(res.cases.map((c) => [c.status, c.failureKind]), [['failed', 'divergence'], ['passed', undefined]]);
  t.deepEqual(res.guests, { boots: 2, restores: 0 }, 'the divergence renewed the guest before the next case');
});

test('a boot that stalls is tried once more, recorded as a lost guest; stalling twice, or refusing, fails as before', async (t) => {
  const stall = (name: string) => new BootStalledError(`${name}: no DAXH_SSHD_READY on the console within 120 s`, 'rcu: INFO: rcu_preempt self-detected stall on CPU');
  const fixtureFailing = (fails: (n: number, name: string) => Error | null) => {
    const events: GuestEvent[] = [];
    let n = 0;
    const { boot } = fakeBooter({ regions: [region] });
    const bootGuest: BootGuest = async (name) => {
      const err = fails(++n, name);
      if (err) throw err;
      return boot('hmem', name);
    };
    return { fixture: new GuestFixture(bootGuest, 'hmem', (e) => events.push(e)), events };
  };
  const once = fixtureFailing((n, name) => (n === 1 ? stall(name) : null));
  t.is((await once.fixture.acquire()).guest.name, 'hmem-2');
  t.deepEqual(once.events.filter((e) => e.kind === 'lost').map((e) => e.kind === 'lost' && e.loss.reason), ['hmem-1: no DAXH_SSHD_READY on the console within 120 s; booting once more']);
  const twice = fixtureFailing((_n, name) => stall(name));
  await t.throwsAsync(twice.fixture.acquire(), { instanceOf: GuestSetupError, message: /did not come up: hmem-2: no DAXH_SSHD_READY/ });
  const refused = fixtureFailing((_n, name) => new BootError(`${name}: QEMU exited (1) before the guest was ready`, ''));
  await t.throwsAsync(refused.fixture.acquire(), { message: /did not come up: hmem-1: QEMU exited/ });
  t.is(refused.fixture.counts.boots, 1, 'a refusal is not retried');
});

test("a console report known only by what led to it is known through the steps' kernel log, which has what the console leaves out", async (t) => {
  const uaf = ['[   32.8] ==================================================================', '[   32.8] BUG: KASAN: slab-use-after-free in __run_timers+0x8e2/0x990', '[   32.8] Call Trace:', '[   32.8]  <IRQ>', '[   32.8]  run_timer_softirq+0x141/0x240', '[   32.8]  </IRQ>', '[   32.8] Allocated by task 123:', '[   32.8]  __alloc_disk_node+0x54/0x610', '[   32.8] Freed by task 149:', '[   32.8]  bdev_free_inode+0x14f/0x200', '[   32.8] =================================================================='];
  const queue = "kobject: 'queue' (ffff88812819a388): kobject_release, parent 0000000000000000 (delayed 2000)";
  const run = (kmsg: string[]) => runFake([reads('faulted', faultOp)], { regions: [region], machine: { release: '7.3.4' }, hooks: { console: (op) => (at(op) ? uaf : []), kmsg: (op) => (at(op) ? kmsg : []) } }, { target: { kernel: '7.3.4', image: 'fake', accel: 'tcg' } });
  const known = (await run([queue])).cases[0]!;
  t.is(known.status, 'known', known.failure);
  t.is(known.known?.[0]?.id, 'gendisk-freed-before-queue-kobject-release');
  t.is((await run([])).cases[0]!.status, 'failed', 'the same report without the delayed queue release is not attributed');
});

test('a guest that died after the group\'s last case is recorded as lost at close, naming what went with it', async (t) => {
  const events: GuestEvent[] = [];
  const { boot, made } = fakeBooter({ regions: [region] });
  const fixture = new GuestFixture((name) => boot('hmem', name), 'hmem', (e) => events.push(e), async () => {});
  await fixture.acquire();
  made[0]!.fake.alive = false;
  await fixture.close();
  t.deepEqual(events.filter((e) => e.kind === 'lost').map((e) => e.kind === 'lost' && e.loss.reason), ['guest hmem-1 stopped running (QEMU exited) after the group\'s last case, before its coverage counters were read']);
});

test('a guest whose boot Ctrl-C cut short leaves its case interrupted, not failed', async (t) => {
  const stop = new AbortController();
  const dying: BootGuest = async (name) => {
    stop.abort();
    throw new BootError(`${name}: QEMU exited (0) before the guest was ready: no message`, '');
  };
  const r = await runFake([reads('first'), reads('never')], { regions: [region] }, { signal: stop.signal, fixture: (_boot: BootGuest, topology: string) => new GuestFixture(dying, topology) });
  t.deepEqual(r.cases.map((c) => `${c.name}:${c.status}`), ['first:interrupted'], 'and no case starts after it');
  t.is(r.cases[0]!.failureKind, undefined);
  t.is(r.totals.failed, 0);
});

test('a WARNING on the console, even one the model predicted, renews the guest before the next case; a clean console does not', async (t) => {
  // A zero-length mapping on an unbound device with ranges: EBUSY, with alloc_dev_dax_range's WARN_ONCE.
  const zeroLength = w(devRef('dax0.0', 'mapping'), '0x100001000-0x100000fff');
  const unbound = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null });
  const warned = await runFake([reads('warns', zeroLength), reads('next', r(regionRef(unbound, 'size')))], { regions: [unbound] });
  t.deepEqual(warned.cases.map((c) => c.status), ['passed', 'passed'], 'the warning was predicted: the case passes');
  t.true(warned.booted[0]!.fake.console.lines.some((l) => l.includes('WARNING:')), 'the console did show the warning');
  t.deepEqual(warned.guests, { boots: 2, restores: 0 }, 'and the next case got another guest');
  const clean = await runFake([reads('reads', r(regionRef(unbound, 'size'))), reads('next', r(regionRef(unbound, 'size')))], { regions: [unbound] });
  t.deepEqual(clean.guests, { boots: 1, restores: 0 });
});
