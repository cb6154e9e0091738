// Median and spread of repeated measurements, the shape every figure in the bench JSON has.
export interface Figure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function figure(samples: readonly number[]): Figure {
  if (samples.length === 0) throw new Error('no samples');
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s.at(-1)!, runs: s.length };
}
