import test from 'ava';
import ssh2 from 'ssh2';
import { ephemeralKey } from './ssh.ts';

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
