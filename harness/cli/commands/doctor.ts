import { accelVerdict } from '../../guest/accel.ts';
import { hostChecks, fixCommands } from '../../host/checks.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT } from '../errors.ts';

export const doctor: Command = {
  summary: 'check the host: QEMU, image tools, KVM',
  usage: '',
  help: 'Prints every check with ✓/✗ and, for failures, the commands that fix them. `daxh host` installs them.',
  async run(args) {
    parseFlags('doctor', args, {});
    const checks = await hostChecks();
    for (const c of checks) console.log(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(28)} ${c.detail}`);
    console.log(`${'·'} ${'accelerator'.padEnd(28)} ${await accelVerdict()}`);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) console.log(`\nto fix:\n  ${fixCommands(failed).join('\n  ')}`);
    return failed.length ? EXIT.failed : EXIT.ok;
  },
};
