import type { Accel } from '../../qemu/base-args.ts';
import { UsageError } from './errors.ts';

export const ACCEL_OPTION = { accel: { type: 'string' } } as const;
export const ACCEL_HELP = '  --accel auto|tcg|kvm      auto (default) uses KVM only if a probe boot shows it runs this kernel';

export function accelFlag(v: string | undefined): Accel | 'auto' {
  const a = v ?? 'auto';
  if (a !== 'auto' && a !== 'tcg' && a !== 'kvm') throw new UsageError(`--accel ${a}: use auto, tcg or kvm`);
  return a;
}
