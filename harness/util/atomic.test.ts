// A report path is replaced by a rename; these hold the rule that nothing but a regular file is ever
// replaced, on a private device node and symlink (mknod needs root, which the tests run as).
import test from 'ava';
import { lstat, mkdtemp, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { atomicWriteFile, atomicWriteFileSync } from './atomic.ts';
import { checkOutputPath } from '../report/files.ts';

async function specials(t: { teardown(fn: () => Promise<void>): void }) {
  const dir = await mkdtemp(join(tmpdir(), 'daxh-atomic-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const nul = join(dir, 'null');
  await execa('mknod', ['-m', '666', nul, 'c', '1', '3']);
  const link = join(dir, 'stdout');
  await symlink('/proc/self/fd/1', link);
  const target = join(dir, 'target');
  await writeFile(target, 'kept\n');
  const fileLink = join(dir, 'to-file');
  await symlink(target, fileLink);
  const fifo = join(dir, 'fifo');
  await execa('mkfifo', [fifo]);
  return { dir, nul, link, fileLink, target, fifo };
}

test('an atomic write replaces a regular file or makes one, and refuses a device, a symlink and a FIFO', async (t) => {
  const s = await specials(t);
  const file = join(s.dir, 'report.json');
  await atomicWriteFile(file, 'one');
  await atomicWriteFile(file, 'two');
  t.is(await readFile(file, 'utf8'), 'two');
  for (const p of [s.nul, s.link, s.fileLink, s.fifo]) {
    await t.throwsAsync(atomicWriteFile(p, 'x'), { message: /is a (character device|symlink|FIFO); only a regular file/ }, p);
    t.throws(() => atomicWriteFileSync(p, 'x'), { message: /only a regular file/ }, p);
  }
  t.true((await lstat(s.nul)).isCharacterDevice());
  t.is(await readlink(s.link), '/proc/self/fd/1');
  t.is(await readlink(s.fileLink), s.target);
  t.is(await readFile(s.target, 'utf8'), 'kept\n', 'the file behind the link is untouched too');
});

test('a report path is refused when it is a device, a symlink, a FIFO, or under a pseudo filesystem', async (t) => {
  const s = await specials(t);
  for (const [p, kind] of [[s.nul, 'a character device'], [s.link, 'a symlink'], [s.fileLink, 'a symlink'], [s.fifo, 'a FIFO']] as const) {
    t.throws(() => checkOutputPath('--json', p, 'file'), { message: `--json ${p}: is ${kind}; a report replaces its file whole, so give the path of a regular file` });
  }
  t.throws(() => checkOutputPath('--json', '/proc/self/new.json', 'file'), { message: /under \/proc, a pseudo filesystem/ });
  t.throws(() => checkOutputPath('--out', '/sys/kernel/daxh-out', 'dir'), { message: /under \/sys, a pseudo filesystem/ });
  t.throws(() => checkOutputPath('--out', '/dev/daxh-out', 'dir'), { message: /under \/dev, a pseudo filesystem/ });
  t.throws(() => checkOutputPath('--out', s.nul, 'dir'), { message: /is a character device, not a directory/ });
  t.notThrows(() => checkOutputPath('--json', join(s.dir, 'new', 'results.json'), 'file'));
  t.notThrows(() => checkOutputPath('--json', s.target, 'file'));
  const dirLink = join(s.dir, 'outlink');
  await symlink(s.dir, dirLink);
  t.notThrows(() => checkOutputPath('--out', dirLink, 'dir'), 'an out dir may be a link to a directory');
});
