// The checker's four comparisons, each proven to bite: a scenario where only that comparison can notice the
// kernel misbehaving, run once with the real checker (caught) and once with a checker that cheats on just
// that comparison (missed). A test that passed against the cheat would be a test that cannot fail.
import test from 'ava';
import { initModel } from './init-model.ts';
import { Checker, DivergenceError, divergenceSummary, type Divergence } from './checker.ts';
import type { Difference } from './diff.ts';
import type { LogVerdict } from './judge.ts';
import { fakeLab, type FakeSpec } from '../testing/fake-lab.ts';
import type { Observation } from '../model/observation.ts';
import { fail, ok, type Action, type Op, type OpResult } from '../model/ops.ts';
import { apply } from '../model/index.ts';
import { probedAndRemoved } from '../model/drivers.ts';
import type { Explanation, LinearizeInput, LinearizeResult } from './linearize.ts';
import { GiB, R612, blockRef, devRef, drvRef, hmem, r, regionRef, w } from '../model/testing/fixtures.ts';

const region = hmem({ start: 4n * GiB, size: 1n * GiB });

type CheckerClass = new (...args: ConstructorParameters<typeof Checker>) => Checker;

/** Runs `ops` on a fake guest through a checker of class `C`; the divergence it raised, or null. */
async function divergenceOf(C: CheckerClass, spec: FakeSpec, ops: readonly Action[]): Promise<Divergence | null> {
  const lab = fakeLab(spec);
  const checker = new C(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: R612 }, lab.inventory.observation);
  try {
    for (const op of ops) await checker.act(op);
    return null;
  } catch (err) {
    if (err instanceof DivergenceError) return err.divergence;
    throw err;
  }
}

class NeverComparesResults extends Checker {
  protected override resultsAgree(): boolean {
    return true;
  }
}
class NeverComparesState extends Checker {
  protected override stateDifferences(): Difference[] {
    return [];
  }
}
class SkipsInvariants extends Checker {
  protected override invariantViolations(): string[] {
    return [];
  }
}
/** Takes the racing operations in the order they were listed, never asking whether that explains the answers. */
class TakesListedOrder extends Checker {
  protected override linearize(input: LinearizeInput): LinearizeResult {
    let next = input.start;
    const steps: Explanation[] = input.ops.map((op) => {
      const s = apply(next, op);
      next = s.next;
      return { outcome: 'agreed', predicted: s.result, next: s.next, warning: false };
    });
    return { ok: true, witness: { order: input.ops.map((_, i) => i), steps, next }, explored: input.ops.length };
  }
}
class IgnoresKernelLog extends Checker {
  protected override judge(): LogVerdict {
    return { kind: 'clean' };
  }
}

// A bound device refuses a resize with EBUSY and nothing changes; a kernel answering EINVAL differs only in
// the result.
const resizeBound = w(devRef('dax0.0', 'size'), '0');
const wrongErrno: FakeSpec = { regions: [region], hooks: { result: (op) => (op === resizeBound ? fail('EINVAL') : undefined) } };

// A kernel whose device reports the wrong align, with every result right.
const wrongAlign: FakeSpec = { regions: [region], hooks: { observation: (o: Observation) => ({ ...o, devices: o.devices.map((d) => ({ ...d, align: 4096n })) }) } };

// Model and kernel agree on a state that breaks an invariant (a device whose name does not carry its
// region's id): only the invariant check can see a bug they share.
const sharedBug: FakeSpec = { regions: [region], inventory: (inv) => ({ ...inv, devices: inv.devices.map((d) => ({ ...d, name: 'dax1.0' })), iomem: inv.iomem.map((e) => (e.name === 'dax0.0' ? { ...e, name: 'dax1.0' } : e.parent === 'dax0.0' ? { ...e, parent: 'dax1.0' } : e)) }) };

// Every result and the state agree, but the kernel oopsed during the step.
const oops = 'BUG: kernel NULL pointer dereference, address: 0000000000000008';
const readSize = r(regionRef(region, 'available_size'));
const oopsOnRead: FakeSpec = { regions: [region], hooks: { log: (op) => (op === readSize ? [oops, 'Oops: 0000 [#1] PREEMPT SMP NOPTI'] : []) } };

test('a wrong result is a divergence; a checker that never compares results misses it', async (t) => {
  const d = await divergenceOf(Checker, wrongErrno, [resizeBound]);
  t.is(d?.kind, 'result');
  t.is(d?.expected, 'EBUSY');
  t.is(d?.actual, 'EINVAL');
  t.is(divergenceSummary(d!), 'write dax0.0/size "0": expected EBUSY, got EINVAL');
  t.is(await divergenceOf(NeverComparesResults, wrongErrno, [resizeBound]), null, 'the cheat must go unnoticed by this scenario alone');
});

test('a wrong state is a divergence naming the path; a checker that never compares state misses it', async (t) => {
  const d = await divergenceOf(Checker, wrongAlign, [readSize]);
  t.is(d?.kind, 'state');
  t.deepEqual(d?.differences?.[0], { path: 'devices[dax0.0].align', expected: '0x200000', actual: '4096' });
  t.is(await divergenceOf(NeverComparesState, wrongAlign, [readSize]), null);
});

test('an invariant both sides break is caught; a checker that skips the invariants misses it', async (t) => {
  const d = await divergenceOf(Checker, sharedBug, [readSize]);
  t.is(d?.kind, 'invariants');
  t.regex(d!.violations!.join('\n'), /dax1\.0: name does not carry region id 0/);
  t.is(await divergenceOf(SkipsInvariants, sharedBug, [readSize]), null);
});

test('an Oops in the step log fails the step; a checker that ignores the kernel log misses it', async (t) => {
  const d = await divergenceOf(Checker, oopsOnRead, [readSize]);
  t.is(d?.kind, 'kernel-log');
  t.is(d?.report?.kind, 'bug');
  t.deepEqual(d?.kernelLog, [oops, 'Oops: 0000 [#1] PREEMPT SMP NOPTI']);
  t.is(await divergenceOf(IgnoresKernelLog, oopsOnRead, [readSize]), null);
});

test('a WARNING the model predicts passes; the same WARNING on a step it does not predict fails', async (t) => {
  // A zero-length mapping on a device that has ranges: EBUSY with the 0-size allocation WARN_ONCE.
  const zeroLength = w(devRef('dax0.0', 'mapping'), '0x100001000-0x100000fff');
  t.is(await divergenceOf(Checker, { regions: [region] }, [zeroLength]), null);
  const warnOnRead: FakeSpec = { regions: [region], hooks: { log: (op) => (op === readSize ? ['WARNING: CPU: 0 PID: 1 at drivers/dax/bus.c:854 alloc_dev_dax_range+0x1d5/0x220 [device_dax]'] : []) } };
  t.is((await divergenceOf(Checker, warnOnRead, [readSize]))?.kind, 'kernel-log');
});

test('an outcome the model allows is followed; one outside the allowed set still fails', async (t) => {
  // Offlining a ZONE_NORMAL block may be EBUSY (an unmovable page): allowed, and the state stays online.
  const offline = w(blockRef(32), 'offline');
  const busy: FakeSpec = { regions: [region], hooks: { branch: (_op, alts) => alts.find((a) => a.id === 'memblock-offline-busy') } };
  const lab = fakeLab(busy);
  const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: R612 }, lab.inventory.observation);
  await checker.step(offline);
  await checker.step(w(blockRef(33), 'offline'));
  t.deepEqual(checker.branches.map((b) => b.id), ['memblock-offline-busy', 'memblock-offline-busy']);
  t.is(checker.steps[0]!.outcome, 'branch');
  const nomem: FakeSpec = { regions: [region], hooks: { result: (op): OpResult | undefined => (op === offline ? fail('ENOMEM') : undefined) } };
  const d = await divergenceOf(Checker, nomem, [offline]);
  t.is(d?.kind, 'result');
  t.is(d?.actual, 'ENOMEM');
});

test('a known divergence inside its release range is recorded, and a kernel in range without it is reported fixed', async (t) => {
  const unbind = [w(blockRef(32), 'offline'), w(blockRef(33), 'offline'), w(blockRef(34), 'offline'), w(blockRef(35), 'offline'), w(blockRef(36), 'offline'), w(blockRef(37), 'offline'), w(blockRef(38), 'offline'), w(blockRef(39), 'offline'), w(drvRef('kmem', 'unbind'), 'dax0.0'), w(devRef('dax0.0', 'size'), '0')];
  const misaligned = w(devRef('dax0.0', 'mapping'), '0x100000000-0x1000fffff');
  // 6.12 returns success for a misaligned mapping length: the fake kernel does what 6.12 does.
  const buggy: FakeSpec = { regions: [region], hooks: { result: (op) => (op === misaligned ? { ok: true } : undefined) } };
  const lab = fakeLab(buggy);
  const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: R612 }, lab.inventory.observation);
  for (const op of [...unbind, misaligned]) await checker.step(op);
  t.deepEqual(checker.known.map((k) => k.id), ['mapping-misaligned-length-succeeds']);
  t.deepEqual(checker.fixed, []);
  const fixedLab = fakeLab({ regions: [region] });
  const fixedChecker = new Checker(fixedLab.driver, initModel(fixedLab.inventory, fixedLab.caps), { topology: 'hmem', kernel: R612 }, fixedLab.inventory.observation);
  for (const op of [...unbind, misaligned]) await fixedChecker.step(op);
  t.deepEqual(fixedChecker.fixed, ['mapping-misaligned-length-succeeds']);
});

// Two growths on one 1G region that cannot both fit. The kernel runs them in the listed order, so the second
// fails with ENOSPC, but it answers ok: no serial order gives ok twice, and the state is the listed order's.
const idle = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null, initial: 'empty' });
const growBig = w(devRef('dax0.0', 'size'), String(768n << 20n));
const growOther = w(devRef('dax0.1', 'size'), String(512n << 20n));
const createSecond = w(regionRef(idle, 'create'), '1');
const raceLies: FakeSpec = { regions: [idle], hooks: { order: (ops) => ops.map((_, i) => i), result: (op, modelled) => (op === growOther ? ok() : modelled) } };

test('racing answers no serial order explains are a divergence; a checker that takes the listed order misses it', async (t) => {
  const race: Action[] = [createSecond, { together: [growBig, growOther] }];
  const d = await divergenceOf(Checker, raceLies, race);
  t.is(d?.kind, 'linearizability');
  t.is(d?.actual, 'ok | ok');
  t.regex(divergenceSummary(d!), /^together \{ write dax0.0\/size "805306368" \| write dax0.1\/size "536870912" \}: no serial order explains/);
  t.is(await divergenceOf(TakesListedOrder, raceLies, race), null, 'the cheat must go unnoticed by this scenario alone');
});

test('a race the kernel ran in another order than listed is explained by that order', async (t) => {
  // The fake kernel runs racing operations last first: dax0.1 gets its 512M, dax0.0's 768M fails.
  const lab = fakeLab({ regions: [idle] });
  const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: R612 }, lab.inventory.observation);
  await checker.step(createSecond);
  t.deepEqual(await checker.together([growBig, growOther]), [fail('ENOSPC'), ok()]);
  t.is(checker.steps.at(-1)?.expected, 'in order 2, 1');
  t.deepEqual(checker.history.at(-1), { together: [growBig, growOther] });
  t.is((await divergenceOf(TakesListedOrder, { regions: [idle] }, [createSecond, { together: [growBig, growOther] }]))?.kind, 'state', 'assuming the listed order fails a correct kernel')
});

// Growing a released device under fault injection. The fake kernel makes 3 allocations for the write: failing
// the 1st..3rd fails it with ENOMEM and changes nothing; failing the 4th fails nothing (not injected).
const released = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null, initial: 'empty' });
const grow = (nth?: number): Op => ({ ...w(devRef('dax0.0', 'size'), String(256n << 20n)), ...(nth ? { failNth: nth } : {}) });

async function stepsInjecting(spec: FakeSpec, ops: readonly Op[]): Promise<{ checker: Checker; out: { result: OpResult; injected: boolean }[] }> {
  const lab = fakeLab(spec);
  const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: R612 }, lab.inventory.observation);
  const out = [];
  for (const op of ops) out.push(await checker.stepInjecting(op));
  return { checker, out };
}

test('an injected allocation failure may fail the write if it changes nothing; the branch is recorded', async (t) => {
  const { checker, out } = await stepsInjecting({ regions: [released], hooks: { allocations: (op) => (op.ref.kind === 'device' ? 3 : 0) } }, [grow(2), grow(4)]);
  t.deepEqual(out, [{ result: fail('ENOMEM'), injected: true }, { result: ok(), injected: false }]);
  t.deepEqual(checker.branches.map((b) => b.id), ['allocation-failure']);
  t.is(checker.steps[0]!.operation, 'write dax0.0/size "268435456" (allocation 2 fails)');
});

test('a write that fails its injected allocation but keeps its effect is a state divergence', async (t) => {
  const leaky: FakeSpec = { regions: [released], hooks: { allocations: () => 3, failedLeaves: (_op, _before, after) => after } };
  const d = await divergenceOf(Checker, leaky, [grow(1)]);
  t.is(d?.kind, 'state');
  t.true(d!.differences!.some((x) => /dax0\.0/.test(x.path)), d!.differences!.map((x) => x.path).join(", "));
});

test("warn_alloc's report passes in the step whose allocation was failed, and fails one that injected nothing", async (t) => {
  const report = ['daxh-helper: vmalloc error: size 16777216, vm_struct allocation failed, mode:0xcc0(GFP_KERNEL)', 'Call Trace:', ' <TASK>', ' warn_alloc+0x24a/0x390', ' </TASK>'];
  const spec: FakeSpec = { regions: [released], hooks: { allocations: () => 3, log: () => report } };
  const { out } = await stepsInjecting(spec, [grow(2)]);
  t.deepEqual(out, [{ result: fail('ENOMEM'), injected: true }]);
  t.is((await divergenceOf(Checker, spec, [grow()]))?.kind, 'kernel-log');
});

// A kmem bind whose failed allocation was a block's node link: the kernel binds all the same (node.c).
const unbound = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null });
const kmemBind = (nth?: number): Op => ({ ...w(drvRef('kmem', 'bind'), 'dax0.0'), ...(nth ? { failNth: nth } : {}) });
const unlinks: FakeSpec = { regions: [unbound], hooks: { allocations: () => 5, tolerates: () => 'node-link-lost' } };

test('an injected write that succeeds with a block left without its node link is a branch', async (t) => {
  const { checker, out } = await stepsInjecting(unlinks, [kmemBind(3)]);
  t.deepEqual(out, [{ result: ok(), injected: true }]);
  t.deepEqual(checker.branches.map((b) => b.id), ['node-link-lost']);
  t.is(checker.observation.memoryBlocks.filter((b) => b.node === null).length, 1);
});

test('an injected kmem bind whose onlining stopped at a block is a branch; the rest of the range stays offline', async (t) => {
  const stops: FakeSpec = { regions: [unbound], hooks: { allocations: () => 5, tolerates: () => 'onlining-stopped' } };
  const { checker, out } = await stepsInjecting(stops, [kmemBind(2)]);
  t.deepEqual(out, [{ result: ok(), injected: true }]);
  t.deepEqual(checker.branches.map((b) => b.id), ['onlining-stopped']);
  t.deepEqual(checker.observation.memoryBlocks.map((b) => b.state), Array(8).fill('offline'), 'the fake stops at the first block');
  t.is((await divergenceOf(Checker, stops, [kmemBind()]))?.kind, 'state', 'without an injected failure it is a divergence');
});

test('a kmem bind that fails ENOMEM with its memory left online is known on 7.3 (kmem-bind-unwind-leaves-memory-online), a divergence on 6.12', async (t) => {
  const unwound: FakeSpec = { regions: [unbound], hooks: { allocations: () => 50, failedLeaves: (op, before) => (op.op === 'write' && op.failNth === 47 ? probedAndRemoved(before, 'kmem', 'dax0.0') : undefined) } };
  const run = async (kernel: string) => {
    const lab = fakeLab(unwound);
    const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel }, lab.inventory.observation);
    for (const nth of [46, 47]) {
      const { result } = await checker.stepInjecting(kmemBind(nth));
      t.deepEqual(result, fail('ENOMEM'));
    }
    return checker;
  };
  const on73 = await run('7.3.4');
  t.deepEqual(on73.known.map((k) => k.id), ['kmem-bind-unwind-leaves-memory-online']);
  t.deepEqual(on73.branches.map((b) => b.id), ['allocation-failure'], 'allocation 46 undid itself: the intended way');
  t.true(on73.observation.memoryBlocks.length > 0 && on73.observation.memoryBlocks.every((b) => b.state === 'online'), 'the memory stayed online');
  t.is(on73.observation.devices.find((d) => d.name === 'dax0.0')?.driver, null);
  await t.throwsAsync(run(R612), { instanceOf: DivergenceError, message: /state differs|memoryBlocks/ });
});

test('a block without its node link where no allocation was failed is a state divergence', async (t) => {
  const d = await divergenceOf(Checker, unlinks, [kmemBind()]);
  t.is(d?.kind, 'state');
  t.deepEqual(d!.differences!.map((x) => [x.path, x.actual]), [['memoryBlocks[memory32].node', 'null']]);
});

test('ENOMEM where no allocation was failed is a result divergence, not an allocation failure', async (t) => {
  // The fake kernel makes no allocations, so failNth 1 injects nothing; answering ENOMEM anyway is wrong.
  const liar: FakeSpec = { regions: [released], hooks: { result: (op) => ('failNth' in op && op.failNth ? fail('ENOMEM') : undefined) } };
  const d = await divergenceOf(Checker, liar, [grow(1)]);
  t.is(d?.kind, 'result');
  t.is(d?.actual, 'ENOMEM');
});

// The refcount splat a rebind with the node held open leaves for the next unbind (dev-dax-probe-wipes-open-cdev).
const underflow = ['------------[ cut here ]------------', 'refcount_t: underflow; use-after-free.', 'WARNING: CPU: 1 PID: 268 at lib/refcount.c:28 refcount_warn_saturate+0xbe/0x110', 'Call Trace:', ' <TASK>', ' release_nodes+0x40/0xb0', ' devres_release_all+0x8c/0xc0', ' device_release_driver_internal+0x186/0x200', ' unbind_store+0xa1/0xb0', '---[ end trace 0000000000000000 ]---'];

test('a kernel report of a cited bug is known inside its release range and a failure outside it', async (t) => {
  // The refcount splat comes at an unbind of device_dax: the step is part of what the bug is.
  const unbind = w(drvRef('device_dax', 'unbind'), 'dax0.0');
  const spec = (at: Op): FakeSpec => ({ regions: [region], hooks: { log: (op) => (op === at ? underflow : []) } });
  const run = async (kernel: string, at: Op = unbind) => {
    const lab = fakeLab(spec(at));
    const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel }, lab.inventory.observation);
    try {
      await checker.step(at);
      return checker;
    } catch (err) {
      if (err instanceof DivergenceError) return err.divergence;
      throw err;
    }
  };
  const inRange = await run(R612);
  t.true(inRange instanceof Checker);
  t.deepEqual((inRange as Checker).known.map((k) => k.id), ['dev-dax-probe-wipes-open-cdev']);
  t.is((inRange as Checker).steps[0]!.outcome, 'known');
  const before = await run('5.15.0');
  t.false(before instanceof Checker);
  t.is((before as Divergence).kind, 'kernel-log');
  const elsewhere = await run(R612, readSize);
  t.is((elsewhere as Divergence).kind, 'kernel-log', 'the same splat at a step that unbinds nothing is not this bug');
});

test("a report known only by what led to it is matched against the checker's earlier steps' log", async (t) => {
  const release = "kobject: '(null)' (ffff888001450ab0): kobject_release, parent ffff8880077bd078 (delayed 3000)";
  const nullFn = ['------------[ cut here ]------------', 'WARNING: kernel/time/timer.c:1786 at __run_timers+0x758/0x990, CPU#0: sh/254', 'Call Trace:', ' <IRQ>', ' run_timer_softirq+0x141/0x240', ' </IRQ>', '---[ end trace 0000000000000000 ]---', release];
  const readAlign = r(regionRef(region, 'align'));
  const run = async (first: readonly string[]) => {
    const lab = fakeLab({ regions: [region], hooks: { log: (op) => (op === readAlign ? [...first] : op === readSize ? nullFn : []) } });
    const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: '7.3.4' }, lab.inventory.observation);
    await checker.step(readAlign);
    await checker.step(readSize);
    return checker.known.map((k) => k.id);
  };
  t.deepEqual(await run([release]), ['dev-dax-probe-wipes-releasing-cdev']);
  await t.throwsAsync(run([]), { instanceOf: DivergenceError, message: /__run_timers/ }, 'without the earlier release it is an unexplained WARN');
});

test('a device node maps as the model says: ENXIO unbound, EINVAL off its align, EFAULT past its size; a wrong answer diverges', async (t) => {
  const lab = fakeLab({ regions: [released] });
  const checker = new Checker(lab.driver, initModel(lab.inventory, lab.caps), { topology: 'hmem', kernel: R612 }, lab.inventory.observation);
  t.deepEqual(await checker.mmap('dax0.0', 2n << 20n), fail('ENXIO'));
  await checker.step(grow());
  await checker.step(w(drvRef('device_dax', 'new_id'), 'dax0.0'));
  t.deepEqual(await checker.mmap('dax0.0', 2n << 20n), ok());
  t.deepEqual(await checker.mmap('dax0.0', 4096n), fail('EINVAL'));
  t.deepEqual(await checker.mmap('dax0.0', 258n << 20n), fail('EFAULT'));
  t.deepEqual(await checker.mmap('dax9.9', 4096n), fail('ENOENT'));
  // A kernel that maps a node nothing drives.
  const lying = fakeLab({ regions: [released] });
  const mapsAnything = Object.assign(Object.create(lying.driver), { mmap: async (d: string, n: bigint) => ({ ...(await lying.driver.mmap(d, n)), results: [ok()] }) });
  const fooled = new Checker(mapsAnything, initModel(lying.inventory, lying.caps), { topology: 'hmem', kernel: R612 }, lying.inventory.observation);
  const e = await t.throwsAsync(fooled.mmap('dax0.0', 2n << 20n), { instanceOf: DivergenceError });
  t.regex(e!.message, /mmap \/dev\/dax0\.0 2097152 bytes, touch its ends\nresult: expected ENXIO, got ok/);
});
