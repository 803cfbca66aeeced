import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WIT_PACKAGE } from '@devbinder/plugin-sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { type PluginError, PluginRegistry } from '../src/index.js';

let base: string;

function plugin(dir: string, folder: string, manifest: Record<string, unknown> | string): string {
  const pluginDir = join(base, dir, folder);
  mkdirSync(pluginDir, { recursive: true });
  const text =
    typeof manifest === 'string'
      ? manifest
      : JSON.stringify({
          version: '1.0.0',
          wit: WIT_PACKAGE,
          description: 'test plugin',
          author: 'Test Author',
          argument: { syntax: '<x>', examples: ['x'] },
          component: 'plugin.wasm',
          sha256: '0'.repeat(64),
          ...manifest,
        });
  writeFileSync(join(pluginDir, 'plugin.json'), text);
  return join(pluginDir, 'plugin.json');
}

function problem(registry: PluginRegistry, name: string): PluginError {
  try {
    registry.get(name);
  } catch (error) {
    return error as PluginError;
  }
  throw new Error(`expected ${name} to fail`);
}

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'devbinder-registry-'));
});

describe('PluginRegistry', () => {
  it('lets a later search directory override a plugin of the same name', () => {
    plugin('bundled', 'seat', { name: 'seat', version: '0.1.0' });
    plugin('bundled', 'usb', { name: 'usb' });
    const admin = plugin('etc', 'my-seat', { name: 'seat', version: '9.0.0' });
    const registry = new PluginRegistry([join(base, 'bundled'), join(base, 'etc')]);
    expect(registry.get('seat')).toMatchObject({
      manifestPath: admin,
      origin: join(base, 'etc'),
      manifest: { version: '9.0.0' },
    });
    expect(registry.get('seat').componentPath).toBe(join(base, 'etc', 'my-seat', 'plugin.wasm'));
    expect(registry.list().map(({ manifest }) => manifest.name)).toEqual(['seat', 'usb']);
  });

  it('accepts a directory that is itself a plugin', () => {
    plugin('single', '.', { name: 'solo' });
    expect(new PluginRegistry([join(base, 'single')]).get('solo').manifest.name).toBe('solo');
  });

  it('refuses two plugins with one name in one directory, naming both files', () => {
    const first = plugin('etc', 'a', { name: 'twin' });
    const second = plugin('etc', 'b', { name: 'twin' });
    const error = problem(new PluginRegistry([join(base, 'etc')]), 'twin');
    expect(error.kind).toBe('duplicate');
    expect(error.message).toBe(
      `plugin "twin": two plugins named "twin" in ${join(base, 'etc')}: ${first} and ${second}`,
    );
  });

  it('refuses a plugin built for another WIT version, naming its manifest', () => {
    const file = plugin('etc', 'old', { name: 'old', wit: 'devbinder:selector@0.0.1' });
    const error = problem(new PluginRegistry([join(base, 'etc')]), 'old');
    expect(error.kind).toBe('wit-mismatch');
    expect(error.message).toContain(
      `${file} targets devbinder:selector@0.0.1, but this host implements ${WIT_PACKAGE}`,
    );
  });

  it("lets an administrator's broken override fail loudly instead of falling back", () => {
    plugin('bundled', 'seat', { name: 'seat' });
    plugin('etc', 'seat', { name: 'seat', wit: 'devbinder:selector@9.0.0' });
    expect(
      problem(new PluginRegistry([join(base, 'bundled'), join(base, 'etc')]), 'seat').kind,
    ).toBe('wit-mismatch');
  });

  it('lists unreadable manifests as problems, under the name of their directory', () => {
    const broken = plugin('etc', 'broken', '{ "name": ');
    const badDigest = plugin('etc', 'bad-digest', { name: 'bad', sha256: 'abc' });
    const registry = new PluginRegistry([join(base, 'etc'), join(base, 'missing')]);
    expect(registry.listProblems().map(({ name, error }) => [name, error.kind])).toEqual([
      ['bad-digest', 'invalid-manifest'],
      ['broken', 'invalid-manifest'],
    ]);
    expect(registry.listProblems()[0]?.error.message).toBe(
      `plugin "bad-digest": ${badDigest}: "sha256" must be 64 lowercase hex digits`,
    );
    expect(problem(registry, 'broken').message).toMatch(
      new RegExp(`^plugin "broken": ${broken}: not valid JSON`),
    );
    // The name it gives itself is blocked too, and the problem is listed once.
    expect(problem(registry, 'bad').kind).toBe('invalid-manifest');
    const unknown = problem(registry, 'nope');
    expect(unknown.kind).toBe('not-found');
    expect(unknown.message).toBe(
      `plugin "nope": no such selector plugin (known: none; searched ${join(base, 'etc')}, ${join(base, 'missing')})`,
    );
  });

  it('lets a broken manifest in /etc block the bundled plugin its directory is named after', () => {
    plugin('bundled', 'seat', { name: 'seat' });
    const broken = plugin('etc', 'seat', '{ "name": "seat", "version": 2 }');
    const registry = new PluginRegistry([join(base, 'bundled'), join(base, 'etc')]);
    const error = problem(registry, 'seat');
    expect(error.kind).toBe('invalid-manifest');
    expect(error.message).toBe(`plugin "seat": ${broken}: "sha256" must be a non-empty string`);
    expect(registry.list()).toEqual([]);
  });

  it('names a broken manifest by its path when nothing else names it', () => {
    const broken = plugin('single', '.', '{');
    const registry = new PluginRegistry([join(base, 'single')]);
    expect(registry.listProblems().map(({ name }) => name)).toEqual([broken]);
  });

  it('requires an author and at least one example of the argument', () => {
    const noAuthor = plugin('etc', 'anonymous', { name: 'anonymous', author: undefined });
    const noExample = plugin('etc', 'silent', {
      name: 'silent',
      argument: { syntax: '<x>', examples: [] },
    });
    const registry = new PluginRegistry([join(base, 'etc')]);
    expect(problem(registry, 'anonymous').message).toBe(
      `plugin "anonymous": ${noAuthor}: "author" must be a non-empty string`,
    );
    expect(problem(registry, 'silent').message).toBe(
      `plugin "silent": ${noExample}: "argument.examples" must give at least one example`,
    );
  });
});
