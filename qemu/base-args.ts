// The QEMU command line every guest shares; a topology plan only adds to it. Pure, so the network rule
// (user networking with restrict=on, forwards bound to 127.0.0.1 only) is checked by unit tests.

export type Accel = 'kvm' | 'tcg';

/** What a topology contributes (qemu/plan.ts's GuestPlan has these fields). */
export interface MachineSpec {
  machine: string;
  cpu: string | null;
  memory: string;
  smp: number;
  args: readonly string[];
  cmdline: readonly string[];
}

export interface BootFiles {
  kernel: string;
  initrd: string;
  qmpSocket: string;
  sshPort: number;
  /** A qcow2 file for savevm snapshots of the whole machine; no device sees it. Omitted: no snapshots. */
  vmstate?: string;
}

// loglevel=5 keeps the slow emulated UART quiet yet still prints warnings, oopses and stalls (levels 0-4).
// A sysfs write stuck in the kernel (a lock never released) is reported by the hung-task detector with
// its stack after 30 s, well inside the step deadline (harness/guest/deadlines.ts), so a hang fails its
// case with the kernel's own account; the `sysctl.` prefix sets any sysctl from the command line (5.8+).
export const BASE_CMDLINE = ['console=ttyS0', 'loglevel=5', 'panic=-1', 'sysctl.kernel.hung_task_timeout_secs=30'] as const;

// Under TCG the guest TSC follows the host's clock, and loadvm does not rewind it: a restored guest's TSC
// jumps ahead by the time since savevm while its timers do not (here, 30 s after savevm, the restored guest
// reported an RCU stall). An unstable TSC makes the guest keep time, and sched_clock, by the HPET, which
// loadvm restores.
const SNAPSHOT_CMDLINE = ['tsc=unstable'] as const;

/** `append`: the user's words (--append), last on the kernel command line, after the topology's. */
export function qemuArgs(spec: MachineSpec, files: BootFiles, accel: Accel, append: readonly string[] = []): string[] {
  const cmdline = [...BASE_CMDLINE, ...(files.vmstate ? SNAPSHOT_CMDLINE : []), ...spec.cmdline, ...append].join(' ');
  return [
    '-machine', spec.machine,
    ...(accel === 'kvm' ? ['-accel', 'kvm'] : ['-accel', 'tcg,thread=multi']),
    ...(spec.cpu ? ['-cpu', spec.cpu] : []),
    '-smp', String(spec.smp),
    '-m', spec.memory,
    '-nodefaults',
    '-display', 'none',
    '-no-reboot', // with panic=-1 a guest panic ends QEMU, which the harness reports as a crash
    '-serial', 'stdio',
    '-qmp', `unix:${files.qmpSocket},server=on,wait=off`,
    '-kernel', files.kernel,
    '-initrd', files.initrd,
    '-append', cmdline,
    '-netdev', `user,id=net0,restrict=on,hostfwd=tcp:127.0.0.1:${files.sshPort}-:22`,
    '-device', 'virtio-net-pci,netdev=net0',
    '-device', 'virtio-rng-pci',
    ...(files.vmstate ? ['-drive', `if=none,id=vmstate,format=qcow2,file=${files.vmstate}`] : []),
    ...spec.args,
  ];
}
