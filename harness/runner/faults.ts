// Faults injected into a real run, for the fault tests only: DAXH_TEST_FAULT=KIND@N injects KIND shortly
// after case N (1-based, run order) starts, into that case's real guest. The faults are real (a real
// SIGKILL, a real panic through sysrq); only their timing is chosen, so a test knows which case must fail.
import { InputError } from '../util/input-error.ts';
import type { GuestMachine } from '../guest/machine.ts';

export const FAULT_KINDS = ['qemu-kill', 'qemu-stop', 'panic', 'sshd-kill'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** 1-based index of the case, in run order. */
  caseNumber: number;
}

/** Lands the fault inside the case, after its first steps. */
const DELAY_MS = 400;

export function parseFault(text: string): Fault {
  const m = /^([a-z-]+)@(\d{1,6})$/.exec(text);
  const kind = m?.[1] as FaultKind | undefined;
  if (!m || !kind || !FAULT_KINDS.includes(kind) || Number(m[2]) < 1) {
    throw new InputError(`DAXH_TEST_FAULT=${text}: use KIND@N with KIND one of ${FAULT_KINDS.join(', ')} and N the case number from 1`);
  }
  return { kind, caseNumber: Number(m[2]) };
}

/** Backgrounded in the guest and detached from the exec's session, so the exec itself returns at once. */
const IN_GUEST: Partial<Record<FaultKind, string>> = {
  // sysrq-trigger works for root whatever kernel.sysrq masks (that mask is for the keyboard).
  panic: `setsid sh -c 'sleep 0.2; echo c > /proc/sysrq-trigger' >/dev/null 2>&1 </dev/null &`,
  'sshd-kill': `setsid sh -c 'sleep 0.2; kill -9 $(pidof dropbear)' >/dev/null 2>&1 </dev/null &`,
};

export function scheduleFault(fault: Fault, guest: GuestMachine, log: (line: string) => void): void {
  setTimeout(() => {
    log(`test fault: ${fault.kind} during case ${fault.caseNumber}`);
    const inGuest = IN_GUEST[fault.kind];
    if (inGuest) {
      void guest.exec(inGuest, { timeoutMs: 10_000 }).catch(() => {});
      return;
    }
    if (guest.pid === null) return;
    try {
      process.kill(guest.pid, fault.kind === 'qemu-kill' ? 'SIGKILL' : 'SIGSTOP');
    } catch {
      // already gone
    }
  }, DELAY_MS).unref();
}
