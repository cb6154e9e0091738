// The guest's serial console as it streams in: kept on disk (the per-guest log), in memory as lines, and
// scanned for crash reports. Cases mark a position and ask for what happened since.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { classifyLine, excerpt, type CrashEvent } from './console-scan.ts';

export class ConsoleLog {
  readonly lines: string[] = [];
  readonly events: CrashEvent[] = [];
  private partial = '';
  private readonly file: WriteStream;
  private lineWaiters: { re: RegExp; resolve: (line: string) => void }[] = [];

  constructor(readonly path: string, stream: Readable) {
    this.file = createWriteStream(path);
    stream.on('data', (chunk: Buffer) => this.feed(chunk.toString('utf8')));
  }

  private feed(text: string): void {
    this.file.write(text);
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    for (const raw of parts) {
      const line = raw.replace(/\r$/, '');
      const lineNo = this.lines.push(line) - 1;
      const kind = classifyLine(line);
      if (kind) this.events.push({ kind, line, lineNo });
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

  linesSince(mark: number): string[] {
    return this.lines.slice(mark);
  }

  eventsSince(mark: number): CrashEvent[] {
    return this.events.filter((e) => e.lineNo >= mark);
  }

  excerptAt(event: CrashEvent): string {
    return excerpt(this.lines, event.lineNo);
  }

  tail(n = 30): string {
    return [...this.lines.slice(-n), this.partial].join('\n').trimEnd();
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.file.end(resolve));
  }
}
