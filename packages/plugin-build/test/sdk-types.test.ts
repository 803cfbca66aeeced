import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sdkTypes, sdkTypesDir } from '../scripts/sdk-types.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
    .sort();
}

describe('the SDK types generated from selector.wit', () => {
  it('are what jco generates from the WIT today (run generate-sdk-types after changing it)', async () => {
    const expected = await sdkTypes();
    expect(filesUnder(sdkTypesDir)).toEqual(Object.keys(expected).sort());
    for (const [path, text] of Object.entries(expected)) {
      expect(readFileSync(join(sdkTypesDir, path), 'utf8'), path).toBe(text);
    }
  });
});
