import { join } from 'node:path';
import { expect } from 'vitest';
import type { Result, RunOptions } from './exec.js';
import { HOOK_ENTRY, runHookEntry } from './podman.js';

/**
 * Runs the hook as its hooks.d file has Podman run it: `node hook.cjs hook …` with an empty
 * environment, the config on stdin. It never reaches a daemon: `--daemon-socket` names a socket in
 * `workDir` that does not exist (on the default socket a daemon this machine runs would answer in
 * its place), so the hook does the work itself, with its plugin cache in `workDir/cache`.
 */
export function runHookAsPodman(
  input: NonNullable<RunOptions['input']>,
  {
    workDir,
    args = [],
    entry = HOOK_ENTRY,
  }: { workDir: string; args?: readonly string[]; entry?: string },
): Promise<Result> {
  const own = [
    '--cache-dir',
    join(workDir, 'cache'),
    '--daemon-socket',
    join(workDir, 'none.sock'),
  ];
  return runHookEntry([...own, ...args], input, entry);
}

/** `{ key: value }` as the command line gives annotations: `-a key=value` for each. */
export function annotationFlags(annotations: Readonly<Record<string, string>>): string[] {
  return Object.entries(annotations).flatMap(([key, value]) => ['-a', `${key}=${value}`]);
}

/**
 * What a devbinder command does with bad input: exit 2, nothing on stdout, and exactly one line on
 * stderr, `devbinder <command>: …`, that says `says`.
 */
export function expectBadInput(command: string, result: Result, says: string): void {
  expect(result.stdout).toBe('');
  expect(result.exitCode, result.stderr).toBe(2);
  expect(result.stderr).toMatch(new RegExp(`^devbinder ${command}: [^\\n]+\\n$`));
  expect(result.stderr).toContain(says);
}
