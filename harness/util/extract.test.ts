// A guest's archive is untrusted. These archives are crafted with GNU tar itself (as root, which the tests
// run as), in the gnu, pax and ustar formats, and hold what a hostile guest could send.
import test from 'ava';
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import { extractUntrustedTar } from './extract.ts';
import { parseTar, TarError } from './tar.ts';

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    out.push(p);
    if (e.isDirectory()) out.push(...(await walk(p)));
  }
  return out;
}

async function crafted(t: { teardown(fn: () => Promise<void>): void }, format: string) {
  const root = await mkdtemp(join(tmpdir(), 'daxh-tar-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const stage = join(root, 'stage');
  const victim = join(root, 'victim');
  await mkdir(join(stage, 'deep'), { recursive: true });
  await mkdir(victim);
  await writeFile(join(root, 'outside'), 'outside\n');
  await writeFile(join(root, 'absolute'), 'absolute\n');
  await writeFile(join(stage, 'suid'), '#!/bin/sh\n');
  await chmod(join(stage, 'suid'), 0o4755);
  await symlink(victim, join(stage, 'escape'));
  await symlink('/etc/passwd', join(stage, 'passwd'));
  await execa('mknod', [join(stage, 'null'), 'c', '1', '3']);
  await execa('mkfifo', [join(stage, 'fifo')]);
  const long = `deep/${'d'.repeat(90)}/${'f'.repeat(90)}.gcda`;
  await mkdir(join(stage, long, '..'), { recursive: true });
  await writeFile(join(stage, long), 'counters');
  const tar = join(root, 'x.tar');
  await execa('tar', ['--format', format, '-C', stage, '-cPf', tar, 'suid', 'escape', 'passwd', 'null', 'fifo', long, '../outside', join(root, 'absolute')]);
  // The classic escape: a symlink first, then a file "through" it, from a second tree where it is a directory.
  const stage2 = join(root, 'stage2');
  await mkdir(join(stage2, 'escape'), { recursive: true });
  await writeFile(join(stage2, 'escape', 'pwned'), 'pwned\n');
  await execa('tar', ['--format', format, '-C', stage2, '-rPf', tar, 'escape/pwned']);
  return { root, victim, tar: await readFile(tar), long };
}

for (const format of ['gnu', 'pax', 'ustar']) {
  test(`a crafted ${format} archive extracts to 0600 regular files in a new 0700 dir, and nothing else`, async (t) => {
    const c = await crafted(t, format);
    const out = join(c.root, 'run', 'coverage', 'raw');
    const { dir, files, refused } = await extractUntrustedTar(c.tar, out, '1-');
    t.true(dir.startsWith(`${out}/1-`));
    t.is((await lstat(dir)).mode & 0o7777, 0o700);
    const rel = files.map((f) => relative(dir, f)).sort();
    t.deepEqual(rel, [join(c.root, 'absolute').slice(1), 'escape/pwned', c.long, 'suid'].sort(), 'an absolute name lands inside, as tar itself strips the leading /');
    for (const p of await walk(dir)) {
      const st = await lstat(p);
      t.true(st.isFile() || st.isDirectory(), `${p} is a regular file or a directory`);
      t.is(st.mode & 0o7777, st.isFile() ? 0o600 : 0o700, `${p}: no setuid, no archive mode`);
      t.is(st.uid, process.getuid!());
    }
    t.deepEqual(await readdir(c.victim), [], 'nothing went through the symlink');
    t.is(await readFile(join(c.root, 'outside'), 'utf8'), 'outside\n');
    for (const why of ['escape: a symlink', 'passwd: a symlink', 'null: a character device', 'fifo: a FIFO', '"../outside": a .. component']) t.true(refused.some((r) => r === why), `${why} in ${refused.join(' | ')}`);
  });
}

test('a truncated, corrupt or oversized archive is an error, not a partial extraction', (t) => {
  const one = Buffer.alloc(1024);
  one.write('a', 0);
  one.write('0000644\0', 100);
  one.write('00000002000\0', 124); // 1024 bytes of data, of which 512 are there
  one.write('0', 156);
  let sum = 0;
  one.write('        ', 148);
  for (let i = 0; i < 512; i++) sum += one[i]!;
  one.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  t.throws(() => parseTar(one), { instanceOf: TarError, message: /past the end/ });
  t.throws(() => parseTar(one, { maxEntries: 10, maxFileBytes: 100, maxTotalBytes: 1000 }), { instanceOf: TarError });
  const bad = Buffer.from(one);
  bad[0] = 0x62;
  t.throws(() => parseTar(bad), { instanceOf: TarError, message: /bad checksum/ });
  t.deepEqual(parseTar(Buffer.alloc(1024)), { files: [], refused: [] }, 'an empty archive holds nothing');
});
