// Runs a plan's provisioning steps in a booted guest, in order, so dax devices exist when a suite starts.
// A step the kernel cannot do is skipped with its reason; a failing step stops with everything a
// maintainer needs: the step, its command, its output, and the kernel's view (console and dmesg).
import { deadlines } from '../guest/deadlines.ts';
import { GuestSetupError } from '../guest/errors.ts';
import type { GuestMachine as Guest } from '../guest/machine.ts';
import type { ProvisionStep } from '../../qemu/plan.ts';
import type { Capabilities } from './capabilities.ts';
import { sleep } from '../util/sleep.ts';

export type ProvisionOutcome = { step: string; status: 'done'; seconds: number } | { step: string; status: 'skipped'; reason: string };

export class ProvisionError extends GuestSetupError {
  constructor(
    readonly step: ProvisionStep,
    readonly output: string,
    readonly kernelLog: string,
  ) {
    super(`provisioning step '${step.name}' failed\n  command: ${step.command}\n  output: ${output.trim() || '(none)'}\n--- kernel log (last lines) ---\n${kernelLog}`);
  }
}

export async function provision(guest: Guest, steps: readonly ProvisionStep[], caps: Capabilities): Promise<ProvisionOutcome[]> {
  const outcomes: ProvisionOutcome[] = [];
  for (const step of steps) {
    if (step.requires && !caps.has.has(step.requires)) {
      outcomes.push({ step: step.name, status: 'skipped', reason: caps.why(step.requires) });
      continue;
    }
    const t0 = performance.now();
    if (step.waitFor) await waitFor(guest, step);
    const attempts = step.retry?.attempts ?? 1;
    let last = '';
    let done = false;
    for (let i = 0; i < attempts && !done; i++) {
      if (i > 0) await sleep(step.retry!.delayMs);
      const r = await guest.exec(step.command, { timeoutMs: deadlines().provisionMs });
      last = `${r.stdout}${r.stderr}`;
      done = r.code === 0;
    }
    if (!done) throw new ProvisionError(step, last, await kernelLogTail(guest));
    outcomes.push({ step: step.name, status: 'done', seconds: (performance.now() - t0) / 1000 });
  }
  return outcomes;
}

async function waitFor(guest: Guest, step: ProvisionStep): Promise<void> {
  const { command, timeoutMs } = step.waitFor!;
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const r = await guest.exec(command, { timeoutMs });
    if (r.code === 0) return;
    if (performance.now() > deadline) {
      throw new ProvisionError(step, `still waiting after ${timeoutMs} ms for: ${command}\n${r.stdout}${r.stderr}`, await kernelLogTail(guest));
    }
    await sleep(200);
  }
}

async function kernelLogTail(guest: Guest): Promise<string> {
  const dmesg = await guest.exec('dmesg | tail -n 40', { timeoutMs: 10_000 }).catch(() => null);
  return dmesg?.stdout.trimEnd() || guest.console.tail(40);
}

