// How failures leave the CLI: bad input is exit 2 with one line; everything else names what failed.
import { InputError } from '../util/input-error.ts';

export class UsageError extends InputError {}

/**
 * 0 nothing failed; 1 the kernel failed cases (or diverged); 2 bad input; 3 the harness could not finish the
 * job (a download, a guest that never came up, a harness bug), which says nothing about the kernel, so a
 * bisect step never counts it as bad; 125 cannot test (git bisect's skip); 130/143 interrupted.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, error: 3, cannotTest: 125 } as const;
