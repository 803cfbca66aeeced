#!/usr/bin/env node
/**
 * Entry point. The hook runs at every container start, so its path loads as little as possible:
 * options read by hand (hook-fast-path.ts), then a question to the hot-plug daemon over its socket; the
 * hook's own computation (hook-full.cjs) and the full command line parser (program.js) are
 * separate bundles, loaded only when needed.
 *
 * scripts/bundle.mjs builds this file twice: dist/devbinder.js (the `devbinder` command) and
 * dist/hook.cjs, which hooks.d runs: Node starts a CommonJS file ~10 ms sooner than an ES module,
 * at every container start. Hence no top-level await here.
 */
import { reportFailure } from './failure.js';
import { runHookCommand } from './hook-command.js';
import { parsePlainHook } from './hook-fast-path.js';

const hookOptions = parsePlainHook(process.argv.slice(2));
if (hookOptions) {
  runHookCommand(hookOptions).then((code) => process.exit(code), reportFailure);
} else {
  import('./program.js').then(({ main }) => main(), reportFailure);
}
