// One SSH connection per guest; every command is an exec channel on it, so a command costs a channel
// open, not a handshake, and a command kept running (the guest helper's serve) costs neither. Only the
// image's own host key is accepted.
import { connect } from 'node:net';
import ssh2 from 'ssh2';
import { GuestHangError, SshDroppedError } from './errors.ts';
const { Client, utils } = ssh2;

/**
 * What one command may send back. The guest runs the kernel under test and is not trusted: a flood on one
 * channel would otherwise grow the harness's heap until it dies. The largest honest answer is a coverage
 * archive, a few MiB in base64.
 */
export const MAX_EXEC_OUTPUT = 64 * 2 ** 20;

/** A command whose output passed MAX_EXEC_OUTPUT: taken as a lost channel, so the guest is renewed. */
export class GuestOutputError extends SshDroppedError {}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null; // null when killed by a signal
  signal?: string;
}

/** A command on a kept channel that ended: its exit status and what it said on stderr. */
export class ChannelEndedError extends Error {
  constructor(readonly code: number | null, readonly signal: string | undefined, readonly stderr: string) {
    super(`exited ${code ?? `on signal ${signal ?? '?'}`}: ${stderr.trim() || '(no message)'}`);
  }
}

/** One command kept running on its own channel, answering request after request with one line each. */
export interface RequestChannel {
  readonly open: boolean;
  /** Writes `input` and resolves with the command's next line of output (without the newline). */
  request(input: string, timeoutMs: number): Promise<string>;
  close(): void;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, TERM: 15 };

export interface SessionKey {
  privateKey: string; // OpenSSH format
  authorizedKey: string; // `ssh-ed25519 AAAA… comment`
}

/**
 * A fresh ed25519 key pair per guest: nothing that could log into a guest outlives the run. ssh2 1.17
 * strips leading zero bytes from the public key, so 1 pair in 256 is malformed and cannot log in
 * (mscdex/ssh2#1390): such pairs are drawn again. Unfixed, that was one failed boot in every ~13 runs.
 */
export function ephemeralKey(): SessionKey {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519', { comment: 'dax-harness' });
    if (utils.parseKey(pair.private) instanceof Error || utils.parseKey(pair.public) instanceof Error) continue;
    return { privateKey: pair.private, authorizedKey: `${pair.public.trim()}\n` };
  }
}

function keyBlob(openSshPublic: string): Buffer {
  const b64 = openSshPublic.trim().split(/\s+/)[1];
  if (!b64) throw new Error(`not an OpenSSH public key: ${openSshPublic}`);
  return Buffer.from(b64, 'base64');
}

export class SshSession {
  /** Set once the connection is gone; every pending and later command fails with it. */
  private lost: SshDroppedError | null = null;
  private readonly pending = new Set<(err: Error) => void>();

  private constructor(private readonly client: InstanceType<typeof Client>) {
    const drop = (why: string) => {
      if (this.lost) return;
      this.lost = new SshDroppedError(`SSH connection to the guest dropped (${why})`);
      for (const reject of this.pending) reject(this.lost);
      this.pending.clear();
    };
    client.on('error', (err) => drop(err.message));
    client.on('close', () => drop('closed'));
  }

  static connect(opts: { port: number; key: SessionKey; hostKey: string; timeoutMs: number }): Promise<SshSession> {
    const expected = keyBlob(opts.hostKey);
    return new Promise((resolve, reject) => {
      const client = new Client();
      // ssh2 can emit several errors for one failed attempt (socket, then handshake): every one must have a
      // listener, or the process dies of an unhandled 'error' event. The first one rejects.
      const fail = (err: Error) => {
        client.removeAllListeners('ready');
        client.end();
        reject(err);
      };
      client.on('error', fail);
      client.once('ready', () => {
        client.removeListener('error', fail);
        resolve(new SshSession(client));
      });
      // Small request/answer exchanges stall ~40 ms on Nagle + delayed ACK without this.
      const sock = connect({ host: '127.0.0.1', port: opts.port });
      sock.setNoDelay(true);
      sock.on('error', fail);
      client.connect({
        sock,
        username: 'root',
        privateKey: opts.key.privateKey,
        readyTimeout: opts.timeoutMs,
        hostVerifier: (key: Buffer) => key.equals(expected),
        keepaliveInterval: 0,
      });
    });
  }

  get connected(): boolean {
    return this.lost === null;
  }

  /**
   * One command on its own channel. Past `timeoutMs` the guest is taken as hung (GuestHangError); a
   * connection that goes away first is SshDroppedError. The deadline timer never keeps the process alive.
   */
  exec(command: string, opts: { input?: string; timeoutMs: number }): Promise<ExecResult> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(fail);
        fn();
      };
      const fail = (err: Error) => finish(() => reject(err));
      const timer = setTimeout(() => fail(new GuestHangError(`no answer to \`${command.slice(0, 80)}\` within ${opts.timeoutMs} ms`, opts.timeoutMs)), opts.timeoutMs);
      timer.unref();
      this.pending.add(fail);
      this.client.exec(command, (err, channel) => {
        if (err) return fail(this.lost ?? new SshDroppedError(`SSH channel could not be opened: ${err.message}`));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        let exited = false;
        let bytes = 0;
        const take = (into: Buffer[]) => (d: Buffer) => {
          bytes += d.length;
          if (bytes <= MAX_EXEC_OUTPUT) return void into.push(d);
          channel.close();
          fail(new GuestOutputError(`the guest sent over ${MAX_EXEC_OUTPUT / 2 ** 20} MiB for \`${command.slice(0, 80)}\`; the channel was closed`));
        };
        channel.on('data', take(out));
        channel.stderr.on('data', take(errOut));
        channel.on('exit', (c: number | null, s?: string) => {
          exited = true;
          code = c;
          signal = s;
        });
        channel.on('close', () => {
          // A channel that closes without an exit status lost its connection under the command.
          if (!exited) return fail(this.lost ?? new SshDroppedError(`SSH channel closed before \`${command.slice(0, 80)}\` exited`));
          finish(() => resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), code, ...(signal ? { signal } : {}) }));
        });
        if (opts.input !== undefined) channel.end(opts.input);
        else channel.end();
      });
    });
  }

  /**
   * Starts `command` on a channel of its own and keeps it: each request writes to its stdin and waits for one
   * line on its stdout. The deadline and output limit are exec's; past the deadline, or when the output
   * breaks the limit, the channel is closed, so a late answer can never be taken for the next one's.
   */
  stream(command: string): Promise<RequestChannel> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, channel) => {
        if (err) return reject(this.lost ?? new SshDroppedError(`SSH channel could not be opened: ${err.message}`));
        let buffered = '';
        let stderr = '';
        let code: number | null = null;
        let signal: string | undefined;
        let ended: Error | null = null;
        let waiter: { resolve: (line: string) => void; reject: (err: Error) => void } | null = null;
        const end = (why: Error) => {
          ended ??= why;
          waiter?.reject(ended);
          waiter = null;
        };
        channel.on('data', (d: Buffer) => {
          buffered += d.toString('utf8');
          if (buffered.length > MAX_EXEC_OUTPUT) {
            channel.close();
            return end(new GuestOutputError(`the guest sent over ${MAX_EXEC_OUTPUT / 2 ** 20} MiB for one request to \`${command.slice(0, 80)}\`; the channel was closed`));
          }
          const nl = buffered.indexOf('\n');
          if (nl < 0 || !waiter) return;
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          const w = waiter;
          waiter = null;
          w.resolve(line);
        });
        channel.stderr.on('data', (d: Buffer) => {
          if (stderr.length < 65536) stderr += d.toString('utf8');
        });
        channel.on('exit', (c: number | null, sig?: string) => {
          code = c;
          signal = sig;
        });
        channel.on('close', () => end(this.lost ?? new ChannelEndedError(code, signal, stderr)));
        const pending = this.pending;
        resolve({
          get open() {
            return ended === null;
          },
          request(input: string, timeoutMs: number): Promise<string> {
            if (ended) return Promise.reject(ended);
            if (waiter) return Promise.reject(new Error(`a request to \`${command.slice(0, 80)}\` is already waiting`));
            return new Promise<string>((res, rej) => {
              const done = () => {
                clearTimeout(timer);
                pending.delete(drop);
              };
              const drop = (e: Error) => end(e);
              const timer = setTimeout(() => {
                channel.close();
                end(new GuestHangError(`no answer from \`${command.slice(0, 80)}\` within ${timeoutMs} ms`, timeoutMs));
              }, timeoutMs);
              timer.unref();
              pending.add(drop);
              waiter = { resolve: (l) => (done(), res(l)), reject: (e) => (done(), rej(e)) };
              channel.write(input);
            });
          },
          close() {
            channel.close();
            end(new Error('the channel was closed'));
          },
        });
      });
    });
  }

  /**
   * Runs `command` (or, when null, a login shell) with the caller's stdin forwarded and its stdout and
   * stderr streamed as they come, like `docker exec`; a terminal on stdin gets a pty in raw mode. Resolves
   * with the exit status (128 + signal number for a signal, as a shell reports it).
   */
  attach(command: string | null, io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream }): Promise<number> {
    if (this.lost) return Promise.reject(this.lost);
    const tty = io.stdin.isTTY === true && io.stdout.isTTY === true;
    const pty = tty ? { term: process.env.TERM ?? 'xterm', rows: io.stdout.rows ?? 24, cols: io.stdout.columns ?? 80 } : false;
    return new Promise((resolve, reject) => {
      const done = (err: Error | undefined, channel?: ssh2.ClientChannel) => {
        if (err || !channel) return reject(this.lost ?? new SshDroppedError(`SSH channel could not be opened: ${err?.message ?? 'no channel'}`));
        let status: number | null = null;
        if (tty) io.stdin.setRawMode(true);
        io.stdin.pipe(channel);
        channel.pipe(io.stdout, { end: false });
        channel.stderr.pipe(io.stderr, { end: false });
        channel.on('exit', (code: number | null, signal?: string) => {
          status = code ?? 128 + (SIGNALS[signal ?? ''] ?? 0);
        });
        channel.on('close', () => {
          io.stdin.unpipe(channel);
          if (tty) io.stdin.setRawMode(false);
          io.stdin.pause();
          if (status === null) reject(this.lost ?? new SshDroppedError('SSH channel closed before the command exited'));
          else resolve(status);
        });
      };
      if (command === null) this.client.shell(pty || {}, done);
      else this.client.exec(command, { pty }, done);
    });
  }

  close(): void {
    this.client.end();
  }
}
