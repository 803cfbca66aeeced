import { describe, expect, it } from 'vitest';
import { parseManifest, WIT_PACKAGE } from '../src/index.js';

const file = '/etc/devbinder/plugins/video/plugin.json';
const manifest = {
  name: 'video',
  version: '1.0.0',
  wit: WIT_PACKAGE,
  description: 'Video capture devices by kernel name',
  argument: { syntax: '<kernel-glob>', examples: ['video*'] },
  author: 'Ada Lovelace <ada@example.org>',
  component: 'video.wasm',
  sha256: 'a'.repeat(64),
};

describe('parseManifest', () => {
  it('reads a manifest', () => {
    expect(parseManifest(JSON.stringify(manifest), file)).toEqual(manifest);
  });

  it.each([
    [{ author: undefined }, '"author" must be a non-empty string'],
    [{ author: '' }, '"author" must be a non-empty string'],
    [
      { argument: { syntax: '<x>', examples: [] } },
      '"argument.examples" must give at least one example',
    ],
    [
      { argument: { syntax: '<x>' } },
      '"argument" must be { "syntax": string, "examples": string[] }',
    ],
    [{ sha256: 'abc' }, '"sha256" must be 64 lowercase hex digits'],
    [{ component: '../video.wasm' }, '"component" must be a file name next to the manifest'],
  ])('refuses %j, naming the file and the field', (change, detail) => {
    expect(() => parseManifest(JSON.stringify({ ...manifest, ...change }), file)).toThrow(
      `${file}: ${detail}`,
    );
  });
});
