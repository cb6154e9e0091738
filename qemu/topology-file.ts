// Topology files as text: YAML (of which JSON is a subset) in, a checked topology or one error line out.
import { parse, YAMLParseError } from 'yaml';
import { parseTopology, TopologyError, type GuestTopology } from './validate.ts';

/** `origin` (a file path or built-in name) prefixes every error. */
export function parseTopologyText(text: string, origin: string): GuestTopology {
  let data: unknown;
  try {
    data = parse(text);
  } catch (err) {
    if (!(err instanceof YAMLParseError)) throw err;
    const at = err.linePos?.[0];
    const where = at ? `line ${at.line}, column ${at.col}` : 'start';
    throw new TopologyError(where, `${err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, origin);
  }
  try {
    return parseTopology(data);
  } catch (err) {
    throw err instanceof TopologyError ? err.from(origin) : err;
  }
}
