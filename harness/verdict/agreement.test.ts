// `daxh run` and `daxh repro` judge one evidence with one policy (case-verdict.ts): every outcome scenario of
// the runner, replayed as a recipe, gets the verdict `git bisect run` must read from it. Each row states
// both expectations; the test runs the same fake kernel through the runner and through replay().
import test from 'ava';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCases } from '../runner/runner.ts';
import { instantiate } from '../runner/suite.ts';
import { Multiplexer } from '../report/reporter.ts';
import type { CaseStatus, FailureKind, VerdictKind } from '../report/results.ts';
import { makeRecipe } from '../recipe/recipe.ts';
import { replay } from '../recipe/repro.ts';
import { fakeBooter, fakeLab, type FakeSpec } from '../testing/fake-lab.ts';
import { fail, type Op } from '../model/ops.ts';
import type { Capability } from '../abi/capabilities.ts';
import { GiB, R612, devRef, drvRef, hmem, r, regionRef, w } from '../model/testing/fixtures.ts';

const region = hmem({ start: 4n * GiB, size: 1n * GiB });
const read = r(regionRef(region, 'available_size'));
const size = r(regionRef(region, 'size'));
const at = (op: Op) => op === size;
// A zero-length mapping on an unbound device with ranges: EBUSY, with the WARN_ONCE the model predicts.
const zeroLength = w(devRef('dax0.0', 'mapping'), '0x100001000-0x100000fff');
const unbound = hmem({ start: 4n * GiB, size: 1n * GiB, driver: null });
const R73 = '7.3.4+deb13-amd64';

const panic = ['[   12.0] BUG: kernel NULL pointer dereference, address: 0000000000000008', '[   12.1] Oops: 0000 [#1] PREEMPT SMP NOPTI', '[   12.2] RIP: 0010:dax_mapping_release+0x2a/0x40 [device_dax]', '[   12.3] Call Trace:', '[   12.5]  device_release+0x30/0x90', '[   12.7] Kernel panic - not syncing: Fatal exception'];
const hung = (writer: string) =>
  ['[ 62.7] INFO: task daxh-helper:646 blocked for more than 30 seconds.', '[ 62.7] Call Trace:', '[ 62.7]  kernfs_drain+0xd6/0x160', '[ 62.7]  unregister_dev_dax+0x6e/0xd0', '[ 62.7]  delete_store+0x13c/0x170', '[132.1] sysrq: Show Blocked State', '[132.1]  down_write_killable+0x5a/0x80', `[132.1]  ${writer}+0xb6/0x210`].join('\n');
const uaf = ['[   32.8] ==================================================================', '[   32.8] BUG: KASAN: slab-use-after-free in __run_timers+0x8e2/0x990', '[   32.8] Call Trace:', '[   32.8]  <IRQ>', '[   32.8]  run_timer_softirq+0x141/0x240', '[   32.8]  </IRQ>', '[   32.8] Allocated by task 123:', '[   32.8]  __alloc_disk_node+0x54/0x610', '[   32.8] Freed by task 149:', '[   32.8]  bdev_free_inode+0x14f/0x200', '[   32.8] =================================================================='];
const queue = "kobject: 'queue' (ffff88812819a388): kobject_release, parent 0000000000000000 (delayed 2000)";

interface Scenario {
  name: string;
  spec: FakeSpec;
  steps: Op[];
  requires?: Capability[];
  run: { status: CaseStatus; failureKind?: FailureKind; known?: string };
  repro: VerdictKind;
}

const SCENARIOS: Scenario[] = [
  { name: 'every step agrees', spec: { regions: [region] }, steps: [read, size], run: { status: 'passed' }, repro: 'agrees' },
  { name: 'a WARNING the model predicts', spec: { regions: [unbound] }, steps: [zeroLength], run: { status: 'passed' }, repro: 'agrees' },
  { name: 'a wrong result', spec: { regions: [region], hooks: { result: (op) => (at(op) ? fail('EIO') : undefined) } }, steps: [size], run: { status: 'failed', failureKind: 'divergence' }, repro: 'diverges' },
  { name: 'a crash on the console after steps that agreed', spec: { regions: [region], hooks: { console: (op) => (at(op) ? panic.slice(0, 5) : []) } }, steps: [size], run: { status: 'failed', failureKind: 'kernel-crash' }, repro: 'diverges' },
  { name: 'a panic that kills QEMU', spec: { regions: [region], hooks: { die: at, console: (op) => (at(op) ? panic : []) } }, steps: [size], run: { status: 'failed', failureKind: 'kernel-crash' }, repro: 'diverges' },
  { name: 'QEMU dies without a word', spec: { regions: [region], hooks: { die: at } }, steps: [size], run: { status: 'failed', failureKind: 'qemu-exited' }, repro: 'diverges' },
  { name: 'the SSH connection drops', spec: { regions: [region], hooks: { drop: at } }, steps: [size], run: { status: 'failed', failureKind: 'ssh-dropped' }, repro: 'diverges' },
  { name: 'a hang whose stacks are no known bug', spec: { regions: [region], hooks: { hang: at, dmesg: () => hung('some_other_store') } }, steps: [size], run: { status: 'failed', failureKind: 'kernel-crash' }, repro: 'diverges' },
  { name: 'a hang that is the known delete deadlock', spec: { regions: [region], hooks: { hang: at, dmesg: () => hung('align_store') } }, steps: [size], run: { status: 'known', known: 'delete-drains-under-dax-region-rwsem' }, repro: 'agrees' },
  {
    name: "a console report known only through the steps' kernel log",
    spec: { regions: [region], machine: { release: R73 }, hooks: { console: (op) => (at(op) ? uaf : []), kmsg: (op) => (at(op) ? [queue] : []) } },
    steps: [size],
    run: { status: 'known', known: 'gendisk-freed-before-queue-kobject-release' },
    repro: 'agrees',
  },
  { name: 'the same report without what led to it', spec: { regions: [region], machine: { release: R73 }, hooks: { console: (op) => (at(op) ? uaf : []) } }, steps: [size], run: { status: 'failed', failureKind: 'kernel-crash' }, repro: 'diverges' },
  { name: 'a kernel without a capability the steps need', spec: { regions: [region], lacks: ['kmem'] }, steps: [read], requires: ['kmem'], run: { status: 'skipped' }, repro: 'cannot-test' },
];

async function viaRun(s: Scenario) {
  const outDir = await mkdtemp(join(tmpdir(), 'daxh-agreement-'));
  try {
    const release = s.spec.machine?.release ?? R612;
    const def = { name: s.name, needs: s.requires ? { requires: s.requires } : {}, run: async (ctx: { checker: { act(a: Op): Promise<void> } }) => { for (const a of s.steps) await ctx.checker.act(a); } };
    const res = await runCases({ target: { kernel: release, image: 'fake', accel: 'tcg' }, cases: instantiate([{ name: 'agreement', about: '', cases: [def] }], [{ name: 'hmem', regions: [{ provider: 'hmem', kind: 'dynamic' }] }]), boot: fakeBooter(s.spec).boot, reporter: new Multiplexer([]), outDir, jobs: 1, seed: 1 });
    return res.cases[0]!;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

const viaRepro = (s: Scenario) =>
  replay(makeRecipe({ topology: 'hmem', capabilities: s.requires ?? [], steps: s.steps, origin: { suite: 'agreement', case: s.name, kernel: R612, savedAt: 'now' } }), s.spec.machine?.release ?? R612, async () => fakeLab(s.spec, 'hmem-1'), 'hmem');

for (const s of SCENARIOS) {
  test(`run and repro agree: ${s.name}`, async (t) => {
    const ran = await viaRun(s);
    t.like(ran, { status: s.run.status, failureKind: s.run.failureKind }, ran.failure);
    if (s.run.known) t.deepEqual(ran.known?.map((k) => k.id), [s.run.known]);
    const replayed = await viaRepro(s);
    t.is(replayed.kind, s.repro, replayed.kind === 'diverges' ? replayed.report : replayed.kind === 'cannot-test' ? replayed.reason : '');
    if (replayed.kind === 'agrees' && s.run.known) t.deepEqual(replayed.known.map((k) => k.id), [s.run.known]);
    if (replayed.kind === 'diverges') t.is(replayed.report.split('\n')[0], ran.failure!.split('\n')[0], 'repro says first what run says first');
  });
}

test('a hang on a kernel without the hung-task detector (defconfig) is judged by the blocked tasks sysrq w shows', async (t) => {
  // The real dump of a defconfig 6.12 tree (no DETECT_HUNG_TASK): the shrink racing a read of mapping0/start.
  const dump = ['[  148.089795] sysrq: Show Blocked State', '[  148.092359] task:daxh-helper     state:D stack:14656 pid:790   tgid:790   ppid:788    flags:0x00004002', '[  148.094242] Call Trace:', '[  148.095788]  kernfs_drain+0xd1/0x150', '[  148.096282]  device_del+0x156/0x4a0', '[  148.096322]  devm_release_action+0xc3/0xe0', '[  148.096337]  size_store+0x212/0x680 [dax]', '[  148.097025] task:daxh-helper     state:D stack:14656 pid:791   tgid:791   ppid:788    flags:0x00000002', '[  148.097139]  down_write_killable+0x55/0x80', '[  148.097148]  start_show+0x1e/0x80 [dax]'].join('\n');
  const s: Scenario = { name: 'a defconfig hang', spec: { regions: [region], hooks: { hang: at, dmesg: () => dump } }, steps: [size], run: { status: 'known', known: 'shrink-drains-mapping-under-region-lock' }, repro: 'agrees' };
  const ran = await viaRun(s);
  t.is(ran.status, 'known', ran.failure);
  t.deepEqual(ran.known?.map((k) => k.id), ['shrink-drains-mapping-under-region-lock']);
  t.is((await viaRepro(s)).kind, 'agrees');
});

test('a console report whose line the console prefixed with an echoed prompt is tied to the step whose log has it', async (t) => {
  // 7.3.4, regressions/a device node held open across unbind and rebind: the splat came at the unbind, and the
  // console line began with the guest shell's "~ # "; the case's last step was a remove_id.
  const unbind = w(drvRef('device_dax', 'unbind'), 'dax0.0');
  const removeId = w(drvRef('device_dax', 'remove_id'), 'dax0.0');
  const splat = ['refcount_t: underflow; use-after-free.', 'WARNING: lib/refcount.c:28 at refcount_warn_saturate+0x59/0x90, CPU#1: daxh-helper/190', 'Call Trace:', ' <TASK>', ' devres_release_all+0x8c/0xc0', ' unbind_store+0xa1/0xb0', ' </TASK>'];
  const s: Scenario = {
    name: 'a prompt before the timestamp',
    spec: { regions: [region], machine: { release: R73 }, hooks: { log: (op) => (op === unbind ? splat : []), console: (op) => (op === unbind ? [`~ # [    5.812484] ${splat[0]}`, ...splat.slice(1).map((l) => `[    5.8125] ${l}`)] : []) } },
    steps: [unbind, removeId],
    run: { status: 'known', known: 'dev-dax-probe-wipes-open-cdev' },
    repro: 'agrees',
  };
  const ran = await viaRun(s);
  t.is(ran.status, 'known', ran.failure);
  t.is((await viaRepro(s)).kind, 'agrees');
});
