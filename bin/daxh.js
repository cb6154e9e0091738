#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a clone works after `npm ci` with no build step to go stale.
// This is the composition root: the suites register themselves, then the CLI (which never imports them) runs.
import { register } from 'tsx/esm/api';
register();
await import('../suites/index.ts');
await import('../harness/cli/main.ts');
