import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { check, run } from '../../test-support/exec.js';
import { REPO_ROOT } from '../../test-support/podman.js';

/**
 * The lab host image: a base (the distribution, Podman, udev, Node.js) and devbinder installed on
 * it from the packed CLI. Each is tagged by a content hash of what went into it, so a repeat run
 * finds both and builds nothing, and a change to devbinder rebuilds only the thin top layer.
 */

export const RECIPES = ['debian', 'fedora'] as const;
export type Recipe = (typeof RECIPES)[number];

export const LAB_REPOSITORY = 'localhost/devbinder-lab';
export const BASE_REPOSITORY = 'localhost/devbinder-lab-base';

const IMAGE_DIR = join(REPO_ROOT, 'lab/image');
export const CACHE = join(REPO_ROOT, 'lab/.cache');
const DOWNLOADS = join(CACHE, 'downloads');

/** A scratch directory of the lab's own (git-ignored), not shared with anything else in /tmp. */
export async function scratchDir(name: string): Promise<string> {
  await mkdir(CACHE, { recursive: true });
  return mkdtemp(join(CACHE, `${name}-`));
}

/** The files the top layer copies in, besides the packed CLI; all of them feed its hash. */
const LAYER_FILES = [
  join(IMAGE_DIR, 'lab-init.sh'),
  join(IMAGE_DIR, 'lab-boot.sh'),
  join(IMAGE_DIR, 'record-versions.mjs'),
  join(REPO_ROOT, 'scripts/install.sh'),
  join(REPO_ROOT, 'scripts/build-test-image.sh'),
];
const LAYER_RECIPE = join(IMAGE_DIR, 'devbinder.Containerfile');

export function parseRecipe(value: string, source: string): Recipe {
  const recipe = RECIPES.find((name) => name === value);
  if (!recipe) {
    throw new Error(`${source}: unknown lab image "${value}"; choose one of ${RECIPES.join(', ')}`);
  }
  return recipe;
}

/** Versions a lab host reports about itself (record-versions.mjs, run in the image). */
export type HostVersions = Record<string, string>;

export interface LabImage {
  recipe: Recipe;
  reference: string;
  base: string;
  /** Which layers this run built; false means a cached image was found. */
  built: { base: boolean; devbinder: boolean };
  /** How long each layer took to build, by this run or an earlier one here (null: not known). */
  buildSeconds: { base: number | null; devbinder: number | null };
  /** When each layer was built (by this run or an earlier one), ISO 8601. */
  created: { base: string; devbinder: string };
  /** sha256 of the packed CLI the image holds. */
  tarballSha256: string;
  versions: HostVersions;
}

export interface ImageOptions {
  recipe: Recipe;
  /** Build both layers even when tagged images exist (proves a from-scratch build). */
  rebuild: boolean;
  /** Progress, one line at a time. */
  log: (line: string) => void;
  /** Build output goes here, not to the terminal. */
  logFile: string;
}

function sha256(...parts: (string | Buffer)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

async function filesHash(files: readonly string[]): Promise<string> {
  const parts: (string | Buffer)[] = [];
  for (const file of [...files].sort()) parts.push(basename(file), await readFile(file));
  return sha256(...parts);
}

async function imageExists(reference: string): Promise<boolean> {
  return (await run('podman', ['image', 'exists', reference])).exitCode === 0;
}

/** Runs a build command with its output appended to the log; throws with the log's tail. */
export async function logged(
  logFile: string,
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<void> {
  await mkdir(dirname(logFile), { recursive: true });
  await writeFile(logFile, `\n$ ${[command, ...args].join(' ')}\n`, { flag: 'a' });
  const fd = openSync(logFile, 'a');
  const status = await new Promise<number>((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', fd, fd] });
    child.on('error', () => resolve(127));
    child.on('close', (code) => resolve(code ?? 1));
  });
  closeSync(fd);
  if (status !== 0) {
    const tail = (await readFile(logFile, 'utf8')).trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(
      `${command} ${args[0] ?? ''} failed (exit ${status}); log: ${logFile}\n${tail}`,
    );
  }
}

/** Removes this recipe's other tags of a repository: old builds are ~350 MB each. */
async function pruneOthers(repository: string, recipe: Recipe, keep: string): Promise<void> {
  const listed = await run('podman', [
    'images',
    '--format',
    '{{.Repository}}:{{.Tag}}',
    '--filter',
    `reference=${repository}:${recipe}-*`,
  ]);
  for (const reference of listed.stdout.split('\n')) {
    // A lab host of another run may still use it: then it stays, which is fine.
    if (reference !== '' && reference !== keep) await run('podman', ['rmi', reference]);
  }
}

async function buildBase(recipe: Recipe, reference: string, options: ImageOptions) {
  const recipeDir = join(IMAGE_DIR, recipe);
  if (recipe === 'debian') {
    options.log('debootstrap Debian 12, install Podman, udev and Node.js (about a minute)');
    await mkdir(DOWNLOADS, { recursive: true });
    await logged(options.logFile, join(recipeDir, 'build-base.sh'), [reference, DOWNLOADS]);
  } else {
    options.log('build the Fedora base from registry.fedoraproject.org (dnf: a few minutes)');
    const args = ['build', '--file', join(recipeDir, 'Containerfile'), '--tag', reference];
    await logged(options.logFile, 'podman', [...args, recipeDir]);
  }
}

/**
 * The packed CLI, as a user would get it: `pnpm pack` of packages/cli of a built checkout (this
 * one by default), moved to `target`.
 */
export async function packCli(target: string, checkout = REPO_ROOT): Promise<string> {
  const out = await scratchDir('pack');
  try {
    await check('pnpm', ['pack', '--pack-destination', out], {
      cwd: join(checkout, 'packages/cli'),
    });
    const [tarball] = (await readdir(out)).filter((name) => name.endsWith('.tgz'));
    if (tarball === undefined)
      throw new Error(`pnpm pack in packages/cli left no tarball in ${out}`);
    await rename(join(out, tarball), target);
    return target;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * npm in the image fetches devbinder's dependency the way npm on this machine does: the same
 * registry, trusting the same extra certificates (a TLS-inspecting proxy's, for instance).
 */
async function npmAccessArgs(scratch: string): Promise<string[]> {
  const registry = (await check('npm', ['config', 'get', 'registry'])).trim();
  const extraCa = process.env.NODE_EXTRA_CA_CERTS;
  let caFile = join(scratch, 'no-extra-ca');
  if (extraCa !== undefined && existsSync(extraCa)) caFile = extraCa;
  else await writeFile(caFile, '');
  return [
    '--build-arg',
    `npm_config_registry=${registry}`,
    '--secret',
    `id=extra-ca,src=${caFile}`,
  ];
}

/** Build times by image reference, so a run that finds an image cached can still say. */
const BUILD_TIMES = join(CACHE, 'build-seconds.json');

async function readBuildTimes(): Promise<Record<string, number>> {
  try {
    return JSON.parse(await readFile(BUILD_TIMES, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

/** Builds an image with `build` unless it exists; returns whether it built and how long it took. */
async function buildOnce(
  reference: string,
  rebuild: boolean,
  log: (line: string) => void,
  what: string,
  build: () => Promise<void>,
): Promise<{ built: boolean; seconds: number | null }> {
  if (!rebuild && (await imageExists(reference))) {
    log(`using cached ${reference}`);
    return { built: false, seconds: (await readBuildTimes())[reference] ?? null };
  }
  log(`building ${reference}${what}`);
  const started = performance.now();
  await build();
  const seconds = (performance.now() - started) / 1000;
  await mkdir(CACHE, { recursive: true });
  await writeFile(
    BUILD_TIMES,
    JSON.stringify({ ...(await readBuildTimes()), [reference]: seconds }),
  );
  return { built: true, seconds };
}

async function createdAt(reference: string): Promise<string> {
  const format = '{{.Created.Format "2006-01-02T15:04:05Z07:00"}}';
  return (await check('podman', ['image', 'inspect', '--format', format, reference])).trim();
}

async function readVersions(reference: string): Promise<HostVersions> {
  const out = await check('podman', [
    'run',
    '--rm',
    '--network',
    'none',
    reference,
    'cat',
    '/etc/devbinder-lab-versions.json',
  ]);
  return JSON.parse(out) as HostVersions;
}

/** Finds or builds the lab image for a recipe. Needs root and a built packages/cli. */
export async function ensureLabImage(options: ImageOptions): Promise<LabImage> {
  const { recipe, rebuild, log } = options;
  const baseRecipe = (await readdir(join(IMAGE_DIR, recipe))).map((name) =>
    join(IMAGE_DIR, recipe, name),
  );
  const base = `${BASE_REPOSITORY}:${recipe}-${(await filesHash(baseRecipe)).slice(0, 16)}`;
  const baseBuild = await buildOnce(base, rebuild, log, '', () => buildBase(recipe, base, options));

  const context = await scratchDir('context');
  const scratch = await scratchDir('scratch');
  try {
    const tarball = await packCli(join(context, 'devbinder.tgz'));
    for (const file of LAYER_FILES) await copyFile(file, join(context, basename(file)));
    const tarballSha256 = sha256(await readFile(tarball));
    const layerHash = sha256(base, await filesHash([LAYER_RECIPE, ...LAYER_FILES]), tarballSha256);
    const reference = `${LAB_REPOSITORY}:${recipe}-${layerHash.slice(0, 16)}`;

    const layer = ': devbinder installed from the packed CLI by scripts/install.sh';
    const layerBuild = await buildOnce(reference, rebuild, log, layer, async () => {
      await logged(options.logFile, 'podman', [
        'build',
        '--file',
        LAYER_RECIPE,
        '--build-arg',
        `BASE=${base}`,
        ...(await npmAccessArgs(scratch)),
        '--label',
        `io.dev-binder.lab.tarball-sha256=${tarballSha256}`,
        '--tag',
        reference,
        context,
      ]);
    });
    // Tops first: a base with images built on it cannot be removed.
    await pruneOthers(LAB_REPOSITORY, recipe, reference);
    await pruneOthers(BASE_REPOSITORY, recipe, base);
    const versions = await readVersions(reference);
    const created = { base: await createdAt(base), devbinder: await createdAt(reference) };
    return {
      recipe,
      reference,
      base,
      built: { base: baseBuild.built, devbinder: layerBuild.built },
      buildSeconds: { base: baseBuild.seconds, devbinder: layerBuild.seconds },
      created,
      tarballSha256,
      versions,
    };
  } finally {
    await rm(context, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  }
}
