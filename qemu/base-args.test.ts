import test from 'ava';
import { qemuArgs, type MachineSpec } from './base-args.ts';

const spec: MachineSpec = { machine: 'q35', cpu: null, memory: '2G', smp: 2, args: ['-numa', 'node,nodeid=0'], cmdline: ['memmap=512M!4G'] };
const files = { kernel: '/k', initrd: '/i', qmpSocket: '/w/qmp.sock', sshPort: 40022 };

function valueOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

test('the only network is restricted user networking forwarding 127.0.0.1 to guest port 22', (t) => {
  const args = qemuArgs(spec, files, 'tcg');
  t.deepEqual(valueOf(args, '-netdev'), ['user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:40022-:22']);
  t.true(args.includes('-nodefaults'), 'no default NIC may appear');
  t.false(args.some((a) => a.startsWith('-nic') || a === '-net'));
});

test('TCG is multi-threaded; KVM replaces it; the topology cpu and args come through', (t) => {
  t.deepEqual(valueOf(qemuArgs(spec, files, 'tcg'), '-accel'), ['tcg,thread=multi']);
  t.deepEqual(valueOf(qemuArgs(spec, files, 'kvm'), '-accel'), ['kvm']);
  t.deepEqual(valueOf(qemuArgs({ ...spec, cpu: 'qemu64,hypervisor=off' }, files, 'tcg'), '-cpu'), ['qemu64,hypervisor=off']);
  t.deepEqual(valueOf(qemuArgs(spec, files, 'tcg'), '-cpu'), []);
  t.deepEqual(qemuArgs(spec, files, 'tcg').slice(-2), ['-numa', 'node,nodeid=0']);
});

test('kernel command line: console on ttyS0, panic ends the guest, topology words appended', (t) => {
  const [append] = valueOf(qemuArgs(spec, files, 'tcg'), '-append');
  t.is(append, 'console=ttyS0 loglevel=5 panic=-1 sysctl.kernel.hung_task_timeout_secs=30 memmap=512M!4G');
  t.is(valueOf(qemuArgs(spec, files, 'tcg', ['quiet']), '-append')[0], `${append} quiet`, "the user's words come last");
  t.deepEqual(valueOf(qemuArgs(spec, files, 'tcg'), '-qmp'), ['unix:/w/qmp.sock,server=on,wait=off']);
});

test('a vmstate file becomes a drive no device sees (savevm needs one) and the TSC is not trusted; without it, neither', (t) => {
  const snap = qemuArgs(spec, { ...files, vmstate: '/w/vmstate.qcow2' }, 'tcg');
  t.deepEqual(valueOf(snap, '-drive'), ['if=none,id=vmstate,format=qcow2,file=/w/vmstate.qcow2']);
  t.is(valueOf(snap, '-append')[0], 'console=ttyS0 loglevel=5 panic=-1 sysctl.kernel.hung_task_timeout_secs=30 tsc=unstable memmap=512M!4G');
  t.deepEqual(valueOf(qemuArgs(spec, files, 'tcg'), '-drive'), []);
  t.false(valueOf(qemuArgs(spec, files, 'tcg'), '-append')[0]!.includes('tsc='));
});
