/**
 * The daemon's control socket: one request per connection, one JSON object per line each way.
 * This module imports only constants, so the hook's entry can bundle it and stay small: the hook
 * asks the daemon at every container start.
 */

export { DEFAULT_DAEMON_SOCKET } from './paths.js';

export const PROTOCOL_VERSION = 1;

/** The hook asks for its answer: the runtime config it read on stdin, and where it finds plugins. */
export interface HookRequest {
  version: typeof PROTOCOL_VERSION;
  kind: 'hook';
  config: string;
  /** `--plugin-dir` values, absolute; the daemon declines when it searches other directories. */
  pluginDirs: string[];
  /** `--config` (plugin limits), absolute, when given; the daemon declines when it uses another. */
  hostConfig?: string;
}

export interface StatusRequest {
  version: typeof PROTOCOL_VERSION;
  kind: 'status';
}

export type ControlRequest = HookRequest | StatusRequest;

/** Exactly what the hook prints and how it exits, had it done the work itself. */
export interface HookAnswer {
  kind: 'hook';
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** The daemon cannot answer this one as the hook would (other plugins, an internal error). */
export interface Declined {
  kind: 'declined';
  reason: string;
}

export type HookReply = HookAnswer | Declined;

/**
 * Reads the daemon's reply to a hook request. Anything malformed is undefined: the hook then does
 * the work itself rather than trust it.
 */
export function parseHookReply(text: string): HookReply | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const reply = value as Record<string, unknown>;
  if (reply.kind === 'declined' && typeof reply.reason === 'string') {
    return { kind: 'declined', reason: reply.reason };
  }
  if (
    reply.kind === 'hook' &&
    Number.isInteger(reply.exitCode) &&
    typeof reply.stdout === 'string' &&
    typeof reply.stderr === 'string'
  ) {
    return {
      kind: 'hook',
      exitCode: reply.exitCode as number,
      stdout: reply.stdout,
      stderr: reply.stderr,
    };
  }
  return undefined;
}
