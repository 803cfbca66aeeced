import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.js';

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
