// A minimal QMP client over the guest's UNIX socket: enough for `quit` and snapshot commands.
import { connect, type Socket } from 'node:net';

export class QmpClient {
  private buffer = '';
  private waiters: ((msg: Record<string, unknown>) => void)[] = [];

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (!line) continue;
        const msg = JSON.parse(line) as Record<string, unknown>;
        if ('event' in msg) continue; // async events are not replies
        this.waiters.shift()?.(msg);
      }
    });
  }

  static async connect(path: string, timeoutMs = 5000): Promise<QmpClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path);
      const timer = setTimeout(() => (s.destroy(), reject(new Error(`QMP ${path}: no answer in ${timeoutMs} ms`))), timeoutMs);
      s.once('connect', () => (clearTimeout(timer), resolve(s)));
      s.once('error', (e) => (clearTimeout(timer), reject(e)));
    });
    const client = new QmpClient(socket);
    await client.next(); // greeting
    await client.command('qmp_capabilities');
    return client;
  }

  private next(): Promise<Record<string, unknown>> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async command(execute: string, args?: Record<string, unknown>): Promise<unknown> {
    const reply = this.next();
    this.socket.write(JSON.stringify(args ? { execute, arguments: args } : { execute }) + '\n');
    const msg = await reply;
    if ('error' in msg) throw new Error(`QMP ${execute}: ${JSON.stringify(msg.error)}`);
    return msg.return;
  }

  /** Human monitor command through QMP (savevm/loadvm have no QMP equivalent that works on every QEMU). */
  async hmp(commandLine: string): Promise<string> {
    return String(await this.command('human-monitor-command', { 'command-line': commandLine }));
  }

  close(): void {
    this.socket.destroy();
  }
}
