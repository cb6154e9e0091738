// Reads ava's closing lines, so `npm test` can end with the one totals line CI understands.
export interface Totals {
  passed: number;
  failed: number;
  skipped: number;
}

/** ava's closing lines: "12 tests passed", "1 test failed", "2 tests skipped", "1 known failure". */
export function avaTotals(output: string): Totals {
  const count = (re: RegExp) => [...output.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
  return {
    passed: count(/^\s*(\d+) tests? passed/gm),
    failed: count(/^\s*(\d+) tests? failed/gm) + count(/^\s*(\d+) uncaught exceptions?/gm) + count(/^\s*(\d+) unhandled rejections?/gm),
    skipped: count(/^\s*(\d+) tests? skipped/gm) + count(/^\s*(\d+) tests? todo/gm),
  };
}
