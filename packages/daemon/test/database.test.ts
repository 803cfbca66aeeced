import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveDatabase } from '../src/database.js';

describe('LiveDatabase', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A database directory last changed `ageMs` ago, and a reader that counts its reads. */
  function setup(ageMs: number) {
    dir = mkdtempSync(join(tmpdir(), 'devbinder-udev-data-'));
    const past = new Date(Date.now() - ageMs);
    utimesSync(dir, past, past);
    let reads = 0;
    const live = new LiveDatabase((warn) => {
      reads++;
      warn(`read ${reads}`);
      return fixtureDatabase({ [`/devices/virtual/block/loop${reads}`]: { subsystem: 'block' } });
    }, dir);
    return { live, reads: () => reads };
  }

  it('reads once while the directory stays as it was', () => {
    const { live, reads } = setup(60_000);
    const first = live.current();
    expect(live.current()).toBe(first);
    expect(reads()).toBe(1);
    expect(first.warnings).toEqual(['read 1']);
  });

  it('reads again when udevd changes the directory', () => {
    const { live, reads } = setup(60_000);
    const first = live.current();
    writeFileSync(join(dir, 'b253:1'), '');
    const second = live.current();
    expect(reads()).toBe(2);
    expect(second).not.toBe(first);
    expect(second.database.devices[0]?.devpath).toBe('/devices/virtual/block/loop2');
  });

  it('does not trust a read that began right after a change (same clock tick)', () => {
    const { live, reads } = setup(0);
    live.current();
    live.current();
    expect(reads()).toBe(2);
  });

  it('reads again after invalidate()', () => {
    const { live, reads } = setup(60_000);
    live.current();
    live.invalidate();
    live.current();
    expect(reads()).toBe(2);
  });

  it('reads every time without a database directory (sysfs only)', () => {
    const { live, reads } = setup(60_000);
    rmSync(dir, { recursive: true });
    live.current();
    live.current();
    expect(reads()).toBe(2);
  });
});
