import { chmodSync, lstatSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { dirname } from 'node:path';
import {
  type ControlRequest,
  type HookReply,
  type HookRequest,
  PROTOCOL_VERSION,
} from './protocol.js';

/** A runtime config is at most 16 MiB; JSON escaping can double it. */
const MAX_REQUEST_BYTES = 40 * 2 ** 20;

export interface ControlHandlers {
  hook(request: HookRequest): Promise<HookReply>;
  status(): unknown;
}

export class ControlError extends Error {
  override name = 'ControlError';
}

/** Validates a request read from the socket; a string says what is wrong. */
export function parseControlRequest(text: string): ControlRequest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${(error as Error).message}`;
  }
  if (typeof value !== 'object' || value === null) return 'not a JSON object';
  const request = value as Record<string, unknown>;
  if (request.version !== PROTOCOL_VERSION) {
    return `protocol version ${String(request.version)}, this daemon speaks ${PROTOCOL_VERSION}`;
  }
  if (request.kind === 'status') return { version: PROTOCOL_VERSION, kind: 'status' };
  if (request.kind === 'hook') {
    if (typeof request.config !== 'string') return 'hook: "config" must be a string';
    const dirs = request.pluginDirs;
    if (!Array.isArray(dirs) || !dirs.every((dir) => typeof dir === 'string')) {
      return 'hook: "pluginDirs" must be an array of strings';
    }
    const hostConfig = request.hostConfig;
    if (hostConfig !== undefined && typeof hostConfig !== 'string') {
      return 'hook: "hostConfig" must be a string';
    }
    return {
      version: PROTOCOL_VERSION,
      kind: 'hook',
      config: request.config,
      pluginDirs: dirs,
      ...(hostConfig === undefined ? {} : { hostConfig }),
    };
  }
  return `unknown request kind ${JSON.stringify(request.kind)}`;
}

/**
 * The control socket. Only root may connect: the socket is 0600 root in a directory only root can
 * write (Node cannot read peer credentials, so the file mode is the gate, as for Podman's own
 * socket). It is bound under a temporary name, restricted, then renamed into place, so it is never
 * reachable with a wider mode. A socket that still answers belongs to another daemon: refuse.
 */
export class ControlServer {
  private constructor(
    private readonly server: Server,
    readonly path: string,
    private readonly inode: bigint,
  ) {}

  static async listen(path: string, handlers: ControlHandlers): Promise<ControlServer> {
    if (await answers(path)) {
      throw new ControlError(`another devbinder daemon is listening on ${path}`);
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
    const server = createServer((socket) => serve(socket, handlers));
    const temporary = `${path}.${process.pid}.tmp`;
    rmSync(temporary, { force: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(temporary, () => {
        server.off('error', reject);
        resolve();
      });
    });
    chmodSync(temporary, 0o600);
    renameSync(temporary, path);
    return new ControlServer(server, path, lstatSync(path, { bigint: true }).ino);
  }

  async close(): Promise<void> {
    // Remove the socket only if it is still ours (a newer daemon may have replaced it).
    try {
      if (lstatSync(this.path, { bigint: true }).ino === this.inode) rmSync(this.path);
    } catch {
      // Already gone.
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(path);
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
    socket.setTimeout(1000, () => done(false));
  });
}

function serve(socket: Socket, handlers: ControlHandlers): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let handled = false;
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    if (handled) return;
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) {
      handled = true;
      reply(socket, { kind: 'declined', reason: 'request too large' });
      return;
    }
    const newline = chunk.indexOf(10);
    if (newline === -1) {
      chunks.push(chunk);
      return;
    }
    chunks.push(chunk.subarray(0, newline));
    handled = true;
    void answer(Buffer.concat(chunks).toString('utf8'), handlers).then((response) =>
      reply(socket, response),
    );
  });
}

async function answer(text: string, handlers: ControlHandlers): Promise<unknown> {
  const request = parseControlRequest(text);
  if (typeof request === 'string') return { kind: 'declined', reason: request };
  try {
    if (request.kind === 'status') return { kind: 'status', status: handlers.status() };
    return await handlers.hook(request);
  } catch (error) {
    // The hook then does the work itself, and reports the same error its own way.
    return { kind: 'declined', reason: `daemon error: ${(error as Error).message}` };
  }
}

function reply(socket: Socket, response: unknown): void {
  socket.end(`${JSON.stringify(response)}\n`);
}

/** Asks a running daemon for its status (for `devbinder daemon status`). */
export function requestStatus(path: string, timeoutMs = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new ControlError(`no answer on ${path} within ${timeoutMs} ms`)),
    );
    socket.on('connect', () =>
      socket.write(`${JSON.stringify({ version: PROTOCOL_VERSION, kind: 'status' })}\n`),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error) =>
      reject(new ControlError(`cannot reach the daemon on ${path}: ${error.message}`)),
    );
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const response = JSON.parse(text) as { kind?: unknown; status?: unknown; reason?: unknown };
        if (response.kind === 'status') return resolve(response.status);
        reject(new ControlError(`the daemon declined: ${String(response.reason)}`));
      } catch {
        reject(new ControlError(`the daemon on ${path} answered something that is not JSON`));
      }
    });
  });
}
