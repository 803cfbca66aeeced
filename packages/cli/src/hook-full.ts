/** The hook's own computation, bundled apart (dist/hook-full.cjs): see hook-command.ts. */
export { runHook } from './commands/hook.js';
