// The flags that pick the machine beyond the topology: which QEMU runs it, what the guest kernel's command
// line gets on top. Shared by every command that boots a guest.
import { DEFAULT_QEMU, type MachineChoice } from '../lab/prepare.ts';
import { UsageError } from './errors.ts';
import { harnessParam } from '../../qemu/params.ts';

export const MACHINE_OPTIONS = {
  qemu: { type: 'string' },
  append: { type: 'string', multiple: true },
} as const;

export const MACHINE_HELP = `  --qemu BIN               the QEMU binary (default ${DEFAULT_QEMU} from PATH; e.g. one built from git)
  --append ARGS            words added to every guest kernel's command line (repeatable)`;

export function machineChoice(v: { qemu?: string; append?: string[] }): MachineChoice {
  const append = (v.append ?? []).flatMap((a) => a.split(/\s+/)).filter(Boolean);
  for (const w of append) {
    const reason = harnessParam(w);
    if (reason) throw new UsageError(`--append ${w}: ${reason}; leave it out`);
  }
  if (v.qemu !== undefined && v.qemu.trim() === '') throw new UsageError('--qemu needs the path of a QEMU binary');
  // A bare name is looked up on PATH; anything else in it (a space, a ;, a $) is a mistyped path.
  if (v.qemu !== undefined && !v.qemu.includes('/') && !/^[\w.+-]+$/.test(v.qemu)) throw new UsageError(`--qemu ${JSON.stringify(v.qemu)}: not a command name; give the path of a QEMU binary, e.g. --qemu /usr/local/bin/qemu-system-x86_64`);
  return { qemu: v.qemu ?? DEFAULT_QEMU, append };
}
