#!/usr/bin/env node
/**
 * Entry point. The hook runs at every container start, so its code is loaded with the entry itself
 * (one or two files instead of a chain of chunks) and parsed without commander; every other
 * command line goes through the full parser in program.ts, loaded only then.
 */
import { runHook } from './commands/hook.js';
import { reportFailure } from './failure.js';
import { parsePlainHook } from './hook-fast-path.js';

const hookOptions = parsePlainHook(process.argv.slice(2));
if (hookOptions) {
  try {
    process.exit(await runHook(hookOptions));
  } catch (error) {
    reportFailure(error);
  }
} else {
  const { main } = await import('./program.js');
  await main();
}
