// `daxh`: parse flags, call the stages, map outcomes to exit codes. Logic lives in the stages.
import { COMMANDS, commandNames } from './commands.ts';
import { EXIT, UsageError } from './errors.ts';
import { HostSetupError, UnsupportedHostError } from '../host/checks.ts';
import { KernelError } from '../../images/kernel.ts';
import { TopologyError } from '../../qemu/validate.ts';
import { OutputPathError } from '../report/files.ts';
import { RecipeMismatchError } from '../recipe/repro.ts';

const USAGE = `usage: daxh <command> [flags]   (daxh <command> --help for its flags)

commands:
${commandNames()
  .map((n) => `  ${n.padEnd(12)} ${COMMANDS[n]!.summary}`)
  .join('\n')}`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(USAGE);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`unknown command '${name}'; run daxh --help for the list`);
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(`usage: daxh ${name} ${command.usage}\n\n${command.summary}\n\n${command.help}`);
    return EXIT.ok;
  }
  return command.run(rest);
}

// A reader that stops early (`daxh exec … | head`) is not an error: end quietly; the exit handler stops the guests.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(EXIT.ok);
});

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  const usage = err instanceof UsageError || err instanceof TopologyError || err instanceof KernelError || err instanceof OutputPathError || err instanceof RecipeMismatchError || err instanceof UnsupportedHostError;
  if (usage) {
    console.error(`daxh: ${(err as Error).message}`);
    process.exitCode = EXIT.usage;
  } else if (err instanceof HostSetupError) {
    console.error(`daxh: ${err.message}`);
    process.exitCode = EXIT.failed;
  } else {
    console.error(`daxh: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exitCode = EXIT.failed;
  }
}
