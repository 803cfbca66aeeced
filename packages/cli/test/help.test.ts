/**
 * `--help` on every command of the built `devbinder`, subcommands included. The commands are
 * found by walking the help itself, so a command added later is covered without a list here;
 * the list below only proves the walk found them all.
 */
import { describe, expect, it } from 'vitest';
import { devbinder } from '../../../test-support/podman.js';

/** The subcommands a help text lists under "Commands:", without commander's own `help`. */
function subcommands(help: string): string[] {
  const section = help.split('\nCommands:\n')[1]?.split('\n\n')[0] ?? '';
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z-]*)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

/** Every command path under `path`, depth first, each with its help output. */
async function walk(path: string[]): Promise<Array<{ path: string[]; help: string }>> {
  const result = await devbinder([...path, '--help']);
  expect(result.exitCode, `${path.join(' ')} --help: ${result.stderr}`).toBe(0);
  expect(result.stderr).toBe('');
  const below = await Promise.all(subcommands(result.stdout).map((name) => walk([...path, name])));
  return [{ path, help: result.stdout }, ...below.flat()];
}

describe('devbinder --help', () => {
  it('answers on every command and subcommand: usage, what it does, its options', async () => {
    const commands = await walk([]);
    expect(commands.map(({ path }) => path.join(' '))).toEqual([
      '',
      'hook',
      'explain',
      'daemon',
      'daemon status',
      'plugin',
      'plugin new',
      'plugin build',
      'plugin list',
      'plugin inspect',
    ]);
    for (const { path, help } of commands) {
      const [usage = '', , description = ''] = help.split('\n');
      expect(usage).toMatch(new RegExp(`^Usage: ${['devbinder', ...path].join(' ')} `));
      expect(description, path.join(' ')).toMatch(/^[A-Za-z]/);
      expect(help, path.join(' ')).toContain('-h, --help');
    }
  });

  it('documents the exit codes', async () => {
    const { stdout } = await devbinder(['--help']);
    for (const code of ['0', '1', '2', '3', '70'])
      expect(stdout).toMatch(new RegExp(`\\n  ${code} +\\S`));
  });
});
