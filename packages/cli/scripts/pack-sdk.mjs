// Packs the plugin SDK into dist/sdk as npm tarballs: what `devbinder plugin new` puts into a new
// plugin project, so that authors outside this repository build and test against the very SDK and
// host that shipped with their devbinder. pnpm pack turns workspace:* into the packages' versions;
// the new project lists every tarball, so npm resolves those versions to them, not to a registry.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, '..', 'dist', 'sdk');
const require = createRequire(import.meta.url);

/** The author-facing packages and what they need at run time, in dependency order. */
const PACKAGES = [
  '@devbinder/plugin-sdk',
  '@devbinder/udev',
  '@devbinder/plugin-host',
  '@devbinder/plugin-testkit',
  '@devbinder/plugin-build',
];

rmSync(target, { recursive: true, force: true });
mkdirSync(target, { recursive: true });
/** packages.json: which tarball holds which package, for `plugin new`. */
const tarballs = {};
for (const name of PACKAGES) {
  const dir = packageDir(require.resolve(name));
  const before = new Set(readdirSync(target));
  execFileSync('pnpm', ['pack', '--pack-destination', target], { cwd: dir, stdio: 'ignore' });
  const [tarball] = readdirSync(target).filter((file) => !before.has(file));
  if (!tarball) throw new Error(`pnpm pack left no tarball for ${name}`);
  tarballs[name] = tarball;
}
writeFileSync(join(target, 'packages.json'), `${JSON.stringify(tarballs, null, 2)}\n`);
/** The directory of the package.json above a resolved entry (packages do not export package.json). */
function packageDir(entry) {
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  throw new Error(`no package.json above ${entry}`);
}

console.log(`packed ${Object.values(tarballs).join(', ')} into ${target}`);
