// Topology files as text: YAML (of which JSON is a subset) in, a checked topology or one error line out.
import { parse, YAMLParseError } from 'yaml';
import { parseTopology, TopologyError, type GuestTopology } from './validate.ts';

/** What a file the user hands in may make the YAML parser do: no more aliases than a hand-written file has. */
export const YAML_LIMITS = { maxAliasCount: 50, uniqueKeys: true } as const;

/** `origin` (a file path or built-in name) prefixes every error. */
export function parseTopologyText(text: string, origin: string): GuestTopology {
  let data: unknown;
  try {
    data = parse(text, YAML_LIMITS);
  } catch (err) {
    // A syntax error names its line; anything else the parser refuses (an alias bomb: "Excessive alias
    // count") is bad input all the same.
    const at = err instanceof YAMLParseError ? err.linePos?.[0] : undefined;
    const where = at ? `line ${at.line}, column ${at.col}` : 'start';
    throw new TopologyError(where, `${(err as Error).message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, origin);
  }
  try {
    return parseTopology(data);
  } catch (err) {
    throw err instanceof TopologyError ? err.from(origin) : err;
  }
}
