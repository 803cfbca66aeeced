import { type ClientRequest, type IncomingMessage, request } from 'node:http';

/** The libpod API version the paths are written against; Podman 4.x and 5.x serve it. */
const API = '/v4.0.0/libpod';

/** What the daemon needs to know about one container, validated at the boundary. */
export interface ContainerInfo {
  id: string;
  name: string;
  running: boolean;
  /** The container's init process on the host; 0 when it is not running. */
  pid: number;
  /** Identifies one run of the container: a restart is a new run with a new process. */
  startedAt: string;
  annotations: Readonly<Record<string, string>>;
  /** The runtime config the container was created with (after precreate hooks). */
  ociConfigPath: string | undefined;
}

/** A container lifecycle event the daemon follows. */
export interface ContainerEvent {
  action: 'start' | 'died' | 'remove';
  id: string;
  name: string;
}

export class PodmanError extends Error {
  override name = 'PodmanError';
}

/** Parses `GET /libpod/containers/json`: the ids of the listed containers. */
export function parseContainerList(body: unknown, origin: string): string[] {
  if (!Array.isArray(body))
    throw new PodmanError(`${origin}: expected an array, got ${kind(body)}`);
  return body.map((entry, index) => {
    if (!isRecord(entry) || typeof entry.Id !== 'string' || !/^[0-9a-f]{64}$/.test(entry.Id)) {
      throw new PodmanError(`${origin}[${index}]: expected an object with a 64-hex-digit "Id"`);
    }
    return entry.Id;
  });
}

/** Parses `GET /libpod/containers/{id}/json` (Podman 4.3 field names). */
export function parseContainerInspect(body: unknown, origin: string): ContainerInfo {
  if (!isRecord(body)) throw new PodmanError(`${origin}: expected an object, got ${kind(body)}`);
  const id = body.Id;
  if (typeof id !== 'string' || !/^[0-9a-f]{64}$/.test(id)) {
    throw new PodmanError(`${origin}.Id: expected 64 hex digits, got ${kind(id)}`);
  }
  const state = body.State;
  if (!isRecord(state)) throw new PodmanError(`${origin}.State: expected an object`);
  const running = state.Running;
  if (typeof running !== 'boolean') {
    throw new PodmanError(`${origin}.State.Running: expected a boolean, got ${kind(running)}`);
  }
  const pid = state.Pid;
  if (typeof pid !== 'number' || !Number.isInteger(pid) || pid < 0) {
    throw new PodmanError(`${origin}.State.Pid: expected a process id, got ${kind(pid)}`);
  }
  const startedAt = state.StartedAt;
  if (typeof startedAt !== 'string') {
    throw new PodmanError(`${origin}.State.StartedAt: expected a string, got ${kind(startedAt)}`);
  }
  const config = body.Config;
  if (!isRecord(config)) throw new PodmanError(`${origin}.Config: expected an object`);
  const annotations: Record<string, string> = {};
  const raw = config.Annotations;
  if (raw !== undefined && raw !== null) {
    if (!isRecord(raw)) throw new PodmanError(`${origin}.Config.Annotations: expected an object`);
    for (const [key, value] of Object.entries(raw)) {
      if (typeof value !== 'string') {
        throw new PodmanError(
          `${origin}.Config.Annotations[${JSON.stringify(key)}]: expected a string, got ${kind(value)}`,
        );
      }
      annotations[key] = value;
    }
  }
  const name = typeof body.Name === 'string' ? body.Name : id.slice(0, 12);
  const ociConfigPath = typeof body.OCIConfigPath === 'string' ? body.OCIConfigPath : undefined;
  return { id, name, running, pid: running ? pid : 0, startedAt, annotations, ociConfigPath };
}

const FOLLOWED = new Set(['start', 'died', 'remove']);

/** Parses one line of the events stream; undefined for events the daemon does not follow. */
export function parseContainerEvent(line: string, origin: string): ContainerEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    throw new PodmanError(`${origin}: not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw new PodmanError(`${origin}: expected an object, got ${kind(value)}`);
  if (value.Type !== 'container') return undefined;
  const action = value.Action;
  if (typeof action !== 'string') throw new PodmanError(`${origin}.Action: expected a string`);
  if (!FOLLOWED.has(action)) return undefined;
  const actor = value.Actor;
  if (!isRecord(actor) || typeof actor.ID !== 'string' || !/^[0-9a-f]{64}$/.test(actor.ID)) {
    throw new PodmanError(`${origin}.Actor.ID: expected 64 hex digits`);
  }
  const attributes = isRecord(actor.Attributes) ? actor.Attributes : {};
  const name = typeof attributes.name === 'string' ? attributes.name : actor.ID.slice(0, 12);
  return { action: action as ContainerEvent['action'], id: actor.ID, name };
}

/** How long one API call may take, and how long Podman may take to accept an events stream. */
const REQUEST_TIMEOUT_MS = 10_000;

/** A small client for the few libpod endpoints the daemon uses, over Podman's unix socket. */
export class PodmanClient {
  /** `signal` aborts every call under way and every stream: the daemon stops. */
  constructor(
    readonly socketPath: string,
    private readonly signal?: AbortSignal,
  ) {}

  /** The Podman version the service reports; fails when nothing answers on the socket. */
  async version(): Promise<string> {
    const body = await this.getJson(`${API}/version`);
    if (!isRecord(body) || typeof body.Version !== 'string') {
      throw new PodmanError(`${this.socketPath}: /libpod/version has no "Version"`);
    }
    return body.Version;
  }

  async runningContainers(): Promise<string[]> {
    const filters = encodeURIComponent(JSON.stringify({ status: ['running'] }));
    const path = `${API}/containers/json?filters=${filters}`;
    return parseContainerList(await this.getJson(path), `${this.socketPath} ${path}`);
  }

  /** Undefined when the container no longer exists. */
  async inspect(id: string): Promise<ContainerInfo | undefined> {
    const path = `${API}/containers/${encodeURIComponent(id)}/json`;
    const body = await this.getJson(path, { allowNotFound: true });
    if (body === undefined) return undefined;
    return parseContainerInspect(body, `${this.socketPath} ${path}`);
  }

  /**
   * Follows container start/died/remove events. Resolves once Podman has accepted the
   * subscription (so nothing after that is missed), and rejects when it does not (no answer,
   * another status, within REQUEST_TIMEOUT_MS). `onEnd` is called once, and only for a stream
   * that was accepted, when it ends; never after `close()`.
   */
  followEvents(handlers: {
    onEvent(event: ContainerEvent): void;
    onMalformed(message: string): void;
    onEnd(reason: string): void;
  }): Promise<{ close(): void }> {
    const filters = encodeURIComponent(
      JSON.stringify({ type: ['container'], event: [...FOLLOWED] }),
    );
    const path = `${API}/events?stream=true&filters=${filters}`;
    return new Promise((resolve, reject) => {
      let accepted = false;
      let ended = false;
      const end = (reason: string) => {
        if (ended) return;
        ended = true;
        handlers.onEnd(reason);
      };
      const call: ClientRequest = request(
        { socketPath: this.socketPath, path, ...(this.signal ? { signal: this.signal } : {}) },
        (response) => {
          clearTimeout(acceptTimer);
          if (response.statusCode !== 200) {
            response.resume();
            call.destroy();
            reject(new PodmanError(`${this.socketPath} ${path}: HTTP ${response.statusCode}`));
            return;
          }
          accepted = true;
          resolve({
            close: () => {
              ended = true;
              call.destroy();
            },
          });
          response.setEncoding('utf8');
          let buffered = '';
          let lineNumber = 0;
          response.on('data', (chunk: string) => {
            buffered += chunk;
            for (let newline = buffered.indexOf('\n'); newline !== -1; ) {
              const line = buffered.slice(0, newline).trim();
              buffered = buffered.slice(newline + 1);
              newline = buffered.indexOf('\n');
              lineNumber++;
              if (line === '') continue;
              try {
                const event = parseContainerEvent(line, `events line ${lineNumber}`);
                if (event) handlers.onEvent(event);
              } catch (error) {
                handlers.onMalformed((error as Error).message);
              }
            }
          });
          response.on('end', () => end('the events stream ended'));
          response.on('close', () => end('the events stream closed'));
          response.on('error', (error) => end(`the events stream failed: ${error.message}`));
        },
      );
      const acceptTimer = setTimeout(
        () => call.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
        REQUEST_TIMEOUT_MS,
      );
      call.on('error', (error) => {
        clearTimeout(acceptTimer);
        // Before Podman accepted the stream this is a failed attempt, which the caller handles;
        // after, the response's own events report the end.
        if (!accepted) {
          reject(new PodmanError(`cannot reach Podman at ${this.socketPath}: ${error.message}`));
        } else {
          end(`the events stream failed: ${error.message}`);
        }
      });
      call.end();
    });
  }

  private getJson(path: string, options: { allowNotFound?: boolean } = {}): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const call = request(
        {
          socketPath: this.socketPath,
          path,
          timeout: REQUEST_TIMEOUT_MS,
          ...(this.signal ? { signal: this.signal } : {}),
        },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', (error) => reject(new PodmanError(`${path}: ${error.message}`)));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (options.allowNotFound && isNoSuchContainer(response.statusCode, text)) {
              return resolve(undefined);
            }
            if (response.statusCode !== 200) {
              return reject(
                new PodmanError(`${path}: HTTP ${response.statusCode}: ${text.slice(0, 300)}`),
              );
            }
            try {
              resolve(JSON.parse(text));
            } catch (error) {
              reject(new PodmanError(`${path}: not JSON: ${(error as Error).message}`));
            }
          });
        },
      );
      call.on('timeout', () =>
        call.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)),
      );
      call.on('error', (error) =>
        reject(new PodmanError(`cannot reach Podman at ${this.socketPath}: ${error.message}`)),
      );
      call.end();
    });
  }
}

/**
 * Podman answers 404 for an unknown container, but 500 with cause "no such container" for one
 * removed while it looked it up (seen with 4.3 when a container exits during an inspect).
 */
export function isNoSuchContainer(status: number | undefined, body: string): boolean {
  if (status === 404) return true;
  if (status !== 500) return false;
  try {
    const error = JSON.parse(body) as { cause?: unknown };
    return error.cause === 'no such container';
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
