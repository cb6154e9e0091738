// lcov tracefiles (geninfo's .info format, man geninfo "TRACEFILE FORMAT") → line and branch figures per
// source file, relative to the kernel tree. Pure: the tools that make the files are in gcov.ts.

export interface Ratio {
  found: number;
  hit: number;
}

export interface FileCoverage {
  /** Path inside the kernel tree, e.g. drivers/dax/bus.c. */
  file: string;
  lines: Ratio;
  branches: Ratio;
  functions: Ratio;
}

const ZERO = (): Ratio => ({ found: 0, hit: 0 });

/**
 * One entry per source file of the tree, in path order. The summary lines (LF/LH, BRF/BRH, FNF/FNH) are
 * what genhtml shows; a file listed twice (a header inlined into two objects) adds up. Files outside the
 * tree (system headers) are dropped.
 */
export function parseLcovInfo(text: string, tree: string): FileCoverage[] {
  const byFile = new Map<string, FileCoverage>();
  const prefix = tree.endsWith('/') ? tree : `${tree}/`;
  let current: FileCoverage | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const colon = line.indexOf(':');
    const key = colon < 0 ? line : line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key === 'SF') {
      const file = value.startsWith(prefix) ? value.slice(prefix.length) : value.startsWith('/') ? null : value;
      current = file === null ? null : (byFile.get(file) ?? { file, lines: ZERO(), branches: ZERO(), functions: ZERO() });
      if (current) byFile.set(current.file, current);
      continue;
    }
    if (!current) continue;
    const n = Number(value);
    if (key === 'LF') current.lines.found += n;
    else if (key === 'LH') current.lines.hit += n;
    else if (key === 'BRF') current.branches.found += n;
    else if (key === 'BRH') current.branches.hit += n;
    else if (key === 'FNF') current.functions.found += n;
    else if (key === 'FNH') current.functions.hit += n;
    else if (key === 'end_of_record') current = null;
  }
  return [...byFile.values()].sort((a, b) => a.file.localeCompare(b.file));
}

/** hit/found as a percentage with one decimal, or null when there is nothing to cover. */
export function percent(r: Ratio): number | null {
  return r.found === 0 ? null : Math.round((1000 * r.hit) / r.found) / 10;
}

/** How reports print a ratio: `89.4 %`, with `(551/616)` when `counts`; a dash when there is nothing to cover. */
export function formatPercent(r: Ratio, counts = false): string {
  return r.found ? `${percent(r)!.toFixed(1)} %${counts ? ` (${r.hit}/${r.found})` : ''}` : '–';
}

export function totalOf(files: readonly FileCoverage[]): Omit<FileCoverage, 'file'> {
  const sum = (k: 'lines' | 'branches' | 'functions') => files.reduce((r, f) => ({ found: r.found + f[k].found, hit: r.hit + f[k].hit }), ZERO());
  return { lines: sum('lines'), branches: sum('branches'), functions: sum('functions') };
}
