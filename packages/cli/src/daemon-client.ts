import { lstatSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import {
  type HookAnswer,
  type HookRequest,
  PROTOCOL_VERSION,
  parseHookReply,
} from '@devbinder/daemon/protocol';

/**
 * Connect and answer together, from the first byte sent: a daemon that is hung, overloaded or
 * stuck in a plugin must not stall container creation; the hook then does the work itself.
 */
export const DAEMON_ANSWER_BOUND_MS = 1000;

/**
 * Why a socket must not be trusted, or undefined when it may be: it and its directory must belong
 * to root and be writable by no one else, so only root can have put a daemon there. (The daemon
 * makes the socket 0600: only root can connect at all.)
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

/**
 * Asks the hot-plug daemon for the hook's answer. Undefined whenever the daemon cannot be used:
 * no daemon, an untrusted socket, no complete answer within the bound, a malformed or declined
 * answer. The caller then computes the answer itself, which is the same by construction: both go
 * through the same function with the same engine and plugins.
 */
export function askDaemon(
  socketPath: string,
  request: Omit<HookRequest, 'version' | 'kind'>,
  boundMs = DAEMON_ANSWER_BOUND_MS,
): Promise<HookAnswer | undefined> {
  if (socketTrustProblem(socketPath) !== undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let settled = false;
    const socket = connect(socketPath);
    const finish = (answer: HookAnswer | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => finish(undefined), boundMs);
    socket.on('error', () => finish(undefined));
    socket.on('connect', () => {
      const body: HookRequest = { version: PROTOCOL_VERSION, kind: 'hook', ...request };
      socket.write(`${JSON.stringify(body)}\n`);
    });
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => {
      const reply = parseHookReply(Buffer.concat(chunks).toString('utf8'));
      finish(reply?.kind === 'hook' ? reply : undefined);
    });
  });
}
