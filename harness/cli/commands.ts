import type { Command } from './command.ts';
import { bench } from './commands/bench.ts';
import { bisect } from './commands/bisect.ts';
import { cache } from './commands/cache.ts';
import { doctor } from './commands/doctor.ts';
import { exec } from './commands/exec.ts';
import { findings } from './commands/findings.ts';
import { judge } from './commands/judge.ts';
import { kcidb } from './commands/kcidb.ts';
import { host } from './commands/host.ts';
import { image } from './commands/image.ts';
import { kconfig } from './commands/kconfig.ts';
import { kernels } from './commands/kernels.ts';
import { matrix } from './commands/matrix.ts';
import { merge } from './commands/merge.ts';
import { report } from './commands/report.ts';
import { repro } from './commands/repro.ts';
import { run } from './commands/run.ts';
import { shell } from './commands/shell.ts';
import { topologies } from './commands/topologies.ts';

export const COMMANDS: Record<string, Command> = { run, findings, judge, matrix, exec, shell, repro, bisect, kconfig, merge, report, kcidb, image, cache, kernels, topologies, doctor, host, bench };

export function commandNames(): string[] {
  return Object.keys(COMMANDS);
}

/** The command of that name; a name like `__proto__` or `toString` is not one. */
export function commandNamed(name: string): Command | undefined {
  return Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
}
