// ABI facts the booted guest can show by itself, beyond what its inventory shows (lab/inventory.ts
// observedAbi): each probe is side-effect free, and where it answers it wins over the table's row.
import { HELPER_GUEST_PATH } from '../../images/guest-helper.ts';
import type { KernelAbi } from '../abi/kernel.ts';
import type { GuestMachine } from '../guest/machine.ts';

/**
 * kstrtobool's enable/disable: writing "d" (false) to a memmap_on_memory that reads 0 changes nothing on
 * any kernel, and is EINVAL exactly where kstrtobool does not know "d".
 */
export const KSTRTOBOOL_PROBE = `for d in /sys/bus/dax/devices/*; do f=$d/memmap_on_memory; [ "$(cat $f 2>/dev/null)" = 0 ] && { ${HELPER_GUEST_PATH} write $f d; break; }; done; true`;

export function parseKstrtoboolProbe(out: string): boolean | undefined {
  if (/"errno":22\b/.test(out)) return false;
  if (/"ok":true/.test(out)) return true;
  return undefined;
}

export async function probeAbi(guest: GuestMachine): Promise<Partial<KernelAbi>> {
  const enableDisable = parseKstrtoboolProbe(await guest.run(KSTRTOBOOL_PROBE));
  return enableDisable === undefined ? {} : { kstrtoboolEnableDisable: enableDisable };
}
