// One SSH connection per guest; every command is an exec channel on it, so a command costs a channel
// open, not a handshake. Only the image's own host key is accepted.
import { connect } from 'node:net';
import ssh2 from 'ssh2';
const { Client, utils } = ssh2;

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number | null; // null when killed by a signal
  signal?: string;
}

export class GuestUnresponsiveError extends Error {}

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
  private constructor(private readonly client: InstanceType<typeof Client>) {}

  static connect(opts: { port: number; key: SessionKey; hostKey: string; timeoutMs: number }): Promise<SshSession> {
    const expected = keyBlob(opts.hostKey);
    return new Promise((resolve, reject) => {
      const client = new Client();
      client.once('ready', () => resolve(new SshSession(client)));
      client.once('error', (err) => reject(err));
      // Small request/answer exchanges stall ~40 ms on Nagle + delayed ACK without this.
      const sock = connect({ host: '127.0.0.1', port: opts.port });
      sock.setNoDelay(true);
      sock.once('error', reject);
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

  exec(command: string, opts: { input?: string; timeoutMs: number }): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new GuestUnresponsiveError(`no answer to \`${command.slice(0, 80)}\` within ${opts.timeoutMs} ms`)), opts.timeoutMs);
      this.client.exec(command, (err, channel) => {
        if (err) {
          clearTimeout(timer);
          reject(err);
          return;
        }
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        let code: number | null = null;
        let signal: string | undefined;
        channel.on('data', (d: Buffer) => out.push(d));
        channel.stderr.on('data', (d: Buffer) => errOut.push(d));
        channel.on('exit', (c: number | null, s?: string) => {
          code = c;
          signal = s;
        });
        channel.on('close', () => {
          clearTimeout(timer);
          resolve({ stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(errOut).toString('utf8'), code, ...(signal ? { signal } : {}) });
        });
        if (opts.input !== undefined) channel.end(opts.input);
        else channel.end();
      });
    });
  }

  /** Interactive shell on the caller's terminal (daxh shell). */
  shell(stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<void> {
    return new Promise((resolve, reject) => {
      this.client.shell({ term: process.env.TERM ?? 'xterm', rows: stdout.rows ?? 24, cols: stdout.columns ?? 80 }, (err, channel) => {
        if (err) return reject(err);
        const raw = stdin.isTTY;
        if (raw) stdin.setRawMode(true);
        stdin.pipe(channel);
        channel.pipe(stdout);
        channel.on('close', () => {
          stdin.unpipe(channel);
          if (raw) stdin.setRawMode(false);
          stdin.pause();
          resolve();
        });
      });
    });
  }

  close(): void {
    this.client.end();
  }
}
