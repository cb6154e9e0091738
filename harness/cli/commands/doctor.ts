import { hostMirror } from '../../../images/apt.ts';
import { accelVerdict } from '../../guest/accel.ts';
import { fixCommands, hostChecks, hostOs, isDebian12, manualInstructions } from '../../host/checks.ts';
import { parseFlags, type Command } from '../command.ts';
import { EXIT } from '../errors.ts';

export const doctor: Command = {
  summary: 'check the host: QEMU, image tools, KVM',
  usage: '',
  help: 'Prints every check with ✓/✗ and, for failures, what fixes them. On Debian 12 `daxh host` installs them.',
  async run(args) {
    parseFlags('doctor', args, {});
    const checks = await hostChecks();
    for (const c of checks) console.log(`${c.ok ? '✓' : '✗'} ${c.name.padEnd(28)} ${c.detail}`);
    console.log(`${'·'} ${'accelerator'.padEnd(28)} ${await accelVerdict()}`);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length) {
      const os = await hostOs();
      const mirror = isDebian12(os) ? await hostMirror().catch(() => null) : null;
      console.log(mirror ? `\nto fix (or run daxh host as root):\n  ${fixCommands(failed, mirror).join('\n  ')}` : `\n${manualInstructions(failed, os)}`);
    }
    return failed.length ? EXIT.failed : EXIT.ok;
  },
};
