import test from 'ava';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { DiskShelf, entriesToPrune, machineKey, type MachineIdentity, type ShelfEntry } from './saved-machines.ts';

const id: MachineIdentity = { imageKey: 'a'.repeat(64), qemu: 'sha QEMU emulator version 10.0.2', args: ['-m', '4G', '-smp', '2'], provisioning: [{ name: 'kmem', command: 'true' }], probes: ['cat /proc/modules'] };

test('a saved machine is keyed by every part of what makes it', (t) => {
  const key = machineKey(id);
  t.is(machineKey({ ...id, args: [...id.args] }), key, 'equal identities, equal keys');
  const changed: MachineIdentity[] = [
    { ...id, imageKey: 'b'.repeat(64) },
    { ...id, qemu: 'sha QEMU emulator version 10.0.3' },
    { ...id, args: ['-m', '4G', '-smp', '1'] },
    { ...id, provisioning: [{ name: 'kmem', command: 'false' }] },
    { ...id, probes: ['cat /proc/modules; cat /proc/zoneinfo'] },
  ];
  for (const c of changed) t.not(machineKey(c), key, JSON.stringify(c));
  t.regex(key, /^[0-9a-f]{32}$/);
});

const GiB = 1n << 30n;
const now = new Date('2026-12-08T12:00:00Z');
const entry = (name: string, gib: bigint, daysAgo: number, whole = true, resumed = false): ShelfEntry => ({ name, bytes: gib * GiB, lastUsed: new Date(now.getTime() - daysAgo * 86400_000), resumed, ...(whole ? { topology: 'hmem', kernel: 'k' } : {}) });

test('pruning drops the stale, then the least recently used until the rest fits', (t) => {
  const bounds = { maxBytes: 2n * GiB, maxAgeMs: 14 * 86400_000 };
  const entries = [entry('old', 1n, 20), entry('a', 1n, 5), entry('b', 1n, 1), entry('c', 2n, 0)];
  t.deepEqual(entriesToPrune(entries, bounds, now), ['old', 'a', 'b'], 'old goes for its age; then a and b, least recently used first, until c alone fits in 2 GiB');
  t.deepEqual(entriesToPrune(entries, { ...bounds, maxBytes: 3n * GiB }, now), ['old', 'a'], 'in 3 GiB b and c fit');
  t.deepEqual(entriesToPrune(entries.slice(1), { ...bounds, maxBytes: 4n * GiB }, now), [], 'everything fits');
  t.deepEqual(entriesToPrune([entry('x', 1n, 0)], { maxBytes: 0n, maxAgeMs: 0 }, now), ['x'], 'zero bounds clear the shelf');
});

test('a writer\'s temp dir is kept for an hour, then pruned as abandoned', (t) => {
  const bounds = { maxBytes: 8n * GiB, maxAgeMs: 14 * 86400_000 };
  const fresh = { ...entry('k.tmp-1-x', 0n, 0, false), lastUsed: new Date(now.getTime() - 60_000) };
  const stale = { ...entry('k.tmp-2-y', 0n, 0, false), lastUsed: new Date(now.getTime() - 2 * 3600_000) };
  t.deepEqual(entriesToPrune([fresh, stale], bounds, now), ['k.tmp-2-y']);
});

test('the size bound drops machines nothing came back to before those a later run resumed', (t) => {
  const bounds = { maxBytes: 2n * GiB, maxAgeMs: 14 * 86400_000 };
  const entries = [entry('debian-hmem', 1n, 3, true, true), entry('bisect-step-1', 1n, 1), entry('bisect-step-2', 1n, 0), entry('debian-pmem', 1n, 2, true, true)];
  t.deepEqual(entriesToPrune(entries, bounds, now), ['bisect-step-1', 'bisect-step-2'], 'the resumed machines stay although they were used longer ago');
});

test('a FIFO where an entry keeps its metadata or its drive is no saved machine, and reading the shelf does not hang on it', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'daxh-shelf-fifo-'));
  try {
    await mkdir(join(root, 'meta-fifo'));
    await execa('mkfifo', [join(root, 'meta-fifo', 'machine.json')]);
    await mkdir(join(root, 'drive-fifo'));
    await writeFile(join(root, 'drive-fifo', 'machine.json'), JSON.stringify({ format: 'saved-machine-v2', topology: 'hmem', kernel: 'k' }));
    await execa('mkfifo', [join(root, 'drive-fifo', 'vmstate.qcow2')]);
    const shelf = new DiskShelf(root);
    t.is(await shelf.find('meta-fifo'), null);
    t.is(await shelf.find('drive-fifo'), null);
    t.deepEqual((await shelf.list()).map((e) => [e.name, e.topology]).sort(), [['drive-fifo', 'hmem'], ['meta-fifo', undefined]]);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
