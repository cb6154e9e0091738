import { ensureHost } from '../../host/checks.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { say } from '../say.ts';

export const host: Command = {
  summary: 'install what the host lacks (Debian 12, root + apt), idempotently',
  usage: '[ensure] [--tests] [--kernel-build] [--coverage]',
  help: `On Debian 12: adds bookworm-backports (from the mirror the host already uses) in its own sources file and
installs qemu-system-x86 (>= 8), kmod, zstd, cpio, gcc and friends, only where a check fails. Without root
it prints the commands to run. On any other system it installs nothing and says what to install.
  --tests          also what the test suite needs (Chromium, for the HTML report test)
  --kernel-build   also what building a kernel tree needs (bison, flex, bc, libelf-dev, libssl-dev)
  --coverage       also lcov (geninfo, genhtml) for run --coverage`,
  async run(args) {
    const { values, positionals } = parseFlags('host', args, { tests: { type: 'boolean' }, 'kernel-build': { type: 'boolean' }, coverage: { type: 'boolean' } }, true);
    if (positionals.length > 1 || (positionals[0] ?? 'ensure') !== 'ensure') throw new UsageError(`host: unknown subcommand ${positionals.join(' ')}; the only one is 'ensure'`);
    await ensureHost(say, undefined, { tests: values.tests === true, kernelBuild: values['kernel-build'] === true, coverage: values.coverage === true });
    return EXIT.ok;
  },
};
