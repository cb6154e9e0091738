// The harness's own lines on stderr, `daxh: …`. They may carry guest text (a console tail, a kernel report's
// line) or a value the user typed, so each goes through `printable` first, and a line that a 100 KB value
// would blow up keeps its start and end.
import { printable } from '../util/terminal.ts';

const LONG = 1000;

/** A line shortened in the middle when it is longer than anyone reads. */
export function shortened(line: string): string {
  return line.length <= LONG ? line : `${line.slice(0, 600)} … [${line.length - 800} characters] … ${line.slice(-200)}`;
}

export const say = (line: string): void => console.error(`daxh: ${shortened(printable(line))}`);
