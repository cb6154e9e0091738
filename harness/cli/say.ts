// The harness's own lines on stderr, `daxh: …`. They may carry guest text (a console tail, a kernel report's
// line), so each goes through `printable` first.
import { printable } from '../util/terminal.ts';

export const say = (line: string): void => console.error(`daxh: ${printable(line)}`);
