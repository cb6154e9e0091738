// The real helper, built the way images build it, run against plain files: the helper takes absolute paths,
// so sysfs itself cannot be faked here, but the byte-exact write/read/readlink paths and the JSON can.
import { constants } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { execa } from 'execa';
import { type WireRequest, type WireResult, decodeBatch, encodeBatch } from '../../harness/driver/wire.ts';
import { buildHelper } from '../guest-helper.ts';

// Built once per run; without gcc every test fails with buildHelper's explanation instead of being skipped.
let built: Promise<string> | undefined;
const helper = () => (built ??= buildHelper());

async function exec(args: string[], input?: string) {
  const r = await execa(await helper(), args, { input: input ?? '', encoding: 'buffer', reject: false, stripFinalNewline: false });
  const stdout = Buffer.from(r.stdout);
  return { code: r.exitCode, stdout, stderr: Buffer.from(r.stderr).toString() };
}

async function run(requests: WireRequest[]): Promise<WireResult[]> {
  const r = await exec([], encodeBatch(requests));
  if (r.code !== 0) throw new Error(`helper exited ${r.code}: ${r.stderr}`);
  // Pure ASCII on the wire: every odd byte is escaped, so no transport can re-encode it.
  if (!r.stdout.every((b) => b >= 0x20 && b < 0x7f || b === 0x0a)) throw new Error('helper output is not printable ASCII');
  return decodeBatch(r.stdout.toString('latin1'), requests);
}

async function scratch(t: ExecutionContext, files: Record<string, string | Buffer> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'daxh-helper-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const [name, data] of Object.entries(files)) await writeFile(join(dir, name), data);
  return dir;
}

test('W: one write(2) of the exact bytes at offset 0, without O_CREAT or O_TRUNC', async (t) => {
  const dir = await scratch(t, { attr: 'xyz', other: 'keep' });
  const results = await run([
    { kind: 'write', path: join(dir, 'attr'), value: 'ab' },
    { kind: 'write', path: join(dir, 'other'), value: '' },
    { kind: 'write', path: join(dir, 'missing'), value: '1' },
    { kind: 'write', path: dir, value: '1' },
  ]);
  t.deepEqual(results, [
    { kind: 'write', ok: true },
    { kind: 'write', ok: true },
    { kind: 'write', ok: false, errno: 'ENOENT' },
    { kind: 'write', ok: false, errno: 'EISDIR' },
  ]);
  t.is(await readFile(join(dir, 'attr'), 'latin1'), 'abz');
  t.is(await readFile(join(dir, 'other'), 'latin1'), 'keep');
  await t.throwsAsync(readFile(join(dir, 'missing')), { code: 'ENOENT' });
});

test('W: newline, tab, NUL and non-ASCII reach the file unchanged', async (t) => {
  const dir = await scratch(t, { attr: '' });
  await run([{ kind: 'write', path: join(dir, 'attr'), value: 'a\n\t\0é' }]);
  t.deepEqual(await readFile(join(dir, 'attr')), Buffer.from([0x61, 0x0a, 0x09, 0x00, 0xc3, 0xa9]));
});

test('R: every byte value survives the JSON escaping', async (t) => {
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const big = Buffer.alloc(100_000, 'x'); // more than one read(2)
  const dir = await scratch(t, { all, empty: '', big, size: '4294967296\n' });
  const results = await run(['all', 'empty', 'big', 'size', 'missing', '.'].map((f) => ({ kind: 'read', path: join(dir, f) })));
  t.deepEqual(results, [
    { kind: 'read', ok: true, value: all.toString('latin1') },
    { kind: 'read', ok: true, value: '' },
    { kind: 'read', ok: true, value: big.toString('latin1') },
    { kind: 'read', ok: true, value: '4294967296\n' },
    { kind: 'read', ok: false, errno: 'ENOENT' },
    { kind: 'read', ok: false, errno: 'EISDIR' },
  ]);
});

test('L: basename of the link target, errno otherwise', async (t) => {
  const dir = await scratch(t, { plain: '' });
  await mkdir(join(dir, 'dax0.0'));
  await symlink('../../../../bus/dax/drivers/kmem', join(dir, 'dax0.0', 'driver'));
  const results = await run(['dax0.0/driver', 'plain', 'nothing'].map((f) => ({ kind: 'link', path: join(dir, f) })));
  t.deepEqual(results, [
    { kind: 'link', ok: true, value: 'kmem' },
    { kind: 'link', ok: false, errno: 'EINVAL' },
    { kind: 'link', ok: false, errno: 'ENOENT' },
  ]);
});

test('T: a write still blocked after its patience is interrupted and answers EINTR; one that returns is untouched', async (t) => {
  const dir = await scratch(t, { attr: '' });
  const fifo = join(dir, 'fifo');
  await execa('mkfifo', [fifo]);
  // A reader that never reads: the first write fills the pipe (64 KiB), the next one blocks in write(2).
  const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => reader.close());
  const started = Date.now();
  const results = await run([
    { kind: 'write', path: join(dir, 'attr'), value: 'x', patienceMs: 200 },
    { kind: 'write', path: fifo, value: 'y'.repeat(65536) },
    { kind: 'write', path: fifo, value: 'z', patienceMs: 200 },
  ]);
  t.deepEqual(results, [
    { kind: 'write', ok: true },
    { kind: 'write', ok: true },
    { kind: 'write', ok: false, errno: 'EINTR' },
  ]);
  t.true(Date.now() - started < 10_000, 'the blocked write was not interrupted');
});

test('a malformed batch runs nothing: exit 2, the line and reason on stderr, no stdout', async (t) => {
  const dir = await scratch(t, { attr: 'old' });
  const input = `${encodeBatch([{ kind: 'write', path: join(dir, 'attr'), value: 'new' }])}W\t${join(dir, 'attr')}\t6\n`;
  const r = await exec([], input);
  t.is(r.code, 2);
  t.is(r.stderr, 'daxh-helper: malformed batch, line 2: odd number of hex digits\n');
  t.is(r.stdout.length, 0);
  t.is(await readFile(join(dir, 'attr'), 'latin1'), 'old');
  for (const bad of ['X\n', 'O\textra\n', 'R\t\n', 'K\t-2\n', 'K\tx\n', 'W\t/p\tzz\n', '\n', 'R\t/a\0b\n', 'F\t/p\t30\n', 'F\t/p\t30\t0\n', 'F\t/p\t30\tx\n', 'F\t/p\tzz\t1\n', 'P\t2\nF\t/p\t30\t1\nR\t/p\n', 'M\t/p\n', 'M\t/p\t0\n', 'M\t/p\tx\n', 'T\t/p\t30\n', 'T\t/p\t30\t0\n', 'T\t/p\t30\t3600001\n']) {
    t.is((await exec([], bad)).code, 2, JSON.stringify(bad));
  }
});

test('P: requests run together really overlap, and answer in request order', async (t) => {
  const dir = await scratch(t);
  const fifo = join(dir, 'fifo');
  await execa('mkfifo', [fifo]);
  // Opening a FIFO blocks until the other end opens: run one after the other, this batch would never end.
  const results = await run([
    { kind: 'together', count: 3 },
    { kind: 'write', path: fifo, value: 'raced' },
    { kind: 'write', path: join(dir, 'missing'), value: '1' },
    { kind: 'read', path: fifo },
    { kind: 'read', path: join(dir, 'missing') },
  ]);
  t.deepEqual(results, [
    { kind: 'together', count: 3 },
    { kind: 'write', ok: true },
    { kind: 'write', ok: false, errno: 'ENOENT' },
    { kind: 'read', ok: true, value: 'raced' },
    { kind: 'read', ok: false, errno: 'ENOENT' },
  ]);
});

test('P: a group must be 2 to 16 writes and reads that are all there', async (t) => {
  for (const bad of ['P\t1\nR\t/a\n', 'P\t17\n', 'P\t2\nR\t/a\n', 'P\t2\nR\t/a\nK\t-1\n', 'P\t2\nR\t/a\nL\t/b\n', 'P\tx\n']) {
    const r = await exec([], bad);
    t.is(r.code, 2, JSON.stringify(bad));
    t.is(r.stdout.length, 0, JSON.stringify(bad));
  }
  t.throws(() => encodeBatch([{ kind: 'together', count: 17 }]), { message: /2 to 16/ });
});

test('an empty batch answers an empty result list', async (t) => {
  t.deepEqual(await run([]), []);
});

test('human mode: write PATH VALUE and read PATH print the batch JSON', async (t) => {
  const dir = await scratch(t, { attr: '' });
  const w = await exec(['write', join(dir, 'attr'), 'dax0.1']);
  t.deepEqual(decodeBatch(w.stdout.toString(), [{ kind: 'write', path: '', value: '' }]), [{ kind: 'write', ok: true }]);
  const r = await exec(['read', join(dir, 'attr')]);
  t.deepEqual(decodeBatch(r.stdout.toString(), [{ kind: 'read', path: '' }]), [{ kind: 'read', ok: true, value: 'dax0.1' }]);
  const usage = await exec(['frobnicate']);
  t.is(usage.code, 2);
  t.regex(usage.stderr, /usage: daxh-helper/);
});

test('O: the observation of this machine matches the host-side schema', async (t) => {
  const [observed] = await run([{ kind: 'observe' }]);
  if (observed?.kind !== 'observe') return t.fail('no observation');
  t.true(Array.isArray(observed.raw.regions));
  t.is(typeof observed.raw.iomem, 'string');
});

test('K: records newer than the given sequence number, or the open error', async (t) => {
  const readable = await open('/dev/kmsg', 'r').then(
    async (fh) => (await fh.close(), true),
    () => false,
  );
  if (!readable) {
    await t.throwsAsync(run([{ kind: 'kmsg', after: -1 }]), { message: /reading \/dev\/kmsg failed with/ });
    return;
  }
  const [all] = await run([{ kind: 'kmsg', after: -1 }]);
  if (all?.kind !== 'kmsg') return t.fail('no kmsg result');
  t.true(all.records.every((r, i) => r.seq > (all.records[i - 1]?.seq ?? -1)));
  t.is(all.last, all.records.at(-1)?.seq ?? -1);
  const middle = all.records[Math.floor(all.records.length / 2)]?.seq ?? -1;
  const [later] = await run([{ kind: 'kmsg', after: middle }]);
  if (later?.kind !== 'kmsg') return t.fail('no kmsg result');
  t.true(later.records.every((r) => r.seq > middle));
  t.true(later.last >= all.last);
});

test('M: maps shared and writes the first and last byte; a touch past the file end is SIGBUS, answered EFAULT', async (t) => {
  const dir = await scratch(t, { file: Buffer.alloc(8192) });
  const path = join(dir, 'file');
  const [mapped, past, missing] = await run([
    { kind: 'mmap', path, length: 8192n },
    { kind: 'mmap', path, length: 3n * 8192n },
    { kind: 'mmap', path: join(dir, 'none'), length: 4096n },
  ]);
  t.deepEqual(mapped, { kind: 'mmap', ok: true });
  t.deepEqual(past, { kind: 'mmap', ok: false, errno: 'EFAULT' });
  t.deepEqual(missing, { kind: 'mmap', ok: false, errno: 'ENOENT' });
  const bytes = await readFile(path);
  t.deepEqual([bytes[0], bytes[8191], bytes.length], [0xa5, 0x5a, 8192]);
});
