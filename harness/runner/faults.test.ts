import test from 'ava';
import type { StepDriver } from '../driver/step-driver.ts';
import type { GuestMachine } from '../guest/machine.ts';
import { faultAfterFirstCall, parseFault } from './faults.ts';

test('a test fault lands once, right after the case\'s first call to the guest returns, and before its second', async (t) => {
  const calls: string[] = [];
  const driver = { step: async () => (calls.push('step'), undefined), together: async () => undefined, observe: async () => (calls.push('observe'), undefined), mmap: async () => undefined } as unknown as StepDriver;
  const guest = { pid: null, exec: async (cmd: string) => (calls.push(`exec ${cmd}`), { stdout: '', stderr: '', code: 0 }) } as unknown as GuestMachine;
  const faulty = faultAfterFirstCall(driver, parseFault('panic@3'), guest, (l) => calls.push(`log ${l}`));
  await faulty.observe();
  await faulty.step([]);
  await faulty.step([]);
  t.deepEqual(calls, ['observe', 'log test fault: panic during case 3', 'exec echo c > /proc/sysrq-trigger', 'step', 'step']);
});
