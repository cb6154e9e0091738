// Whether KVM really runs a kernel here. /dev/kvm existing proves nothing (on this kind of host it is a
// nested PVM device that cannot run a stock kernel), so boot the kernel under test with no root file
// system and see whether it gets as far as looking for one. The verdict is cached per host and QEMU.
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname, release } from 'node:os';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { cachePath, hashOf } from '../../images/cache.ts';
import type { Accel } from '../../qemu/base-args.ts';

const PROBE_TIMEOUT_MS = 20_000;

const kvmDeviceOpens = () => access('/dev/kvm', constants.R_OK | constants.W_OK).then(() => true, () => false);

async function qemuVersion(qemu: string): Promise<string | null> {
  const r = await execa(qemu, ['--version'], { reject: false });
  return r.exitCode === 0 ? r.stdout : null;
}

async function verdictFile(qemu: string): Promise<string> {
  const version = await qemuVersion(qemu);
  return cachePath('host', `accel-${hashOf(hostname(), release(), qemu, version ?? 'no qemu').slice(0, 16)}.json`);
}

/** What `auto` will pick, as far as is known without a probe boot (for daxh doctor). */
export async function accelVerdict(qemu = 'qemu-system-x86_64'): Promise<string> {
  if (!(await kvmDeviceOpens())) return 'tcg (no usable /dev/kvm)';
  if ((await qemuVersion(qemu)) === null) return '/dev/kvm opens; whether KVM runs a kernel is probed once QEMU is installed';
  const cached = await readFile(await verdictFile(qemu), 'utf8').then((t) => JSON.parse(t) as { accel: Accel; at: string }, () => null);
  if (!cached) return 'not probed yet: the first boot probes whether KVM runs a kernel here';
  return cached.accel === 'kvm' ? `kvm (boot probe passed ${cached.at})` : `tcg (/dev/kvm exists but a kernel did not boot under it; probed ${cached.at})`;
}

export async function chooseAccel(bzImage: string, requested: Accel | 'auto', qemu: string): Promise<Accel> {
  if (requested !== 'auto') return requested;
  if (!(await kvmDeviceOpens())) return 'tcg';
  const file = await verdictFile(qemu);
  const cached = await readFile(file, 'utf8').then((t) => JSON.parse(t) as { accel: Accel }, () => null);
  if (cached) return cached.accel;
  const accel: Accel = (await kvmBootsKernel(bzImage, qemu)) ? 'kvm' : 'tcg';
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ accel, probedWith: bzImage, at: new Date().toISOString() }));
  return accel;
}

async function kvmBootsKernel(bzImage: string, qemu: string): Promise<boolean> {
  const proc = execa(
    qemu,
    ['-machine', 'q35', '-accel', 'kvm', '-cpu', 'host', '-m', '512M', '-smp', '1', '-nodefaults', '-display', 'none', '-no-reboot', '-serial', 'stdio', '-kernel', bzImage, '-append', 'console=ttyS0 panic=-1 loglevel=4'],
    { reject: false, timeout: PROBE_TIMEOUT_MS, stdin: 'ignore' },
  );
  const { stdout } = await proc;
  // Reaching the root-mount panic means the whole kernel init ran under KVM.
  return /VFS: Unable to mount root fs|Kernel panic - not syncing/.test(stdout);
}
