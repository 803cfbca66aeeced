/**
 * `devbinder plugin new|build|list|inspect` and `--config`, as the built command runs them. The
 * whole way from `plugin new` to a container is the plugin guide's test
 * (plugin-guide.integration.test.ts); here are the cases around it: output, refusals, exit codes.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotationFlags } from '../../../test-support/cli.js';
import { type RunOptions, run } from '../../../test-support/exec.js';
import { DEVBINDER, devbinder } from '../../../test-support/podman.js';
import { maliciousPluginDir } from '../../plugin-host/test/malicious/build.js';

let malicious: string;
beforeAll(async () => {
  malicious = await maliciousPluginDir();
}, 600_000);

const temporary = () => mkdtempSync(join(tmpdir(), 'devbinder-plugin-commands-'));
const DESKTOP = fileURLToPath(
  new URL('../../plugin-testkit/captures/desktop.export-db.txt', import.meta.url),
);
const DIST = dirname(DEVBINDER);

/**
 * `devbinder explain --json` on the desktop capture with a plugin cache of its own; `args` add
 * plugin directories, a config, annotations. The run, and its report when it printed one.
 */
async function explainOnDesktop(args: readonly string[]) {
  const result = await devbinder([
    'explain',
    '--json',
    '--cache-dir',
    join(temporary(), 'cache'),
    '--udev-export',
    DESKTOP,
    ...args,
  ]);
  return { ...result, report: result.stdout === '' ? undefined : JSON.parse(result.stdout) };
}

/**
 * The author `plugin new` documents when --author does not say: git's `user.name <user.email>` (the
 * name alone without an email), as `git config --get` gives them where the command runs, else the
 * login name.
 */
async function defaultAuthor(where: Pick<RunOptions, 'env' | 'cwd'>): Promise<string> {
  const git = async (key: string) => {
    const result = await run('git', ['config', '--get', key], where);
    return result.exitCode === 0 ? result.stdout.trim() : '';
  };
  const name = await git('user.name');
  if (name === '') return userInfo().username;
  const email = await git('user.email');
  return email === '' ? name : `${name} <${email}>`;
}

describe('devbinder plugin new', () => {
  it('writes a project with the SDK vendored, and says what to do next', async () => {
    const dir = join(temporary(), 'video');
    const result = await devbinder(['plugin', 'new', 'video', dir]);
    const author = await defaultAuthor({});
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`Created the video selector in ${dir} (author: ${author};`);
    expect(result.stdout).toContain('npm install');
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.devbinder).toMatchObject({ selector: 'video', entry: 'src/index.ts' });
    expect(pkg.author).toBe(author);
    for (const [name, spec] of Object.entries(pkg.devDependencies as Record<string, string>)) {
      if (!name.startsWith('@devbinder/')) continue;
      expect(spec).toMatch(/^file:vendor\/devbinder\/devbinder-.+\.tgz$/);
      expect(existsSync(join(dir, spec.slice('file:'.length))), spec).toBe(true);
    }
    expect(Object.keys(pkg.devDependencies)).toEqual(
      expect.arrayContaining(['@devbinder/plugin-build', '@devbinder/plugin-testkit', 'vitest']),
    );
    for (const file of ['src/index.ts', 'test/video.test.ts', 'README.md', 'tsconfig.json'])
      expect(existsSync(join(dir, file)), file).toBe(true);
  });

  it.each([
    [
      "git's user.name <user.email>",
      '[user]\n\tname = Ada Git\n\temail = ada@git.example\n',
      'Ada Git <ada@git.example>',
    ],
    ["git's user.name alone, without an email", '[user]\n\tname = Ada Git\n', 'Ada Git'],
    ['the login name when git has no user', '', userInfo().username],
  ])('names as its author %s', async (_case, gitconfig, author) => {
    const home = temporary();
    const global = join(home, 'gitconfig');
    writeFileSync(global, gitconfig);
    // git reads this file and no other: no system file, and outside any repository.
    const env = { ...process.env, GIT_CONFIG_GLOBAL: global, GIT_CONFIG_NOSYSTEM: '1' };
    expect(await defaultAuthor({ env, cwd: home })).toBe(author);
    const dir = join(home, 'video');
    const result = await run(process.execPath, [DEVBINDER, 'plugin', 'new', 'video', dir], {
      env,
      cwd: home,
    });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`(author: ${author};`);
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).author).toBe(author);
  });

  it('takes the author from --author', async () => {
    const dir = join(temporary(), 'video');
    const result = await devbinder([
      'plugin',
      'new',
      'video',
      dir,
      '--author',
      'Ada Lovelace <ada@example.org>',
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain('(author: Ada Lovelace <ada@example.org>;');
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).author).toBe(
      'Ada Lovelace <ada@example.org>',
    );
  });

  it('refuses a directory that is not empty and a name that is no selector name', async () => {
    const dir = temporary();
    writeFileSync(join(dir, 'keep.txt'), 'mine');
    const occupied = await devbinder(['plugin', 'new', 'video', dir]);
    expect(occupied.exitCode).toBe(2);
    expect(occupied.stderr).toContain(`${dir} already exists and is not empty`);
    expect(readFileSync(join(dir, 'keep.txt'), 'utf8')).toBe('mine');

    const badName = await devbinder(['plugin', 'new', 'My_Plugin', join(dir, 'x')]);
    expect(badName.exitCode).toBe(2);
    expect(badName.stderr).toContain('"My_Plugin" is not a selector name');
    expect(existsSync(join(dir, 'x'))).toBe(false);
  });
});

describe('devbinder plugin build', () => {
  it('asks for npm install when neither the project nor devbinder has the compiler', async () => {
    // A devbinder installed outside this workspace, as npm installs it: without plugin-build.
    const installed = temporary();
    cpSync(DIST, join(installed, 'dist'), {
      recursive: true,
      filter: (source) => !source.startsWith(join(DIST, 'plugins')),
    });
    const project = join(temporary(), 'lonely');
    const cli = join(installed, 'dist', 'devbinder.js');
    // pnpm's NODE_PATH would lead the lookup into this workspace.
    const { NODE_PATH: _, ...env } = process.env;
    const outside = (args: string[]) => run(process.execPath, [cli, ...args], { env });
    expect((await outside(['plugin', 'new', 'lonely', project])).exitCode).toBe(0);
    const result = await outside(['plugin', 'build', project]);
    expect(result.exitCode, result.stderr).toBe(3);
    expect(result.stderr).toContain(
      `@devbinder/plugin-build is not installed in ${project}: run npm install there`,
    );
  });

  it('refuses a directory that is not a plugin project', async () => {
    const dir = temporary();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'x', version: '1.0.0' }));
    const result = await devbinder(['plugin', 'build', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${join(dir, 'package.json')}: no "devbinder" section`);
  });

  it('points at the line and column of a syntax error in the plugin', async () => {
    const dir = join(temporary(), 'broken');
    expect((await devbinder(['plugin', 'new', 'broken', dir])).exitCode).toBe(0);
    writeFileSync(join(dir, 'src/index.ts'), 'export const interest = ;\n');
    const result = await devbinder(['plugin', 'build', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/src\/index\.ts:1:\d+: ERROR: Unexpected ";"/);
    expect(existsSync(join(dir, 'dist'))).toBe(false);
  });
});

describe('devbinder plugin list', () => {
  it('lists the bundled selectors, then the ones from --plugin-dir', async () => {
    const result = await devbinder(['plugin', 'list', '--json', '--plugin-dir', malicious]);
    expect(result.exitCode, result.stderr).toBe(0);
    const { plugins, problems } = JSON.parse(result.stdout);
    const from = Object.fromEntries(
      plugins.map((plugin: { name: string; from: string }) => [plugin.name, plugin.from]),
    );
    for (const name of ['match', 'seat', 'subsystem', 'usb']) expect(from[name]).toBe('bundled');
    expect(from.loop).toBe(malicious);
    expect(problems).toEqual([]);
  });

  it('names plugin files that cannot be used, and exits 2', async () => {
    const dir = temporary();
    mkdirSync(join(dir, 'broken'));
    writeFileSync(join(dir, 'broken', 'plugin.json'), '{ "name": "broken" }');
    const result = await devbinder(['plugin', 'list', '--plugin-dir', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('Cannot be used:');
    expect(result.stdout).toContain(
      `plugin "broken": ${join(dir, 'broken', 'plugin.json')}: "sha256" must be a non-empty string`,
    );
  });

  it("files a broken manifest under its directory's name, which it keeps from use", async () => {
    const dir = temporary();
    mkdirSync(join(dir, 'seat'));
    writeFileSync(join(dir, 'seat', 'plugin.json'), '{ "name": "seat", "version": 2 }');
    const inspect = await devbinder(['plugin', 'inspect', 'seat', '--plugin-dir', dir]);
    expect(inspect.exitCode).toBe(2);
    expect(inspect.stderr).toContain(
      `plugin "seat": ${join(dir, 'seat', 'plugin.json')}: "sha256" must be a non-empty string`,
    );
    // The bundled seat selector is not used in its place: the capture has seat1 devices it chooses
    // without the broken directory, and nothing is chosen with it.
    const seat1 = annotationFlags({ 'io.dev-binder.udev.seat': 'seat1' });
    const bundled = await explainOnDesktop(seat1);
    expect(bundled.exitCode, bundled.stderr).toBe(0);
    expect(bundled.report.devices.length).toBeGreaterThan(0);
    const blocked = await explainOnDesktop(['--plugin-dir', dir, ...seat1]);
    // Best-effort: the container would start, without the devices the broken plugin was for.
    expect(blocked.exitCode, blocked.stderr).toBe(0);
    expect(blocked.report).toMatchObject({ devices: [], verdict: 'start' });
    expect(blocked.report.errors).toEqual([
      {
        annotation: 'io.dev-binder.udev.seat',
        message: expect.stringContaining(`plugin "seat": ${join(dir, 'seat', 'plugin.json')}`),
      },
    ]);
  });
});

describe('devbinder plugin inspect', () => {
  it('shows the manifest, digest, imports and exports of a bundled plugin', async () => {
    const result = await devbinder(['plugin', 'inspect', 'match', '--json']);
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({
      name: 'match',
      wit: 'devbinder:selector@0.3.0',
      from: 'bundled',
      author: 'The devbinder authors',
      digest: { matchesManifest: true },
      imports: [{ name: 'devbinder:selector/types@0.3.0', typesOnly: true }],
      problems: [],
    });
    expect(report.exports).toEqual([
      'interest: func(argument: string) -> result<interest, selector-error>',
      'select: func(argument: string, devices: list<u8>) -> result<list<u8>, selector-error>',
    ]);
    expect(report.size).toBeGreaterThan(1_000_000);
  });

  it('shows what a component imports from the host, and exits 2 because the host refuses it', async () => {
    const result = await devbinder([
      'plugin',
      'inspect',
      'forbidden-imports',
      '--plugin-dir',
      malicious,
    ]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toMatch(/imports +wasi:random\/random@[\d.]+ \(FORBIDDEN\)/);
    expect(result.stderr).toContain('it imports from the host, so the host will refuse it');
    // Decided as the host decides it: what inspect calls forbidden is what the host refuses.
    const report = JSON.parse(
      (
        await devbinder([
          'plugin',
          'inspect',
          'forbidden-imports',
          '--json',
          '--plugin-dir',
          malicious,
        ])
      ).stdout,
    );
    const forbidden = report.imports
      .filter(({ typesOnly }: { typesOnly: boolean }) => !typesOnly)
      .map(({ name }: { name: string }) => name.replace(/@[^@/]*$/, ''));
    const refused = await explainOnDesktop([
      '--plugin-dir',
      malicious,
      ...annotationFlags({ 'io.dev-binder.udev.forbidden-imports': 'x' }),
    ]);
    const [{ message }] = refused.report.errors;
    expect(message.split('this component imports: ')[1].split(', ').sort()).toEqual(
      forbidden.sort(),
    );
  });

  it('says when the component is not the one its manifest describes', async () => {
    const dir = temporary();
    // A copy, not the shared build (the plugin directory holds symlinks to it).
    cpSync(join(malicious, 'everything'), join(dir, 'everything'), {
      recursive: true,
      dereference: true,
    });
    writeFileSync(join(dir, 'everything', 'everything.wasm'), Buffer.from('\0asm\x01\0\0\0'));
    const result = await devbinder(['plugin', 'inspect', 'everything', '--plugin-dir', dir]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `${join(dir, 'everything', 'everything.wasm')} has sha256 [0-9a-f]{64}, but ${join(dir, 'everything', 'plugin.json')} says [0-9a-f]{64}`,
      ),
    );
  });

  it('refuses an unknown plugin, listing the known ones', async () => {
    const result = await devbinder(['plugin', 'inspect', 'nope']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('plugin "nope": no such selector plugin (known: ');
    // Other plugins may be installed on this machine; the bundled ones are always known.
    expect(result.stderr).toContain('match, seat, subsystem, usb');
  });
});

describe('--config', () => {
  /** `explainOnDesktop(['--config', FILE, …args])`, FILE holding `settings`: the run, and FILE. */
  async function explainWithConfig(settings: unknown, args: readonly string[]) {
    const config = join(temporary(), 'config.json');
    writeFileSync(config, JSON.stringify(settings));
    return { config, ...(await explainOnDesktop(['--config', config, ...args])) };
  }

  it('applies per-plugin limits from the file', async () => {
    const result = await explainWithConfig({ plugins: { loop: { limits: { deadlineMs: 300 } } } }, [
      '--plugin-dir',
      malicious,
      ...annotationFlags({ 'io.dev-binder.udev.loop': 'select' }),
    ]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.report.errors).toEqual([
      {
        annotation: 'io.dev-binder.udev.loop',
        message: 'plugin "loop": did not answer within its deadline of 300 ms (deadlineMs)',
      },
    ]);
  });

  it('refuses deadlines that leave the hook no time to answer, naming the file, plugin and settings', async () => {
    const { config, exitCode, stderr } = await explainWithConfig(
      { plugins: { match: { limits: { deadlineMs: 20000 } } } },
      ['-a', 'io.dev-binder.udev.seat=seat0'],
    );
    expect(exitCode).toBe(2);
    expect(stderr).toContain(
      `${config}: plugin "match" ("limits" with "plugins.match.limits"): prepareDeadlineMs + loadDeadlineMs + deadlineMs come to 40000 ms`,
    );
  });

  it('refuses a config with a mistake, naming the file and the setting', async () => {
    const { config, exitCode, stderr } = await explainWithConfig({ limits: { memoryMib: 64 } }, [
      '-a',
      'io.dev-binder.udev.seat=seat0',
    ]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(`${config}: unknown setting "limits.memoryMib"`);
    const none = join(temporary(), 'none.json');
    const missing = await explainOnDesktop(['--config', none]);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain(`cannot read ${none}`);
  });
});
