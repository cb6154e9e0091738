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
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(args, options), options, allowPositionals, strict: true, tokens: true });
  } catch (err) {
    const msg = (err as Error).message;
    const flag = msg.match(/'(--?[A-Za-z0-9][\w-]*)/)?.[1];
    if (/Unknown option/.test(msg)) throw new UsageError(`${command}: unknown flag ${flag}; see daxh ${command} --help`);
    if (/argument missing/.test(msg)) throw new UsageError(`${command}: ${flag} needs a value`);
    if (/does not take an argument/.test(msg)) throw new UsageError(`${command}: ${flag} takes no value`);
    if (/Unexpected argument/.test(msg)) throw new UsageError(`${command}: unexpected argument ${flag ?? msg.match(/'([^']*)'/)?.[1]}; see daxh ${command} --help`);
    throw new UsageError(`${command}: ${msg.split('\n')[0]}`);
  }
  // parseArgs lets a later --topology silently replace an earlier one; a command that takes one says so.
  const seen = new Set<string>();
  for (const tok of parsed.tokens ?? []) {
    if (tok.kind !== 'option' || options[tok.name]?.multiple) continue;
    if (seen.has(tok.name)) throw new UsageError(`${command}: --${tok.name} given twice; it takes one value`);
    seen.add(tok.name);
  }
  return { values: parsed.values, positionals: parsed.positionals };
}

/**
 * `--jobs -1` makes parseArgs refuse the value as "ambiguous"; the user meant -1 as the value, so it is
 * passed as `--jobs=-1` and the flag's own check says what is wrong with it. A known flag stays a flag.
 */
function joinDashValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return [...out, ...args.slice(i)];
    const name = a.startsWith('--') ? a.slice(2) : null;
    const next = args[i + 1];
    const isFlag = (v: string) => v === '--' || (v.startsWith('--') && v.slice(2).split('=')[0]! in options);
    if (name !== null && options[name]?.type === 'string' && next !== undefined && next.startsWith('-') && !isFlag(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** A whole number within bounds, or one line naming the flag. */
export function wholeNumber(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag} ${v}: use a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? ' up' : ` to ${max}`}`);
  return n;
}
