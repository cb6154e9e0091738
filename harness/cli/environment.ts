// The environment variables daxh reads, each checked like a flag before any work starts: a mistyped name
// (DAXH_DEADLINE_SCAEL) is refused with the name meant, not silently ignored.
import { badCacheHome } from '../../images/cache.ts';
import { parseDeadlineScale } from '../guest/deadlines.ts';
import { parseFault } from '../runner/faults.ts';
import { nearest } from '../util/nearest.ts';
import { UsageError } from './errors.ts';

const DAXH_VARIABLES: Readonly<Record<string, (value: string) => unknown>> = {
  DAXH_DEADLINE_SCALE: parseDeadlineScale,
  DAXH_TEST_FAULT: parseFault,
};

export function checkEnvironment(env: NodeJS.ProcessEnv = process.env): void {
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('DAXH_') || value === undefined) continue;
    const check = DAXH_VARIABLES[name];
    if (!check) {
      const near = nearest(name, Object.keys(DAXH_VARIABLES));
      throw new UsageError(`${name}: not a variable daxh reads${near ? `; did you mean ${near}?` : `; it reads ${Object.keys(DAXH_VARIABLES).join(', ')}`}`);
    }
    check(value);
  }
  const cache = badCacheHome(env.XDG_CACHE_HOME);
  if (cache) throw new UsageError(cache);
}
