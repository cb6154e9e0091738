// A C function's text from a kernel source file, for a report to quote: from the line that starts its
// definition (the name followed by "(" at the start of a line, or after its return type on that line) to
// the "}" at column 0 that ends it. Pure.

export interface FunctionText {
  /** 1-based line numbers. */
  first: number;
  last: number;
  text: string;
}

export function cFunction(source: string, name: string): FunctionText | undefined {
  const lines = source.split('\n');
  const head = new RegExp(`^(?:[A-Za-z_][\\w \\t*]*[\\s*])?${name}\\(`);
  for (let i = 0; i < lines.length; i++) {
    if (!head.test(lines[i]!) || lines[i]!.trimEnd().endsWith(';')) continue;
    // A prototype spread over lines ends in ";" before any "{".
    let j = i;
    while (j < lines.length && !lines[j]!.includes('{') && !lines[j]!.includes(';')) j++;
    if (j >= lines.length || !lines[j]!.includes('{')) continue;
    // The return type may stand alone on the line above (kernel style for long signatures).
    const start = i > 0 && /^(static |const |unsigned |struct |int |void |long |ssize_t |bool )[\w \t*]*$/.test(lines[i - 1]!) ? i - 1 : i;
    let k = j;
    while (k < lines.length && lines[k] !== '}') k++;
    if (k >= lines.length) return undefined;
    return { first: start + 1, last: k + 1, text: lines.slice(start, k + 1).map((l, n) => `${String(start + 1 + n).padStart(5)}  ${l}`).join('\n') };
  }
  return undefined;
}
