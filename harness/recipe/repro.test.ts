// `daxh repro` judges as `daxh run` does, so its exit code tells `git bisect` the truth: a WARNING the model
// predicts is agreement (exit 0), a crash or a wrong result is a divergence (exit 1), and a recipe that
// names devices the topology does not have is bad input, not "agrees".
import test from 'ava';
import { makeRecipe } from './recipe.ts';
import { RecipeMismatchError, replay } from './repro.ts';
import { fakeLab, type FakeSpec } from '../testing/fake-lab.ts';
import { fail, type Op } from '../model/ops.ts';
import { GiB, R612, devRef, hmem, regionRef, r, w } from '../model/testing/fixtures.ts';

const region = hmem({ start: 4n * GiB, size: 1n * GiB });
const recipe = (steps: Op[]) => makeRecipe({ topology: 'hmem', capabilities: [], steps, origin: { suite: 't', case: 't', kernel: R612, savedAt: 'now' } });
const replayOn = (spec: FakeSpec, steps: Op[]) => replay(recipe(steps), R612, async () => fakeLab(spec), 'hmem');

// A zero-length mapping on a device that has ranges: EBUSY, with the WARN_ONCE the model predicts.
const zeroLength = w(devRef('dax0.0', 'mapping'), '0x100001000-0x100000fff');

test('a WARNING the model predicts replays as agreement', async (t) => {
  t.is((await replayOn({ regions: [region] }, [zeroLength])).kind, 'agrees');
});

test('a crash on the console is a divergence even where every step agreed', async (t) => {
  const read = r(regionRef(region, 'available_size'));
  const out = await replayOn({ regions: [region], hooks: { console: (op) => (op === read ? ['[ 9.0] BUG: unable to handle page fault for address: ffffc90000000000', '[ 9.1] Oops: 0002 [#1]'] : []) } }, [read]);
  t.is(out.kind, 'diverges');
  if (out.kind === 'diverges') t.regex(out.report, /^guest kernel bug: .*unable to handle page fault/);
});

test('a wrong result is a divergence', async (t) => {
  const out = await replayOn({ regions: [region], hooks: { result: (op) => (op === zeroLength ? fail('EINVAL') : undefined) } }, [zeroLength]);
  t.is(out.kind, 'diverges');
});

test('a recipe naming a device the topology never has is refused, not replayed as agreement', async (t) => {
  await t.throwsAsync(replayOn({ regions: [region] }, [w(devRef('dax99.7', 'size'), '0')]), { instanceOf: RecipeMismatchError, message: /recipe names dax99\.7, which topology hmem does not have \(it has dax0\.0\)/ });
  // A device a create step makes is fine.
  t.is((await replayOn({ regions: [region] }, [w(regionRef(region, 'create'), '1'), r(devRef('dax0.1', 'size'))])).kind, 'agrees');
});

test('a kernel lacking a capability the recipe needs cannot test it (125 for bisect)', async (t) => {
  const out = await replay(makeRecipe({ topology: 'hmem', capabilities: ['kmem'], steps: [zeroLength], origin: { suite: 't', case: 't', kernel: R612, savedAt: 'now' } }), R612, async () => fakeLab({ regions: [region], lacks: ['kmem'] }), 'hmem');
  t.deepEqual(out, { kind: 'cannot-test', reason: 'the fake kernel lacks kmem' });
});

test('a hang judges as run does: the known deadlock agrees (--strict makes it a divergence), any other hung task diverges', async (t) => {
  const read = r(regionRef(region, 'available_size'));
  const report = (writer: string) =>
    ['[ 62.7] INFO: task daxh-helper:646 blocked for more than 30 seconds.', '[ 62.7] Call Trace:', '[ 62.7]  kernfs_drain+0xd6/0x160', '[ 62.7]  unregister_dev_dax+0x6e/0xd0', '[ 62.7]  delete_store+0x13c/0x170', '[132.1] sysrq: Show Blocked State', '[132.1]  down_write_killable+0x5a/0x80', `[132.1]  ${writer}+0xb6/0x210`].join('\n');
  const known = await replayOn({ regions: [region], hooks: { hang: (op) => op === read, dmesg: () => report('align_store') } }, [read]);
  t.is(known.kind, 'agrees');
  if (known.kind === 'agrees') t.is(known.known[0]?.id, 'delete-drains-under-dax-region-rwsem');
  const other = await replayOn({ regions: [region], hooks: { hang: (op) => op === read, dmesg: () => report('some_other_store') } }, [read]);
  t.is(other.kind, 'diverges');
  if (other.kind === 'diverges') t.regex(other.report, /^guest kernel hung-task: .*blocked for more than 30 seconds/);
});
