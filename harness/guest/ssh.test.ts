import test from 'ava';
import ssh2 from 'ssh2';
import { GuestOutputError, MAX_EXEC_OUTPUT, SshSession, ephemeralKey } from './ssh.ts';

// 1 raw ssh2 pair in 256 is malformed (mscdex/ssh2#1390); among 3000, one shows up with odds of 99.999%.
test('every ephemeral key pair parses, and its public key is the full 32 bytes', (t) => {
  for (let i = 0; i < 3000; i++) {
    const key = ephemeralKey();
    const priv = ssh2.utils.parseKey(key.privateKey);
    const pub = ssh2.utils.parseKey(key.authorizedKey);
    if (priv instanceof Error || pub instanceof Error) return t.fail(`pair ${i} does not parse: ${key.authorizedKey}`);
    // The blob is string "ssh-ed25519", then string <key>: the key's length follows the 4+11 bytes of the name.
    const keyLength = Buffer.from(key.authorizedKey.split(' ')[1]!, 'base64').readUInt32BE(4 + 'ssh-ed25519'.length);
    if (keyLength !== 32) return t.fail(`pair ${i}: public key of ${keyLength} bytes`);
  }
  t.pass();
});

// A guest that floods one command's stdout: the session gives up at MAX_EXEC_OUTPUT with a lost channel,
// instead of buffering until the heap is gone. A real sshd stands in for the guest's (ssh2's server).
test('a flood on one command is cut at the output limit, and the connection still answers the next', async (t) => {
  const hostKey = ephemeralKey();
  const client = ephemeralKey();
  const server = new ssh2.Server({ hostKeys: [hostKey.privateKey] }, (conn) => {
    conn.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    conn.on('ready', () =>
      conn.on('session', (accept) =>
        accept().on('exec', (acceptExec, _reject, info) => {
          const ch = acceptExec();
          if (info.command !== 'flood') return void ch.exit(0), ch.end('small\n');
          const chunk = Buffer.alloc(1 << 20, 0x41);
          let open = true;
          ch.on('close', () => (open = false));
          const pump = () => {
            while (open && ch.write(chunk));
            if (open) ch.once('drain', pump);
          };
          pump();
        }),
      ),
    );
    conn.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const session = await SshSession.connect({ port, key: client, hostKey: hostKey.authorizedKey, timeoutMs: 10_000 });
  t.teardown(() => session.close());
  const err = await t.throwsAsync(session.exec('flood', { timeoutMs: 60_000 }), { instanceOf: GuestOutputError });
  t.regex(err!.message, new RegExp(`over ${MAX_EXEC_OUTPUT / 2 ** 20} MiB for \`flood\``));
  t.is((await session.exec('echo', { timeoutMs: 10_000 })).stdout, 'small\n');
});
