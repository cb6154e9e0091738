#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so a clone works after `npm ci` with no build step to go stale.
import { register } from 'tsx/esm/api';
register();
await import('../harness/cli/main.ts');
