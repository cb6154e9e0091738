import { ensureHost } from '../../host/checks.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';

export const host: Command = {
  summary: 'install what the host lacks (root + apt), idempotently',
  usage: '[ensure]',
  help: 'Adds bookworm-backports in its own sources file and installs qemu-system-x86 (>= 8), kmod, zstd, cpio, gcc and friends only where a check fails. Without root it prints the commands to run.',
  async run(args) {
    const { positionals } = parseFlags('host', args, {}, true);
    if (positionals.length > 1 || (positionals[0] ?? 'ensure') !== 'ensure') throw new UsageError(`host: unknown subcommand ${positionals.join(' ')}; the only one is 'ensure'`);
    await ensureHost((line) => console.error(`daxh: ${line}`));
    return EXIT.ok;
  },
};
