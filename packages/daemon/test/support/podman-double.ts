/**
 * A stand-in for Podman's API on a unix socket, for tests of how the daemon copes with Podman:
 * either an empty Podman of its own (no containers, events pushed by the test) or a proxy in front
 * of a real Podman service that can hold back answers. It counts what the daemon does from the
 * server's side: connections, events streams opened and open.
 */
import { rmSync } from 'node:fs';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  request,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { Socket } from 'node:net';

const EVENTS = /^\/v[\d.]+\/libpod\/events(\?|$)/;

/**
 * `answer`: serve requests; `hang-up`: close every connection as soon as it is made (a Podman
 * service that keeps failing); `silent`: accept requests and never answer (a hung service).
 */
export type DoubleMode = 'answer' | 'hang-up' | 'silent';

interface HeldAnswer {
  response: ServerResponse;
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export class PodmanDouble {
  mode: DoubleMode = 'answer';
  /** Connections accepted, whatever happened to them. */
  connections = 0;
  /** Events streams answered with 200. */
  eventStreamsOpened = 0;
  /** Paths asked for, in order (query strings cut off). */
  readonly requests: string[] = [];
  private server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly streams = new Set<ServerResponse>();
  private readonly unanswered = new Set<ServerResponse>();
  /** While events are paused (proxy), what Podman sent meanwhile, per stream. */
  private paused: Map<ServerResponse, Buffer[]> | undefined;
  private holding: ((path: string) => boolean) | undefined;
  private readonly held: HeldAnswer[] = [];
  private readonly heldListeners = new Set<() => void>();

  private constructor(
    readonly socket: string,
    private readonly upstream: string | undefined,
  ) {
    this.server = this.createServer();
  }

  /** `upstream`: a real Podman API socket to forward to; without it, an empty Podman. */
  static async listen(socket: string, upstream?: string): Promise<PodmanDouble> {
    const double = new PodmanDouble(socket, upstream);
    await double.open();
    return double;
  }

  /** Events streams open now. */
  get openEventStreams(): number {
    return this.streams.size;
  }

  /** Requests the `silent` double has not answered, whose connection is still open. */
  get pendingRequests(): number {
    return this.unanswered.size;
  }

  /** Closes every connection (and so every events stream), keeping the socket. */
  dropConnections(): void {
    for (const socket of this.sockets) socket.destroy();
  }

  /** Sends an event line to every open events stream (the empty Podman only). */
  emit(event: Record<string, unknown>): void {
    for (const stream of this.streams) stream.write(`${JSON.stringify(event)}\n`);
  }

  /** Podman goes away: nothing listens, the socket file is removed. */
  async close(): Promise<void> {
    this.dropConnections();
    for (const response of this.unanswered) response.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.socket, { force: true });
  }

  /** Podman is back on the same socket. */
  async open(): Promise<void> {
    this.server = this.createServer();
    rmSync(this.socket, { force: true });
    await new Promise<void>((resolve) => this.server.listen(this.socket, resolve));
  }

  /** Proxy: hold back what Podman sends on events streams until `resumeEvents`. */
  pauseEvents(): void {
    this.paused ??= new Map();
  }

  resumeEvents(): void {
    const paused = this.paused;
    this.paused = undefined;
    for (const [stream, chunks] of paused ?? []) for (const chunk of chunks) stream.write(chunk);
  }

  /**
   * From now on, answers to requests whose path `matches` are held back until `release()`. A
   * proxy fetches them from Podman at once: the daemon then acts on what was true when it asked.
   */
  hold(matches: (path: string) => boolean): void {
    this.holding = matches;
  }

  /** Waits until an answer to a path `matches` is held. */
  async waitForHeld(matches: (path: string) => boolean): Promise<void> {
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!this.held.some(({ response }) => matches(response.req.url ?? ''))) return;
        this.heldListeners.delete(check);
        resolve();
      };
      this.heldListeners.add(check);
      check();
    });
  }

  /** Stops holding and delivers every held answer. */
  release(): void {
    this.holding = undefined;
    for (const { response, status, headers, body } of this.held.splice(0)) {
      response.writeHead(status, headers);
      response.end(body);
    }
  }

  private createServer(): Server {
    const server = createServer((incoming, response) => this.serve(incoming, response));
    server.on('connection', (socket: Socket) => {
      this.connections++;
      if (this.mode === 'hang-up') {
        socket.destroy();
        return;
      }
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    return server;
  }

  private serve(incoming: IncomingMessage, response: ServerResponse): void {
    const url = incoming.url ?? '';
    this.requests.push(url.split('?')[0] ?? url);
    if (this.mode === 'silent') {
      this.unanswered.add(response);
      response.once('close', () => this.unanswered.delete(response));
      return;
    }
    if (this.upstream !== undefined) {
      this.forward(incoming, response, this.upstream);
      return;
    }
    if (EVENTS.test(url)) {
      this.openStream(response, 200, { 'content-type': 'application/json' });
      return;
    }
    const [status, body] = url.endsWith('/version')
      ? [200, { Version: '4.3.1-double' }]
      : /\/containers\/json(\?|$)/.test(url)
        ? [200, []]
        : /\/containers\/[^/]+\/json$/.test(url)
          ? [404, { cause: 'no such container', response: 404 }]
          : [404, { cause: 'not implemented by the double', response: 404 }];
    this.answer(response, status, { 'content-type': 'application/json' }, JSON.stringify(body));
  }

  /** Answers, unless answers to this path are held. */
  private answer(
    response: ServerResponse,
    status: number,
    headers: IncomingHttpHeaders,
    body: Buffer | string,
  ): void {
    if (this.holding?.(response.req.url ?? '')) {
      this.held.push({ response, status, headers, body: Buffer.from(body) });
      for (const listener of [...this.heldListeners]) listener();
      return;
    }
    response.writeHead(status, headers);
    response.end(body);
  }

  private openStream(response: ServerResponse, status: number, headers: IncomingHttpHeaders) {
    this.eventStreamsOpened++;
    this.streams.add(response);
    response.once('close', () => {
      this.streams.delete(response);
      this.paused?.delete(response);
    });
    response.writeHead(status, headers);
    response.flushHeaders();
  }

  private forward(incoming: IncomingMessage, response: ServerResponse, upstream: string): void {
    const url = incoming.url ?? '';
    const call = request(
      { socketPath: upstream, path: url, method: incoming.method, headers: incoming.headers },
      (answer) => {
        const status = answer.statusCode ?? 502;
        if (EVENTS.test(url) && status === 200) {
          this.openStream(response, status, answer.headers);
          answer.on('data', (chunk: Buffer) => {
            const paused = this.paused;
            if (paused === undefined) response.write(chunk);
            else paused.set(response, [...(paused.get(response) ?? []), chunk]);
          });
          answer.on('end', () => response.end());
          response.once('close', () => call.destroy());
          return;
        }
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('end', () =>
          this.answer(response, status, answer.headers, Buffer.concat(chunks)),
        );
      },
    );
    call.on('error', () => response.destroy());
    incoming.pipe(call);
  }
}

/** An events-stream line as Podman 4.3 writes it for a container. */
export function containerEvent(action: string, id: string, name: string) {
  return {
    Type: 'container',
    Action: action,
    Actor: { ID: id, Attributes: { name } },
    time: Math.floor(Date.now() / 1000),
  };
}
