/** `pnpm --filter @devbinder/plugin-build generate-sdk-types`: after any change to selector.wit. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sdkTypes, sdkTypesDir } from './sdk-types.js';

const files = await sdkTypes();
rmSync(sdkTypesDir, { recursive: true, force: true });
for (const [path, text] of Object.entries(files)) {
  const target = join(sdkTypesDir, path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, text);
  console.log(`wrote ${target}`);
}
