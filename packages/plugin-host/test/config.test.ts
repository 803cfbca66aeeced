import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  HOOK_TIMEOUT_MS,
  hostLimits,
  PLUGIN_TIME_BUDGET_MS,
  parseHostConfig,
  readHostConfig,
} from '../src/index.js';

const file = '/etc/devbinder/config.json';

describe('the config file', () => {
  it('gives defaults for every plugin and overrides per plugin', () => {
    const config = parseHostConfig(
      JSON.stringify({
        limits: { deadlineMs: 1500, memoryMiB: 128 },
        plugins: { match: { limits: { deadlineMs: 5000 } }, usb: {} },
      }),
      file,
    );
    const { limits, limitsFor } = hostLimits(config);
    expect(limits).toEqual({ deadlineMs: 1500, memoryMiB: 128 });
    expect(limitsFor('match')).toEqual({ deadlineMs: 5000 });
    expect(limitsFor('usb')).toEqual({});
    expect(limitsFor('seat')).toBeUndefined();
    expect(limitsFor('constructor')).toBeUndefined();
  });

  it.each([
    ['{ "limits": { "deadlineMs": 1 }', 'not valid JSON: Expected'],
    ['[]', `${file}: the file must be a JSON object`],
    ['{ "limit": {} }', `${file}: unknown setting "limit" (known here: limits, plugins)`],
    [
      '{ "limits": { "deadline": 5 } }',
      `${file}: unknown setting "limits.deadline" (known here: deadlineMs, loadDeadlineMs, prepareDeadlineMs, maxComponentMiB, memoryMiB, maxArgumentBytes, maxMessageBytes)`,
    ],
    [
      '{ "limits": { "deadlineMs": "2s" } }',
      `${file}: "limits.deadlineMs" must be a whole number of milliseconds from 10 to 25000, got "2s"`,
    ],
    [
      '{ "plugins": { "match": { "limits": { "memoryMiB": 8192 } } } }',
      `${file}: "plugins.match.limits.memoryMiB" must be a whole number of MiB from 16 to 4096, got 8192`,
    ],
    ['{ "plugins": { "Match!": {} } }', `${file}: "plugins.Match!": not a selector name`],
    [
      '{ "plugins": { "match": { "deadlineMs": 5 } } }',
      `${file}: unknown setting "plugins.match.deadlineMs" (known here: limits)`,
    ],
  ])('refuses %s, saying where', (text, message) => {
    expect(() => parseHostConfig(text, file)).toThrow(message);
  });

  it('refuses deadlines that together leave the hook no time to answer, naming the plugin', () => {
    expect(() =>
      parseHostConfig(
        JSON.stringify({ plugins: { match: { limits: { deadlineMs: 6000 } } } }),
        file,
      ),
    ).toThrow(
      `${file}: plugin "match" ("limits" with "plugins.match.limits"): prepareDeadlineMs + loadDeadlineMs + deadlineMs come to 26000 ms (10000 + 10000 + 6000), more than the 25000 ms a plugin may take of the hook's 30 s (Podman stops the hook then)`,
    );
    expect(() =>
      parseHostConfig(JSON.stringify({ limits: { loadDeadlineMs: 20000 } }), file),
    ).toThrow(
      `${file}: "limits": prepareDeadlineMs + loadDeadlineMs + deadlineMs come to 32000 ms`,
    );
    // Within the budget, any way it is split.
    expect(
      parseHostConfig(
        JSON.stringify({
          limits: { prepareDeadlineMs: 5000 },
          plugins: { match: { limits: { deadlineMs: 10000 } } },
        }),
        file,
      ).plugins.match?.limits,
    ).toEqual({ deadlineMs: 10000 });
  });

  it('has defaults that fit the budget', () => {
    const { prepareDeadlineMs, loadDeadlineMs, deadlineMs } = DEFAULT_LIMITS;
    expect(prepareDeadlineMs + loadDeadlineMs + deadlineMs).toBeLessThanOrEqual(
      PLUGIN_TIME_BUDGET_MS,
    );
    expect(PLUGIN_TIME_BUDGET_MS).toBeLessThan(HOOK_TIMEOUT_MS);
  });

  it('says at which line and column the JSON breaks', () => {
    expect(() =>
      parseHostConfig('{\n  "limits": {\n    "deadlineMs": 2000,\n  }\n}', file),
    ).toThrow(/not valid JSON: .* \(line 4, column 3\)$/);
  });

  it('treats a missing default file as empty, but a missing named file as an error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'devbinder-config-'));
    expect(readHostConfig(join(dir, 'config.json'), { required: false })).toEqual({
      limits: {},
      plugins: {},
    });
    expect(() => readHostConfig(join(dir, 'config.json'), { required: true })).toThrow(
      `cannot read ${join(dir, 'config.json')}: ENOENT`,
    );
    writeFileSync(join(dir, 'config.json'), '{ "limits": { "memoryMiB": 64 } }');
    expect(readHostConfig(join(dir, 'config.json'), { required: true }).limits).toEqual({
      memoryMiB: 64,
    });
  });
});
