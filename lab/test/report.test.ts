import { describe, expect, it } from 'vitest';
import type { LabImage } from '../src/image.js';
import {
  buildReport,
  type LabEnvironment,
  renderMarkdown,
  type ScenarioOutcome,
  scenarioResult,
} from '../src/report.js';

const image: LabImage = {
  recipe: 'debian',
  reference: 'localhost/devbinder-lab:debian-0123456789abcdef',
  base: 'localhost/devbinder-lab-base:debian-fedcba9876543210',
  built: { base: false, devbinder: true },
  buildSeconds: { base: 95.3, devbinder: 21.44 },
  created: { base: '2026-11-25T20:00:00Z', devbinder: '2026-11-25T21:00:00Z' },
  tarballSha256: 'ab'.repeat(32),
  versions: { devbinder: '0.1.0', podman: 'podman version 4.3.1' },
};
const environment: LabEnvironment = {
  machine: { kernel: '6.1.0', podman: 'podman version 4.3.1', cgroup: 'v1' },
  image,
  setupSeconds: 23.06,
};
const seat: ScenarioOutcome = {
  file: 'lab/scenarios/seat-split.lab.ts',
  title: 'seat0/seat1 split',
  result: 'passed',
  seconds: 9.2,
  hostSeconds: 5,
  tests: [{ name: 'gives seat1 its devices', result: 'passed', seconds: 1.6 }],
  errors: [],
};
const policy: ScenarioOutcome = {
  file: 'lab/scenarios/policy.lab.ts',
  title: 'policy | required',
  result: 'failed',
  seconds: 7,
  hostSeconds: 4,
  tests: [{ name: 'refuses', result: 'failed', seconds: 0.5, error: 'AssertionError: expected 0' }],
  errors: [],
};
const started = new Date('2026-11-25T21:00:00Z');

describe('scenarioResult', () => {
  it('passes only with tests, all passed, and no error outside them', () => {
    const passed = { name: 't', result: 'passed' as const, seconds: 1 };
    expect(scenarioResult([passed], [])).toBe('passed');
    expect(scenarioResult([], [])).toBe('failed');
    expect(scenarioResult([passed, { ...passed, result: 'skipped' }], [])).toBe('failed');
    expect(scenarioResult([passed], ['lab host did not boot'])).toBe('failed');
  });
});

describe('buildReport', () => {
  it('totals scenarios and tests', () => {
    const report = buildReport(started, 100.04, environment, [seat, policy], []);
    expect(report).toMatchObject({
      result: 'failed',
      startedAt: '2026-11-25T21:00:00.000Z',
      seconds: 100,
      setupSeconds: 23.1,
      totals: { scenarios: 2, scenariosFailed: 1, testsPassed: 1, testsFailed: 1 },
      errors: [],
    });
  });

  it('fails a run without scenarios, or whose setup failed or recorded nothing', () => {
    expect(buildReport(started, 1, environment, [], []).result).toBe('failed');
    const failedSetup = { ...environment, setupError: 'podman info failed' };
    expect(buildReport(started, 1, failedSetup, [seat], []).errors).toEqual([
      'global setup: podman info failed',
    ]);
    expect(buildReport(started, 1, undefined, [seat], []).result).toBe('failed');
  });
});

describe('renderMarkdown', () => {
  const markdown = renderMarkdown(buildReport(started, 100, environment, [seat, policy], []));

  it('says the result, the image and how it was obtained, and the versions', () => {
    expect(markdown).toContain(
      'Result: **failed**: 1 of 2 scenarios passed (1 tests passed, 1 failed)',
    );
    expect(markdown).toContain(
      'Image: `localhost/devbinder-lab:debian-0123456789abcdef` (recipe debian; base cached, built 2026-11-25T20:00:00Z in 95.3 s, devbinder layer built in 21.4 s)',
    );
    expect(markdown).toContain('| podman | podman version 4.3.1 |');
    expect(markdown).toContain('Machine: kernel 6.1.0, podman version 4.3.1, cgroup v1.');
  });

  it('says only when a cached layer was built if its build time is not known here', () => {
    const unknown = { ...image, buildSeconds: { base: null, devbinder: 21.44 } };
    const text = renderMarkdown(
      buildReport(started, 1, { ...environment, image: unknown }, [seat], []),
    );
    expect(text).toContain(
      'base cached, built 2026-11-25T20:00:00Z, devbinder layer built in 21.4 s',
    );
  });

  it('has one row per scenario, escaping table characters', () => {
    expect(markdown).toContain(
      '| seat0/seat1 split (`lab/scenarios/seat-split.lab.ts`) | passed | 1/1 | 9.2 | 5 |',
    );
    expect(markdown).toContain(
      '| policy \\| required (`lab/scenarios/policy.lab.ts`) | failed | 0/1 | 7 | 4 |',
    );
  });

  it('ends with each failure and its error', () => {
    expect(markdown).toContain(
      '## Failures\n\n### policy | required › refuses\n\n```\nAssertionError: expected 0\n```\n',
    );
  });
});
