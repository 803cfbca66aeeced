import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ControlServer, parseControlRequest, requestStatus } from '../src/control.js';
import type { HookRequest } from '../src/protocol.js';

describe('parseControlRequest', () => {
  it('accepts the two requests', () => {
    expect(parseControlRequest('{"version":1,"kind":"status"}')).toEqual({
      version: 1,
      kind: 'status',
    });
    expect(
      parseControlRequest('{"version":1,"kind":"hook","config":"{}","pluginDirs":["/p"]}'),
    ).toEqual({ version: 1, kind: 'hook', config: '{}', pluginDirs: ['/p'] });
  });

  it('says what is wrong with anything else', () => {
    expect(parseControlRequest('nope')).toMatch(/^not JSON/);
    expect(parseControlRequest('{"version":2,"kind":"status"}')).toBe(
      'protocol version 2, this daemon speaks 1',
    );
    expect(parseControlRequest('{"version":1,"kind":"hook","config":{}}')).toBe(
      'hook: "config" must be a string',
    );
    expect(parseControlRequest('{"version":1,"kind":"hook","config":"","pluginDirs":[1]}')).toBe(
      'hook: "pluginDirs" must be an array of strings',
    );
    expect(parseControlRequest('{"version":1,"kind":"reboot"}')).toBe(
      'unknown request kind "reboot"',
    );
  });
});

/** Sends one line and returns the reply line. */
function ask(path: string, line: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = connect(path);
    const chunks: Buffer[] = [];
    socket.on('connect', () => socket.write(`${line}\n`));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    socket.on('error', reject);
  });
}

describe('ControlServer', () => {
  let dir: string;
  const servers: ControlServer[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function listen(handlers: Parameters<typeof ControlServer.listen>[1]) {
    const server = await ControlServer.listen(join(dir, 'run', 'daemon.sock'), handlers);
    servers.push(server);
    return server;
  }

  it('answers hook and status requests on a socket only its owner can use', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-control-'));
    const asked: HookRequest[] = [];
    const server = await listen({
      async hook(request) {
        asked.push(request);
        return { kind: 'hook', exitCode: 0, stdout: request.config, stderr: '' };
      },
      status: () => ({ containers: [] }),
    });
    expect(statSync(server.path).mode & 0o777).toBe(0o600);
    const request = { version: 1, kind: 'hook', config: '{"a":1}', pluginDirs: [] };
    expect(await ask(server.path, JSON.stringify(request))).toEqual({
      kind: 'hook',
      exitCode: 0,
      stdout: '{"a":1}',
      stderr: '',
    });
    expect(asked).toEqual([request]);
    expect(await requestStatus(server.path)).toEqual({ containers: [] });
  });

  it('declines a malformed request and a failing handler, without failing itself', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-control-'));
    const server = await listen({
      hook: async () => {
        throw new Error('plugin host is gone');
      },
      status: () => ({}),
    });
    expect(await ask(server.path, '{"version":1,"kind":"launch"}')).toEqual({
      kind: 'declined',
      reason: 'unknown request kind "launch"',
    });
    expect(
      await ask(server.path, '{"version":1,"kind":"hook","config":"{}","pluginDirs":[]}'),
    ).toEqual({ kind: 'declined', reason: 'daemon error: plugin host is gone' });
  });

  it('refuses to take over the socket of a daemon that answers, and removes only its own', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-control-'));
    const handlers = {
      hook: async () => ({ kind: 'declined', reason: '' }) as const,
      status: () => ({}),
    };
    const first = await listen(handlers);
    await expect(ControlServer.listen(first.path, handlers)).rejects.toThrow(
      `another devbinder daemon is listening on ${first.path}`,
    );
    await first.close();
    servers.splice(0);
    // A stale socket file of a dead daemon is replaced.
    const second = await listen(handlers);
    expect(await requestStatus(second.path)).toEqual({});
  });

  it('status: a clear error when nothing listens', async () => {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-control-'));
    await expect(requestStatus(join(dir, 'none.sock'))).rejects.toThrow(
      /^cannot reach the daemon on .*none\.sock: connect ENOENT/,
    );
  });
});
