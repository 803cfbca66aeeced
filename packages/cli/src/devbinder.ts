#!/usr/bin/env node
/**
 * Entry point. The hook, run at every container start, takes a fast path that loads only what it
 * needs; every other command line goes through the full parser in program.ts.
 */
import { parsePlainHook } from './hook-fast-path.js';

const hookOptions = parsePlainHook(process.argv.slice(2));
if (hookOptions) {
  try {
    const { runHook } = await import('./commands/hook.js');
    process.exit(await runHook(hookOptions));
  } catch (error) {
    const { reportFailure } = await import('./failure.js');
    reportFailure(error);
  }
} else {
  const { main } = await import('./program.js');
  await main();
}
