import { execFileSync } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { userInfo } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { SELECTOR_NAME } from '@devbinder/plugin-sdk';
import { CliError, ExitCode } from '../exit-codes.js';
import { writeAllSync } from '../io.js';
import { sdkDir } from '../layout.js';
import { templateFiles } from './plugin-template.js';

/** Where a new project keeps the devbinder packages it installs from tarballs. */
const VENDOR_DIR = 'vendor/devbinder';

/**
 * `devbinder plugin new NAME [DIR]`: a plugin project that builds and passes its tests as it is.
 * Written into a staging directory and renamed into place, so a failure leaves nothing behind.
 */
export function runPluginNew(
  name: string,
  dir: string | undefined,
  options: { author?: string } = {},
): ExitCode {
  if (!SELECTOR_NAME.test(name)) {
    throw new CliError(
      `"${name}" is not a selector name: use lowercase letters, digits and "-", starting with a letter or digit (it becomes io.dev-binder.udev.${name.toLowerCase()})`,
      ExitCode.badInput,
    );
  }
  const target = resolve(dir ?? name);
  if (!isEmptyOrMissing(target)) {
    throw new CliError(`${target} already exists and is not empty`, ExitCode.badInput);
  }
  const tarballs = shippedSdk();
  const author = options.author?.trim() || defaultAuthor();
  const staging = join(dirname(target), `.${basename(target)}.devbinder-new-${process.pid}`);
  try {
    mkdirSync(join(staging, VENDOR_DIR), { recursive: true });
    const sdk: Record<string, string> = {};
    for (const [pkg, tarball] of Object.entries(tarballs)) {
      copyFileSync(join(sdkDir, tarball), join(staging, VENDOR_DIR, tarball));
      sdk[pkg] = `${VENDOR_DIR}/${tarball}`;
    }
    for (const [file, text] of Object.entries(templateFiles({ name, sdk, author }))) {
      mkdirSync(dirname(join(staging, file)), { recursive: true });
      writeFileSync(join(staging, file), text);
    }
    rmSync(target, { recursive: true, force: true }); // Only ever an empty directory here.
    renameSync(staging, target);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw new CliError(`cannot write ${target}: ${(error as Error).message}`, ExitCode.environment);
  }
  const where = relative(process.cwd(), target) || '.';
  writeAllSync(
    1,
    `Created the ${name} selector in ${target} (author: ${author}; change it in package.json).

Next:
  cd ${where}
  npm install      # the SDK from ${VENDOR_DIR}, vitest and TypeScript from npm
  npm run build    # devbinder plugin build
  npm test
`,
  );
  return ExitCode.ok;
}

/**
 * Who writes the plugin, when --author does not say: git's user (`Name <email>`), as npm init
 * does, else the login name. Every manifest names its author; it can be changed in package.json.
 */
function defaultAuthor(): string {
  const git = (key: string) => {
    try {
      return execFileSync('git', ['config', '--get', key], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      return ''; // No git, or nothing configured.
    }
  };
  const name = git('user.name');
  if (name === '') return userInfo().username;
  const email = git('user.email');
  return email === '' ? name : `${name} <${email}>`;
}

function isEmptyOrMissing(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return true;
    if (code === 'ENOTDIR') return false;
    throw new CliError(`cannot read ${dir}: ${(error as Error).message}`, ExitCode.environment);
  }
}

/** The SDK tarballs this devbinder ships (scripts/pack-sdk.mjs), by package name. */
function shippedSdk(): Record<string, string> {
  try {
    return JSON.parse(readFileSync(join(sdkDir, 'packages.json'), 'utf8')) as Record<
      string,
      string
    >;
  } catch (error) {
    throw new CliError(
      `this devbinder ships no plugin SDK (${join(sdkDir, 'packages.json')}: ${(error as Error).message}); reinstall it`,
      ExitCode.environment,
    );
  }
}
