// After a step that never returned, the guest is still up: its kernel log holds the hung-task reports with
// the stacks the console's loglevel hid, and sysrq w adds every blocked task's, so a deadlock shows both
// sides. The runner and `daxh repro` judge a hang from these lines.
import type { GuestMachine } from '../guest/machine.ts';

const HUNG_REPORT = /INFO: task .+ blocked for more than|sysrq: Show Blocked State/;

/** The kernel log from the first hung-task report on, or nothing when there is none or the guest cannot answer. */
export async function blockedTasks(guest: GuestMachine): Promise<string[]> {
  const r = await guest.exec('echo w > /proc/sysrq-trigger; dmesg', { timeoutMs: 15_000 }).catch(() => null);
  if (!r || r.code !== 0) return [];
  const lines = r.stdout.split('\n');
  const from = lines.findIndex((l) => HUNG_REPORT.test(l));
  return from < 0 ? [] : lines.slice(from);
}
