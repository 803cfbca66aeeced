import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { socketTrustProblem } from '@devbinder/daemon/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runHookEntry } from '../../../test-support/podman.js';
import { askDaemon, DAEMON_ANSWER_BOUND_MS } from '../src/daemon-client.js';

/*
 * The hook's side of the daemon socket: it trusts only a socket root alone can have made, waits a
 * bounded time, and takes nothing it cannot read as an answer. Root only (sockets owned by root).
 */

const REQUEST = { config: '{}', pluginDirs: [] };
const ANSWER = { kind: 'hook', exitCode: 0, stdout: '{"from":"daemon"}', stderr: '' };
/**
 * How much later than the bound a fallback may come: generous, for a loaded machine. These fake
 * daemons never answer, so a client that kept waiting past its bound fails here.
 */
const SLACK_MS = 5000;

let dir: string;
let server: Server | undefined;
let connections: number;

/** A stand-in daemon on `<dir>/run/daemon.sock` that answers each request with `respond`. */
async function fakeDaemon(
  respond: (request: string, socket: Socket) => void,
  options: { socketMode?: number; dirMode?: number } = {},
): Promise<string> {
  const runDir = join(dir, 'run');
  await mkdir(runDir, { mode: 0o755 });
  const path = join(runDir, 'daemon.sock');
  server = createServer((socket) => {
    connections++;
    socket.on('data', (chunk: Buffer) => respond(chunk.toString('utf8'), socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server?.listen(path, resolve));
  await chmod(path, options.socketMode ?? 0o600);
  await chmod(runDir, options.dirMode ?? 0o755);
  return path;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'devbinder-client-'));
  connections = 0;
});

afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

describe('askDaemon', () => {
  it('returns a trusted daemon’s answer', async () => {
    let asked = '';
    const path = await fakeDaemon((request, socket) => {
      asked = request;
      socket.end(`${JSON.stringify(ANSWER)}\n`);
    });
    expect(socketTrustProblem(path)).toBeUndefined();
    expect(await askDaemon(path, REQUEST)).toEqual(ANSWER);
    expect(JSON.parse(asked)).toEqual({ version: 1, kind: 'hook', ...REQUEST });
  });

  it('does not even connect to a socket others may use, or in a directory others may write', async () => {
    const respond = (_: string, socket: Socket) => socket.end(`${JSON.stringify(ANSWER)}\n`);
    const open = await fakeDaemon(respond, { socketMode: 0o666 });
    expect(socketTrustProblem(open)).toMatch(
      /is not a socket only root can use \(owner 0, mode 666\)/,
    );
    expect(await askDaemon(open, REQUEST)).toBeUndefined();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await rm(join(dir, 'run'), { recursive: true });

    const shared = await fakeDaemon(respond, { dirMode: 0o777 });
    expect(socketTrustProblem(shared)).toMatch(/is not a directory only root can write$/);
    expect(await askDaemon(shared, REQUEST)).toBeUndefined();
    expect(connections).toBe(0);
  });

  it('gives up on a daemon that does not answer within the bound', async () => {
    const path = await fakeDaemon(() => {});
    const started = performance.now();
    expect(await askDaemon(path, REQUEST, 300)).toBeUndefined();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(300 + SLACK_MS);
    expect(connections).toBe(1);
  });

  it('takes neither a malformed answer, nor a refusal to answer, as an answer', async () => {
    const replies = [
      '{"kind":"hook","exitCode":"0"}\n',
      'not json\n',
      '{"kind":"declined","reason":"x"}\n',
    ];
    const path = await fakeDaemon((_, socket) => socket.end(replies.shift() ?? ''));
    for (let i = 0; i < 3; i++) expect(await askDaemon(path, REQUEST)).toBeUndefined();
  });

  it('a missing daemon costs nothing: no socket, no answer', async () => {
    expect(await askDaemon(join(dir, 'none.sock'), REQUEST)).toBeUndefined();
  });
});

describe('the hook with a hung daemon', () => {
  it('does the work itself after the bound, with the same output', async () => {
    const path = await fakeDaemon(() => {});
    const input = '{"ociVersion":"1.0.2","annotations":{"x":"y"}}';
    const started = performance.now();
    const result = await runHookEntry(['--daemon-socket', path], input);
    const elapsed = performance.now() - started;
    expect(result).toEqual({ stdout: input, stderr: '', exitCode: 0 });
    expect(connections).toBe(1);
    expect(elapsed).toBeGreaterThanOrEqual(DAEMON_ANSWER_BOUND_MS);
    // The hook then starts Node, reads the config and finds nothing to do: seconds at most.
    expect(elapsed).toBeLessThan(DAEMON_ANSWER_BOUND_MS + SLACK_MS);
  });
});
