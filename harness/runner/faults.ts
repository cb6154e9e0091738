// Faults injected into a real run, for the fault tests only: DAXH_TEST_FAULT=KIND@N injects KIND after the
// first step of case N (1-based, run order), into that case's real guest. The faults are real (a real
// SIGKILL, a real panic through sysrq); only their timing is chosen, so a test knows which case must fail.
import { InputError } from '../util/input-error.ts';
import type { GuestMachine } from '../guest/machine.ts';
import { aroundEachCall, type StepDriver } from '../driver/step-driver.ts';

export const FAULT_KINDS = ['qemu-kill', 'qemu-stop', 'panic', 'sshd-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** 1-based index of the case, in run order. */
  caseNumber: number;
}

export function parseFault(text: string): Fault {
  const m = /^([a-z-]+)@(\d{1,6})$/.exec(text);
  const kind = m?.[1] as FaultKind | undefined;
  if (!m || !kind || !FAULT_KINDS.includes(kind) || Number(m[2]) < 1) {
    throw new InputError(`DAXH_TEST_FAULT=${text}: use KIND@N with KIND one of ${FAULT_KINDS.join(', ')} and N the case number from 1`);
  }
  return { kind, caseNumber: Number(m[2]) };
}

/** Run in the guest; neither returns (the guest panics, the SSH server under the exec dies). */
const IN_GUEST: Partial<Record<FaultKind, string>> = {
  // sysrq-trigger works for root whatever kernel.sysrq masks (that mask is for the keyboard).
  panic: 'echo c > /proc/sysrq-trigger',
  'sshd-kill': 'kill -9 $(pidof dropbear)',
};

/** Lands the fault and waits until it has: a panic or a dead sshd ends the exec that caused it. */
async function inject(fault: Fault, guest: GuestMachine, log: (line: string) => void): Promise<void> {
  log(`test fault: ${fault.kind} during case ${fault.caseNumber}`);
  const inGuest = IN_GUEST[fault.kind];
  if (inGuest) return void (await guest.exec(inGuest, { timeoutMs: 10_000 }).catch(() => {}));
  if (guest.pid === null) return;
  try {
    process.kill(guest.pid, fault.kind === 'qemu-kill' ? 'SIGKILL' : 'SIGSTOP');
  } catch {
    // already gone
  }
}

/**
 * `driver`, landing the fault in `guest` once its first call has returned: the case has started on the
 * guest, and its next call meets the fault, however fast its steps are (a fixed delay was outrun once a
 * step took 8 ms).
 */
export function faultAfterFirstCall(driver: StepDriver, fault: Fault, guest: GuestMachine, log: (line: string) => void): StepDriver {
  let landed = false;
  return aroundEachCall(driver, async (call) => {
    const r = await call();
    if (!landed) {
      landed = true;
      await inject(fault, guest, log);
    }
    return r;
  });
}
