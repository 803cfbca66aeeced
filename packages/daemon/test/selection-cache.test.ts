import type { SelectorRunner } from '@devbinder/engine';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { describe, expect, it } from 'vitest';
import { SelectionCache } from '../src/selection-cache.js';

const devices = { '/devices/virtual/block/zram1': { subsystem: 'block', devnode: '/dev/zram1' } };

function counting(fail = false) {
  const calls: string[] = [];
  const runner: SelectorRunner = {
    async select(selector, argument, db) {
      calls.push(`${selector} ${argument}`);
      if (fail && calls.length === 1) throw new Error('deadline');
      return db.devices.map((device) => ({ device, reason: 'chosen' }));
    },
  };
  return { runner, calls };
}

describe('SelectionCache', () => {
  it('asks each selector once per argument and database', async () => {
    const { runner, calls } = counting();
    const cache = new SelectionCache(runner);
    const db = fixtureDatabase(devices);
    const first = await cache.select('subsystem', 'block:zram*', db);
    expect(await cache.select('subsystem', 'block:zram*', db)).toBe(first);
    await cache.select('subsystem', 'block', db);
    expect(calls).toEqual(['subsystem block:zram*', 'subsystem block']);
  });

  it('asks again for a new database', async () => {
    const { runner, calls } = counting();
    const cache = new SelectionCache(runner);
    await cache.select('subsystem', 'block', fixtureDatabase(devices));
    await cache.select('subsystem', 'block', fixtureDatabase(devices));
    expect(calls).toHaveLength(2);
  });

  it('does not remember a failure', async () => {
    const { runner, calls } = counting(true);
    const cache = new SelectionCache(runner);
    const db = fixtureDatabase(devices);
    await expect(cache.select('seat', 'seat1', db)).rejects.toThrow('deadline');
    await expect(cache.select('seat', 'seat1', db)).resolves.toHaveLength(1);
    expect(calls).toHaveLength(2);
  });
});
