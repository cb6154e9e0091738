import test from 'ava';
import { execa } from 'execa';
import { S_IFDIR, S_IFREG, newcArchive, readNewc } from './cpio.ts';

const entries = [
  { name: 'root', mode: S_IFDIR | 0o700 },
  { name: 'root/.ssh', mode: S_IFDIR | 0o700 },
  { name: 'root/.ssh/authorized_keys', mode: S_IFREG | 0o600, data: Buffer.from('ssh-ed25519 AAAA test\n') },
];

test('round-trips names, modes and data, padded to 512 bytes', (t) => {
  const archive = newcArchive(entries);
  t.is(archive.length % 512, 0);
  const back = readNewc(archive);
  t.deepEqual(back.map((e) => [e.name, e.mode]), entries.map((e) => [e.name, e.mode]));
  t.is(back[2]!.data!.toString(), 'ssh-ed25519 AAAA test\n');
});

test('GNU cpio lists the archive the same way (the kernel reads the same format)', async (t) => {
  const { stdout } = await execa('cpio', ['-it', '--quiet'], { input: newcArchive(entries) });
  t.deepEqual(stdout.split('\n'), entries.map((e) => e.name));
});
