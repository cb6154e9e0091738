// What `daxh run --dry-run` prints: per topology, the exact QEMU command line and kernel command line a
// guest would get, and its provisioning, with the per-guest paths (kernel, initrd, work dir) as placeholders.
import { qemuArgs, type Accel } from '../../qemu/base-args.ts';
import { shellQuote } from '../util/shell-quote.ts';
import type { TopologyPlanner } from './planner.ts';
import type { MachineChoice } from './prepare.ts';

export function dryRun(planners: readonly (readonly [string, TopologyPlanner])[], release: string, vcpus: number, machine: MachineChoice, accel: Accel | 'auto'): string {
  const out: string[] = [`kernel ${release}; each guest's paths are shown as <…>`];
  for (const [topology, planner] of planners) {
    const plan = planner(release, vcpus)('<workdir>');
    const args = qemuArgs(plan, { kernel: `<bzImage of ${release}>`, initrd: '<workdir>/initrd.img', qmpSocket: '<workdir>/qmp.sock', sshPort: 0 }, accel === 'kvm' ? 'kvm' : 'tcg', machine.append);
    const append = args[args.indexOf('-append') + 1]!;
    out.push(
      '',
      `topology ${topology}${accel === 'auto' ? ' (accel auto: tcg shown; a probe boot picks kvm where it runs the kernel)' : ''}:`,
      `  kernel command line: ${append}`,
      `  ${[machine.qemu, ...args].map(shellQuote).join(' ').replace('127.0.0.1:0-:22', '127.0.0.1:<port>-:22')}`,
      `  provisioning (${plan.provisioning.length} steps):`,
      ...plan.provisioning.map((s) => `    ${s.name}${s.requires ? ` [needs ${s.requires}]` : ''}: ${s.waitFor ? `after ${s.waitFor.command}: ` : ''}${s.command}`),
    );
  }
  return out.join('\n');
}
