// Shrinking a failing history by replay, bounded: delta debugging (Zeller's ddmin) over its entries, where
// every candidate costs one replay on a fresh guest. It stops at the replay budget with the smallest
// history that still failed, so a failure always ends with a recipe, never with an endless shrink.

export interface Shrunk<T> {
  history: T[];
  replays: number;
  /** The whole history failed again on replay; false: nothing could be confirmed, `history` is the input. */
  confirmed: boolean;
}

export async function shrinkHistory<T>(history: readonly T[], fails: (h: readonly T[]) => Promise<boolean>, maxReplays: number): Promise<Shrunk<T>> {
  let replays = 0;
  const attempt = async (h: readonly T[]) => {
    replays++;
    return fails(h);
  };
  if (maxReplays < 1 || !(await attempt(history))) return { history: [...history], replays, confirmed: false };
  let current = [...history];
  let chunks = 2;
  while (current.length > 1 && replays < maxReplays) {
    const size = Math.ceil(current.length / chunks);
    let reduced = false;
    for (let i = 0; i < current.length && replays < maxReplays; i += size) {
      const candidate = [...current.slice(0, i), ...current.slice(i + size)];
      if (candidate.length && (await attempt(candidate))) {
        current = candidate;
        chunks = Math.max(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (size === 1) break;
      chunks = Math.min(chunks * 2, current.length);
    }
  }
  return { history: current, replays, confirmed: true };
}
