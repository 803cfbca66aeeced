/**
 * The daemon's control socket: one request per connection, one JSON object per line each way.
 * This module imports only constants and node:fs, so the hook's entry can bundle it and stay
 * small: the hook asks the daemon at every container start.
 */
import { lstatSync } from 'node:fs';
import { dirname } from 'node:path';

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

/**
 * Why the hook must not trust a socket, or undefined when it may: it and its directory must belong
 * to root and be writable by no one else, so only root can have put a daemon there. (The daemon
 * makes the socket 0600: only root can connect at all; it checks this at start too, since hooks
 * would never use a socket that fails it.)
 */
export function socketTrustProblem(path: string): string | undefined {
  try {
    const directory = lstatSync(dirname(path));
    if (!directory.isDirectory() || directory.uid !== 0 || (directory.mode & 0o022) !== 0) {
      return `${dirname(path)} is not a directory only root can write`;
    }
    const socket = lstatSync(path);
    if (!socket.isSocket()) return `${path} is not a socket`;
    if (socket.uid !== 0 || (socket.mode & 0o077) !== 0) {
      return `${path} is not a socket only root can use (owner ${socket.uid}, mode ${(socket.mode & 0o777).toString(8)})`;
    }
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
