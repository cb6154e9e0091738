// Variants boot an existing topology differently without a second file: `hmem+mom` is hmem with
// memory_hotplug.memmap_on_memory=1. A variant may only change boot settings, never the hardware, so the
// varied topology stays valid.
import type { GuestTopology } from './validate.ts';

interface Variant {
  summary: string;
  apply(t: GuestTopology): GuestTopology;
}

export const VARIANTS = {
  mom: {
    summary: 'booted with memory_hotplug.memmap_on_memory=1',
    apply: (t) => ({ ...t, boot: { ...t.boot, memmapOnMemory: 'Y' } }),
  },
  movable: {
    summary: 'booted with memhp_default_state=online_movable, so kmem memory lands in ZONE_MOVABLE',
    apply: (t) => ({ ...t, boot: { ...t.boot, online: { policy: 'online_movable', via: 'memhp_default_state' } } }),
  },
} satisfies Record<string, Variant>;

export type VariantName = keyof typeof VARIANTS;

function isVariant(name: string): name is VariantName {
  return Object.hasOwn(VARIANTS, name);
}

/** Peels known `+variant` suffixes off a topology reference: 'hmem+mom' -> { base: 'hmem', variants: ['mom'] }. */
export function splitVariants(ref: string): { base: string; variants: VariantName[] } {
  const variants: VariantName[] = [];
  let base = ref;
  for (;;) {
    const plus = base.lastIndexOf('+');
    const suffix = base.slice(plus + 1);
    if (plus <= 0 || !isVariant(suffix)) break;
    variants.unshift(suffix);
    base = base.slice(0, plus);
  }
  return { base, variants };
}

export function applyVariants(t: GuestTopology, variants: readonly VariantName[]): GuestTopology {
  return variants.reduce<GuestTopology>(
    (acc, v) => ({ ...VARIANTS[v].apply(acc), name: `${acc.name}+${v}`, description: `${acc.description}; ${VARIANTS[v].summary}` }),
    t,
  );
}
