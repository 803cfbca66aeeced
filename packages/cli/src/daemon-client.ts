import { connect } from 'node:net';
import {
  type HookAnswer,
  type HookRequest,
  PROTOCOL_VERSION,
  parseHookReply,
  socketTrustProblem,
} from '@devbinder/daemon/protocol';

/**
 * Connect and answer together, from the first byte sent: a daemon that is hung, overloaded or
 * stuck in a plugin must not stall container creation; the hook then does the work itself.
 */
export const DAEMON_ANSWER_BOUND_MS = 1000;

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
