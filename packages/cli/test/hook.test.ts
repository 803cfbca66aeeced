/**
 * The hook's contract on stdin, and its answer to its own bad input, through the built command as
 * hooks.d runs it: `node dist/hook.cjs hook`, with an empty environment. Nothing here needs root,
 * udevd or Podman (no test reaches a selector), so GitHub's unit job runs it; what the hook does
 * with real devices under real Podman is hook.integration.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectBadInput, runHookAsPodman } from '../../../test-support/cli.js';
import type { Result, RunOptions } from '../../../test-support/exec.js';
import { DEVBINDER, HOOK_ENTRY } from '../../../test-support/podman.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devbinder-hook-'));
});

/** The hook as hooks.d runs it, through either entry (default hook.cjs), asking no daemon. */
function hook(
  input: NonNullable<RunOptions['input']>,
  options: { args?: readonly string[]; entry?: string } = {},
): Promise<Result> {
  return runHookAsPodman(input, { workDir: dir, ...options });
}

const annotated = JSON.stringify({
  ociVersion: '1.0.2',
  annotations: { 'io.dev-binder.udev.seat': 'seat0' },
});

describe('the hook on stdin', () => {
  it.each([
    ['invalid JSON', '{"ociVersion": "1.0.2", ', 'config on stdin: not valid JSON'],
    ['empty stdin', '', 'config on stdin: not valid JSON'],
    [
      'an array',
      '[{"ociVersion": "1.0.2"}]',
      'config on stdin: expected a JSON object, got an array',
    ],
    ['a string', '"config.json"', 'config on stdin: expected a JSON object, got a string'],
    ['a number', '12', 'config on stdin: expected a JSON object, got a number'],
    ['null', 'null', 'config on stdin: expected a JSON object, got null'],
  ])('exits 2 for %s', async (_case, input, says) => {
    expectBadInput('hook', await hook(input), says);
  });

  it('exits 2 for more than 16 MiB, and reads no further: of 1 GiB offered it takes little more than 16 MiB', async () => {
    // Made as the hook reads it, so that only what the hook takes (and the pipe holds) is ever made.
    const offered = 2 ** 30;
    const filler = Buffer.alloc(2 ** 16, 'a');
    let made = 0;
    const config = new Readable({
      read() {
        if (made >= offered) {
          this.push(null);
          return;
        }
        const chunk =
          made === 0 ? Buffer.from('{"ociVersion":"1.0.2","annotations":{"x":"') : filler;
        made += chunk.length;
        this.push(chunk);
      },
    });
    const result = await hook(config);
    config.destroy();
    expectBadInput('hook', result, 'stdin: more than 16 MiB');
    // 16 MiB and one read, plus what the pipe and the streams on this side buffer. A hook that read
    // on to the end before refusing would have taken all of it.
    expect(made).toBeLessThan(20 * 2 ** 20);
  });

  it('hands a config without io.dev-binder.udev.* annotations back as it came', async () => {
    // A uint64 rlimit, as `--ulimit core=-1` makes: JSON.parse would round it.
    const input = `{"ociVersion":"1.0.2","process":{"args":["sh"],"rlimits":[{"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}]},"annotations":{"org.example.io.dev-binder.udev.seat":"seat1"},"linux":{"namespaces":[{"type":"mount"}]}}`;
    const result = await hook(input);
    expect(result).toEqual({ exitCode: 0, stdout: input, stderr: '' });
  });

  it.each([
    ['fields devbinder would reject', '{"linux":{"devices":"x"}}'],
    ['annotations that are no object', '{"annotations":["io.dev-binder.udev.seat=seat0"]}'],
    [
      'devbinder annotations Podman would not run the hook for',
      '{"annotations":{"io.dev-binder.udev.Seat":"seat1","io.dev-binder.policy":"requird"}}',
    ],
  ])('decides from the annotations before anything else: %s pass through', async (_case, input) => {
    const result = await hook(input);
    expect(result).toEqual({ exitCode: 0, stdout: input, stderr: '' });
  });

  it('checks the whole config once it has work to do', async () => {
    const input = JSON.stringify({
      annotations: { 'io.dev-binder.udev.seat': 'seat0' },
      linux: { devices: 'x' },
    });
    expectBadInput(
      'hook',
      await hook(input),
      'config on stdin: linux.devices must be an array, got a string',
    );
  });
});

describe('the hook with a bad --config', () => {
  // Both entries: the plain hook path (hook.cjs, and devbinder.js for `devbinder hook`) fails in
  // hook-full.js, another bundle than the one that reports the failure.
  const entries = [
    ['hook.cjs', HOOK_ENTRY],
    ['devbinder.js', DEVBINDER],
  ] as const;

  it.each(entries)(
    '%s: exits 2 naming the file and the setting that is wrong',
    async (_, entry) => {
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ limits: { deadlineMs: 'x' } }));
      expectBadInput(
        'hook',
        await hook(annotated, { entry, args: ['--config', config] }),
        `${config}: "limits.deadlineMs" must be a whole number of milliseconds`,
      );
    },
  );

  it.each(entries)('%s: exits 2 for a file that is no JSON', async (_, entry) => {
    const config = join(dir, 'broken.json');
    writeFileSync(config, '{"limits": ');
    expectBadInput(
      'hook',
      await hook(annotated, { entry, args: ['--config', config] }),
      `${config}: not valid JSON`,
    );
  });

  it.each(entries)('%s: exits 2 for a --config file that is not there', async (_, entry) => {
    const missing = join(dir, 'missing.json');
    expectBadInput(
      'hook',
      await hook(annotated, { entry, args: ['--config', missing] }),
      `cannot read ${missing}: ENOENT`,
    );
  });
});
