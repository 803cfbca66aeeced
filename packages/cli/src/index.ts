export type { ExplainReport } from './commands/explain.js';
export { HOOK_FILE, hookConfig } from './commands/hook-config.js';
export { CliError, ExitCode } from './exit-codes.js';
