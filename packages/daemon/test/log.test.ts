import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger, LastingProblem } from '../src/log.js';

describe('createLogger', () => {
  it('json: one object per line with time, level, event and fields', () => {
    const lines: string[] = [];
    createLogger('json', (line) => lines.push(line)).warn('udev-monitor-gap', { reason: 'exited' });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    const record = JSON.parse(lines[0] ?? '');
    expect(record).toEqual({
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      level: 'warn',
      event: 'udev-monitor-gap',
      reason: 'exited',
    });
  });

  it('text: key=value, quoting values with spaces', () => {
    const lines: string[] = [];
    createLogger('text', (line) => lines.push(line)).info('devices-changed', {
      container: 'web',
      actions: ['allow b 253:1 rwm'],
      count: 2,
    });
    expect(lines[0]).toMatch(
      /^\S+ info devices-changed container=web actions="\[\\"allow b 253:1 rwm\\"\]" count=2\n$/,
    );
  });
});

describe('LastingProblem', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is logged when first met, then at most once per interval, with how often it was met', () => {
    vi.useFakeTimers({ now: 0 });
    const logged: unknown[] = [];
    const problem = new LastingProblem((fields) => logged.push(fields), 60_000);
    for (let second = 0; second <= 130; second++) {
      problem.met(`refused at ${second}`);
      vi.advanceTimersByTime(1000);
    }
    expect(logged).toEqual([
      { message: 'refused at 0', attempts: 1, forMs: 0 },
      { message: 'refused at 60', attempts: 61, forMs: 60_000 },
      { message: 'refused at 120', attempts: 121, forMs: 120_000 },
    ]);
    expect(problem.over()).toEqual({ attempts: 131, forMs: 131_000 });
    expect(problem.over()).toBeUndefined();
    problem.met('again');
    expect(logged.at(-1)).toEqual({ message: 'again', attempts: 1, forMs: 0 });
  });
});
