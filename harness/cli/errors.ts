// How failures leave the CLI: bad input is exit 2 with one line; everything else names what failed.
export class UsageError extends Error {}

export const EXIT = { ok: 0, failed: 1, usage: 2, cannotTest: 125 } as const;
