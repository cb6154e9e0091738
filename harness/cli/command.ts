// The shape of a `daxh` command, and strict flag parsing that turns every mistake into one line.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.ts';

export interface Command {
  summary: string;
  usage: string;
  help: string;
  run(args: string[]): Promise<number>;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseFlags<O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    const msg = (err as Error).message;
    const flag = msg.match(/'(-[^']*)'/)?.[1];
    if (/Unknown option/.test(msg)) throw new UsageError(`${command}: unknown flag ${flag}; see daxh ${command} --help`);
    if (/argument missing/.test(msg)) throw new UsageError(`${command}: ${flag} needs a value`);
    if (/does not take an argument/.test(msg)) throw new UsageError(`${command}: ${flag} takes no value`);
    if (/Unexpected argument/.test(msg)) throw new UsageError(`${command}: unexpected argument ${flag ?? msg.match(/'([^']*)'/)?.[1]}; see daxh ${command} --help`);
    throw new UsageError(`${command}: ${msg.split('\n')[0]}`);
  }
}
