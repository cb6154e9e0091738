// A minimal QMP client over the guest's UNIX socket: enough for `quit` and snapshot commands. Every wait
// (connect, greeting, each reply) has a deadline: a stopped or wedged QEMU must not stall whoever asks.
import { deadlines } from './deadlines.ts';
import { connect, type Socket } from 'node:net';
import { GuestHangError } from './errors.ts';

type Message = Record<string, unknown>;

export class QmpClient {
  private buffer = '';
  private waiters: { resolve: (msg: Message) => void; reject: (err: Error) => void }[] = [];
  private closed: Error | null = null;

  private constructor(private readonly socket: Socket, private readonly path: string) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        let msg: Message;
        try {
          msg = JSON.parse(line) as Message;
        } catch {
          continue;
        }
        if ('event' in msg) continue; // async events are not replies
        this.waiters.shift()?.resolve(msg);
      }
    });
    const gone = (why: string) => {
      this.closed ??= new Error(`QMP ${path}: ${why}`);
      for (const w of this.waiters.splice(0)) w.reject(this.closed);
    };
    socket.on('close', () => gone('connection closed'));
    socket.on('error', (e) => gone(e.message));
  }

  /** Connects and negotiates; the whole exchange must finish within `timeoutMs`. */
  static async connect(path: string, timeoutMs = 5000): Promise<QmpClient> {
    const deadline = performance.now() + timeoutMs;
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      const timer = setTimeout(() => (s.destroy(), reject(new GuestHangError(`QMP ${path}: no connection in ${timeoutMs} ms`, timeoutMs))), timeoutMs);
      timer.unref();
      s.once('connect', () => (clearTimeout(timer), resolve(s)));
      s.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
    const client = new QmpClient(socket, path);
    try {
      await client.next(Math.max(1, deadline - performance.now()), 'greeting');
      await client.command('qmp_capabilities', undefined, Math.max(1, deadline - performance.now()));
    } catch (err) {
      client.close();
      throw err;
    }
    return client;
  }

  private next(timeoutMs: number, what: string): Promise<Message> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      // A late reply would be taken for the next command's: after a timeout the client is done.
      const timer = setTimeout(() => {
        const err = new GuestHangError(`QMP ${this.path}: no ${what} within ${Math.round(timeoutMs)} ms`, timeoutMs);
        this.closed ??= err;
        this.socket.destroy();
        reject(err);
      }, timeoutMs);
      timer.unref();
      const waiter = {
        resolve: (m: Message) => (clearTimeout(timer), resolve(m)),
        reject: (e: Error) => (clearTimeout(timer), reject(e)),
      };
      this.waiters.push(waiter);
    });
  }

  async command(execute: string, args?: Record<string, unknown>, timeoutMs = deadlines().qmpMs): Promise<unknown> {
    const reply = this.next(timeoutMs, `reply to ${execute}`);
    this.socket.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    const msg = await reply;
    if ('error' in msg) throw new Error(`QMP ${execute}: ${JSON.stringify(msg.error)}`);
    return msg.return;
  }

  /** Human monitor command through QMP (savevm/loadvm have no QMP equivalent that works on every QEMU). */
  async hmp(commandLine: string, timeoutMs = deadlines().qmpMs): Promise<string> {
    return String(await this.command('human-monitor-command', { 'command-line': commandLine }, timeoutMs));
  }

  close(): void {
    this.socket.destroy();
  }
}
