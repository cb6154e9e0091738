// The guest lab itself: real QEMU, real kernel, real SSH, and nothing left behind on any path.
import test from 'ava';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { Guest } from '../harness/guest/guest.ts';
import { loneGuestVcpus } from '../harness/lab/host-share.ts';
import { plainMachine } from '../qemu/plan.ts';
import { kernel } from './fixture.ts';
import { daxhTemps, listeningPorts, ourQemus } from './leftovers.ts';

const DAXH = ['bin/daxh.js'];

const guestDirs = async () => (await daxhTemps()).filter((d) => d.startsWith('daxh-guest-'));

test.serial('boots the default kernel, reads /sys/bus/dax over SSH, and leaves nothing behind', async (t) => {
  const p = await kernel();
  const before = await guestDirs();
  const g = await Guest.boot({ name: 'lab-test', kernel: p.kernel, image: p.image, accel: p.accel, setup: () => plainMachine(loneGuestVcpus()) });
  const port = g.port;
  t.true((await listeningPorts()).includes(port), 'the SSH forward listens on loopback while the guest runs');
  const r = await g.exec('ls /sys/bus/dax; uname -r');
  t.is(r.code, 0);
  t.regex(r.stdout, /^drivers_probe$/m);
  t.is(r.stdout.trim().split('\n').at(-1), p.kernel.release);
  const f = await g.exec('false');
  t.is(f.code, 1);
  await g.stop();
  t.throws(() => process.kill(g.pid, 0), { code: 'ESRCH' }, 'QEMU is gone');
  t.false((await listeningPorts()).includes(port), 'its port is closed');
  t.deepEqual(await guestDirs(), before, 'its work dir is gone');
});

test.serial('daxh exec prints the release and passes the exit status through', async (t) => {
  const p = await kernel();
  const ok = await execa('node', [...DAXH, 'exec', '--', 'uname', '-r'], { reject: false });
  t.is(ok.exitCode, 0, ok.stderr);
  t.is(ok.stdout.trim(), p.kernel.release);
  const no = await execa('node', [...DAXH, 'exec', '--', 'false'], { reject: false });
  t.is(no.exitCode, 1);
  t.deepEqual(await ourQemus(), []);
});

test.serial('bad input is one line on stderr and exit 2, before anything starts', async (t) => {
  const bad = join(tmpdir(), `daxh-bad-topology-${process.pid}.yaml`);
  t.teardown(() => rm(bad, { force: true }));
  await writeFile(bad, 'name: bad\ndescription: a CXL device of a size QEMU rejects\nram: 2G\ncxl:\n  hostBridges: [{id: hb0, busNr: 12, rootPorts: 1}]\n  devices: [{id: v0, type: volatile, hostBridge: hb0, rootPort: 0, size: 300M}]\n  windows: [{id: w0, size: 4G, targets: [hb0]}]\n  regions: []\n');
  for (const args of [['exec', '--frobnicate', '--', 'true'], ['run', '--shard', '3/2'], ['exec', '--debian-kernel', '5.4', '--', 'true'], ['exec', '--topology', bad, '--', 'true'], ['exec', '--topology', 'no-such-topology', '--', 'true'], ['nonsense']]) {
    const r = await execa('node', [...DAXH, ...args], { reject: false });
    t.is(r.exitCode, 2, args.join(' '));
    t.is(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, /^daxh: /);
  }
  const r = await execa('node', [...DAXH, 'exec', '--topology', bad, '--', 'true'], { reject: false });
  t.regex(r.stderr, /cxl\.devices\[0\]\.size/);
  t.deepEqual(await ourQemus(), []);
});

test.serial('Ctrl-C during boot leaves no QEMU process, temp dir or open port', async (t) => {
  await kernel();
  const before = { dirs: await guestDirs(), ports: await listeningPorts() };
  const proc = execa('node', [...DAXH, 'exec', '--topology', 'hmem', '--', 'sleep', '60'], { reject: false });
  // Interrupt once QEMU is up but before the guest is ready.
  for (let i = 0; i < 200 && (await ourQemus()).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.true((await ourQemus()).length > 0, 'QEMU started');
  proc.kill('SIGINT');
  const r = await proc;
  t.is(r.exitCode, 130);
  t.deepEqual(await ourQemus(), []);
  t.deepEqual(await guestDirs(), before.dirs);
  const leaked = [...(await listeningPorts())].filter((port) => !before.ports.includes(port));
  t.deepEqual(leaked, []);
});

test.serial('a reader that stops early (daxh exec … | head) ends the guest quietly and leaves nothing behind', async (t) => {
  await kernel();
  const before = { dirs: await guestDirs(), ports: await listeningPorts() };
  const r = await execa('sh', ['-c', `node ${DAXH.join(' ')} exec -- 'seq 1 200000' | head -n 2`], { reject: false });
  t.is(r.stdout, '1\n2');
  t.notRegex(r.stderr, /EPIPE|Error/);
  t.deepEqual(await ourQemus(), []);
  t.deepEqual(await guestDirs(), before.dirs);
  t.deepEqual([...(await listeningPorts())].filter((port) => !before.ports.includes(port)), []);
});

test.serial('daxh exec --debian-kernel 6.1 boots Debian 6.1', async (t) => {
  const p = await kernel('6.1');
  const r = await execa('node', [...DAXH, 'exec', '--debian-kernel', '6.1', '--', 'uname', '-r'], { reject: false });
  t.is(r.exitCode, 0, r.stderr);
  t.is(r.stdout.trim(), p.kernel.release);
  t.regex(r.stdout, /^6\.1\./);
});
