// Where QEMU's q35 machine puts guest RAM, and so which guest-physical ranges a memmap= may claim.
// q35 keeps at most 2G below the 4G PCI hole: RAM of 2.75G or more is split into 2G at 0 and the rest
// from 4G; smaller RAM sits entirely below 4G (hw/i386/pc_q35.c). NUMA nodes take consecutive slices of
// that RAM in node-id order, so a node's slice may straddle the hole.
import { GiB, MiB } from './size.ts';

/** Half-open guest-physical range [start, end). */
export interface Span {
  start: bigint;
  end: bigint;
}

export interface NodeRam {
  node: number;
  spans: Span[];
}

export const FOUR_G = 4n * GiB;
const SPLIT_FROM = 0xb000_0000n; // 2.75G
const LOW_WHEN_SPLIT = 2n * GiB;

/** Memory block size of x86_64 guests whose boot RAM ends below 64G: the unit kmem onlines. */
export const MEMORY_BLOCK = 128n * MiB;
/** Above this end of RAM x86_64 picks larger memory blocks, and MEMORY_BLOCK no longer describes the guest. */
export const SMALL_GUEST_RAM_END = 64n * GiB;

/** RAM per node as guest-physical spans, for nodes in id order with their sizes (0 = memoryless). */
export function nodeRamLayout(nodes: readonly { node: number; size: bigint }[]): NodeRam[] {
  const total = nodes.reduce((sum, n) => sum + n.size, 0n);
  const low = total >= SPLIT_FROM ? LOW_WHEN_SPLIT : total;
  let offset = 0n;
  return [...nodes]
    .sort((a, b) => a.node - b.node)
    .map(({ node, size }) => {
      const spans = ramOffsetsToSpans(offset, offset + size, low);
      offset += size;
      return { node, spans };
    });
}

function ramOffsetsToSpans(from: bigint, to: bigint, low: bigint): Span[] {
  const spans: Span[] = [];
  if (from === to) return spans;
  if (from < low) spans.push({ start: from, end: to < low ? to : low });
  if (to > low) {
    const hiFrom = from > low ? from : low;
    spans.push({ start: FOUR_G + (hiFrom - low), end: FOUR_G + (to - low) });
  }
  return spans;
}

export function ramEnd(layout: readonly NodeRam[]): bigint {
  return layout.flatMap((n) => n.spans).reduce((end, s) => (s.end > end ? s.end : end), 0n);
}

export function contains(outer: Span, inner: Span): boolean {
  return inner.start >= outer.start && inner.end <= outer.end;
}

export function overlaps(a: Span, b: Span): boolean {
  return a.start < b.end && b.start < a.end;
}
