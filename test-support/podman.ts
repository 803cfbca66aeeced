import { chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { check, type Result, type RunOptions, run } from './exec.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DEVBINDER = join(REPO_ROOT, 'packages/cli/dist/devbinder.js');
/** The entry hooks.d runs (`hook --print-config` writes it): CommonJS, which Node starts sooner. */
export const HOOK_ENTRY = join(REPO_ROOT, 'packages/cli/dist/hook.cjs');

/** `node <entry> hook ARGS` as Podman runs a hook: an empty environment, the config on stdin. */
export function runHookEntry(
  args: readonly string[],
  input: NonNullable<RunOptions['input']>,
  entry = HOOK_ENTRY,
): Promise<Result> {
  return run(process.execPath, [entry, 'hook', ...args], { input, env: {} });
}

/** Built by scripts/build-test-image.sh (the integration globalSetup runs it). */
export const TEST_IMAGE = 'localhost/devbinder-test:latest';

/** Every test container carries this label, so .ci/run can remove leftovers of a killed run. */
export const TEST_LABEL = 'io.dev-binder.test';

/** Runs the built CLI, as the hook would run: `node devbinder.js …`. */
export function devbinder(args: readonly string[], input?: string | Buffer): Promise<Result> {
  return run(process.execPath, [DEVBINDER, ...args], input === undefined ? {} : { input });
}

/** A user other than root; commands then run through runuser (rootless Podman). */
export interface User {
  name: string;
  uid: number;
  gid: number;
}

/**
 * Runs a command as `user` (or as ourselves), from `/` so every user may enter the cwd. runuser
 * keeps most of root's environment; a root XDG_RUNTIME_DIR would send rootless Podman to root's.
 */
export function runAs(user: User | undefined, command: string, args: readonly string[]) {
  if (user === undefined) return run(command, args, { cwd: '/' });
  return run('runuser', ['-u', user.name, '--', 'env', '-u', 'XDG_RUNTIME_DIR', command, ...args], {
    cwd: '/',
  });
}

export interface InstalledHook {
  /** Pass to `podman --hooks-dir`. */
  hooksDir: string;
  cacheDir: string;
  remove(): Promise<void>;
}

/**
 * Installs the hook the documented way (`devbinder hook --print-config --hooks-dir`) into a fresh
 * temporary directory, with its own plugin cache so that no earlier run's cache is trusted.
 */
export async function installHook(user?: User): Promise<InstalledHook> {
  const dir = await mkdtemp(join(tmpdir(), 'devbinder-hook-'));
  if (user) await chown(dir, user.uid, user.gid);
  const hooksDir = join(dir, 'hooks.d');
  const cacheDir = join(dir, 'cache');
  const printed = await runAs(user, process.execPath, [
    DEVBINDER,
    'hook',
    '--print-config',
    '--hooks-dir',
    hooksDir,
    '--cache-dir',
    cacheDir,
  ]);
  if (printed.exitCode !== 0) {
    throw new Error(
      `devbinder hook --print-config failed (${printed.exitCode}): ${printed.stderr}`,
    );
  }
  return { hooksDir, cacheDir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface ContainerOptions {
  /** Without it Podman runs no devbinder hook at all. */
  hooksDir?: string;
  annotations?: Readonly<Record<string, string>>;
  /** Extra `podman run` flags, e.g. `--cap-add MKNOD`. */
  podmanArgs?: readonly string[];
  /** Run rootless, as this user. */
  user?: User;
}

function podmanGlobalArgs(options: ContainerOptions): string[] {
  return options.hooksDir === undefined ? [] : ['--hooks-dir', options.hooksDir];
}

function containerArgs(options: ContainerOptions): string[] {
  return [
    '--network',
    'none',
    '--label',
    `${TEST_LABEL}=integration`,
    ...Object.entries(options.annotations ?? {}).flatMap(([key, value]) => [
      '--annotation',
      `${key}=${value}`,
    ]),
    ...(options.podmanArgs ?? []),
  ];
}

/** `podman run --rm` of `sh -c script` in the test image; stdout, stderr and exit code. */
export function runContainer(script: string, options: ContainerOptions = {}): Promise<Result> {
  return runAs(options.user, 'podman', [
    ...podmanGlobalArgs(options),
    'run',
    '--rm',
    ...containerArgs(options),
    TEST_IMAGE,
    'sh',
    '-c',
    script,
  ]);
}

/**
 * Creates and initialises a container without starting it: Podman has then run the precreate
 * hooks and written the final runtime config (the bundle's config.json). Returns its id.
 */
export async function initContainer(options: ContainerOptions = {}): Promise<string> {
  const id = (
    await check('podman', [
      ...podmanGlobalArgs(options),
      'create',
      ...containerArgs(options),
      TEST_IMAGE,
      'true',
    ])
  ).trim();
  await check('podman', [...podmanGlobalArgs(options), 'init', id]);
  return id;
}

/** The runtime config Podman handed to runc for this container, as text. */
export async function bundleConfig(id: string): Promise<string> {
  const path = (await check('podman', ['inspect', '--format', '{{.OCIConfigPath}}', id])).trim();
  return readFile(path, 'utf8');
}

export async function removeContainer(id: string): Promise<void> {
  await run('podman', ['rm', '--force', id]);
}
