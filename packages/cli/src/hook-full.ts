/** The hook's own computation, bundled apart (dist/hook-full.js): see hook-command.ts. */
export { runHook } from './commands/hook.js';
