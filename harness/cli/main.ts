// `daxh`: parse flags, call the stages, map outcomes to exit codes. Logic lives in the stages.
import { readFileSync } from 'node:fs';
import { COMMANDS, commandNamed, commandNames } from './commands.ts';
import { EXIT, UsageError } from './errors.ts';
import { AptError } from '../../images/apt.ts';
import { SourceBuildError } from '../../images/source-build.ts';
import { HelperError } from '../driver/driver.ts';
import { GuestHangError, GuestSetupError, QemuExitedError, SshDroppedError } from '../guest/errors.ts';
import { HostSetupError } from '../host/checks.ts';
import { InputError } from '../util/input-error.ts';
import { saveInternalError } from '../util/internal-error.ts';
import { say } from './say.ts';
import { checkEnvironment } from './environment.ts';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const USAGE = `usage: daxh <command> [flags]   (daxh help <command>, or daxh <command> --help, for its flags)

commands:
${commandNames()
  .map((n) => `  ${n.padEnd(12)} ${COMMANDS[n]!.summary}`)
  .join('\n')}`;

function commandHelp(name: string): string {
  const command = commandNamed(name);
  if (!command) throw new UsageError(`help: unknown command '${name}'; run daxh --help for the list`);
  return `usage: daxh ${name} ${command.usage}\n\n${command.summary}\n\n${command.help}`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === '-V' || name === 'version') {
    console.log(`daxh ${VERSION}`);
    return EXIT.ok;
  }
  if (name === 'help' && rest.length > 0) {
    if (rest.length > 1) throw new UsageError('help: give one command, e.g. daxh help run');
    console.log(commandHelp(rest[0]!));
    return EXIT.ok;
  }
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = commandNamed(name);
  if (!command) throw new UsageError(`unknown command '${name}'; run daxh --help for the list`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(commandHelp(name));
    return EXIT.ok;
  }
  // A mistyped DAXH_DEADLINE_SCALE is bad input like a flag: refused before any guest starts.
  checkEnvironment();
  return command.run(rest);
}

// A reader that stops early (`daxh exec … | head`) is not an error: end quietly; the exit handler stops the guests.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(EXIT.ok);
});

/** Errors the harness expects (a failed download, a guest that does not come up) carry a message meant for users. */
const EXPECTED = [AptError, SourceBuildError, HostSetupError, GuestSetupError, GuestHangError, QemuExitedError, SshDroppedError, HelperError];

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof InputError) {
    // Bad input is one line, whatever the value it names holds.
    say(err.message.replace(/\r?\n/g, '\\n'));
    process.exitCode = EXIT.usage;
  } else if (EXPECTED.some((E) => err instanceof E)) {
    say((err as Error).message);
    process.exitCode = EXIT.error;
  } else {
    // Anything else is a harness bug: one line for the user, the stack in a file for the developer.
    const message = err instanceof Error ? err.message : String(err);
    const where = saveInternalError(err);
    say(`internal error: ${message.split('\n')[0]} (a harness bug; ${where})`);
    process.exitCode = EXIT.error;
  }
}
