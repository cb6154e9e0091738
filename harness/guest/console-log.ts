// The guest's serial console as it streams in: kept on disk (the per-guest log) and in memory as lines.
// Cases mark a position and ask for what came since; the judge (compare/judge.ts) decides what it means.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';

/** What cases and the runner read of a console: implemented by the real one and by the fake lab's. */
export interface ConsoleView {
  mark(): number;
  linesSince(mark: number): string[];
  tail(n?: number): string;
}

// A guest shell's line editor asks the terminal for its cursor (ESC [ 6 n) and colours its prompt; neither is
// console output a reader wants, in a log file or a report.
const TERMINAL_ESCAPES = /\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][0-9A-Za-z]|\r/g;

export class ConsoleLog implements ConsoleView {
  readonly lines: string[] = [];
  private partial = '';
  private readonly file: WriteStream;
  private lineWaiters: { re: RegExp; resolve: (line: string) => void }[] = [];

  /** `before`: what the console showed before this process's output (a resumed machine's boot). */
  constructor(readonly path: string, stream: Readable, before?: string) {
    this.file = createWriteStream(path);
    // A console log that cannot be written (disk full) must not take the guest down with it.
    this.file.on('error', () => {});
    if (before) this.feed(before.endsWith('\n') ? before : `${before}\n`);
    stream.on('data', (chunk: Buffer) => this.feed(chunk.toString('utf8')));
  }

  private feed(text: string): void {
    // Escapes are stripped from whole lines only: a sequence can be split across two chunks.
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.replace(TERMINAL_ESCAPES, '');
      this.file.write(`${line}\n`);
      this.lines.push(line);
      this.lineWaiters = this.lineWaiters.filter((w) => (w.re.test(line) ? (w.resolve(line), false) : true));
    }
  }

  /** Resolves with the first line (already seen or to come) that matches. */
  waitForLine(re: RegExp): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.lineWaiters.push({ re, resolve }));
  }

  mark(): number {
    return this.lines.length;
  }

  /** Complete lines since `mark`, plus a trailing partial line (a panic's last line may lack its newline). */
  linesSince(mark: number): string[] {
    const partial = this.partial.replace(TERMINAL_ESCAPES, '');
    return [...this.lines.slice(mark), ...(partial ? [partial] : [])];
  }

  tail(n = 30): string {
    return this.linesSince(Math.max(0, this.lines.length - n)).join('\n').trimEnd();
  }

  close(): Promise<void> {
    const partial = this.partial.replace(TERMINAL_ESCAPES, '');
    return new Promise((resolve) => this.file.end(partial, () => resolve()));
  }
}
