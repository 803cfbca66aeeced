import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { fixtureDatabase } from '../src/fixtures.js';
import { readThroughSnapshot } from '../src/snapshot.js';

let root: string;
let file: string;
let reads: number;
const db = fixtureDatabase({
  '/devices/usb1': { subsystem: 'usb', tags: ['seat'] },
  '/devices/usb1/1-1': {
    subsystem: 'usb',
    devnode: '/dev/bus/usb/001/002',
    properties: { ID_SEAT: 'seat1' },
  },
});
const read = () => {
  reads++;
  return db;
};
const dataDir = () => join(root, 'run/udev/data');
/** The directory as udevd leaves it after a change long enough ago. */
const quiet = () => utimesSync(dataDir(), new Date(Date.now() - 5000), new Date(Date.now() - 5000));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'devbinder-snapshot-'));
  mkdirSync(dataDir(), { recursive: true });
  writeFileSync(join(dataDir(), 'c189:1'), 'E:ID_SEAT=seat1\n');
  file = join(root, 'snapshot.json');
  reads = 0;
});

describe('readThroughSnapshot', () => {
  it('reads once, then serves the same database while /run/udev/data is unchanged', () => {
    quiet();
    expect(readThroughSnapshot(file, root, read)).toBe(db);
    const replayed = readThroughSnapshot(file, root, read);
    expect(reads).toBe(1);
    expect(replayed.source).toBe('udev');
    expect(replayed.devices).toEqual(db.devices);
    expect(
      replayed.ancestorsOf(replayed.devices[1] as (typeof db.devices)[number])[0]?.devpath,
    ).toBe('/devices/usb1');
  });

  it('reads again after udevd renames a file into the directory', () => {
    quiet();
    readThroughSnapshot(file, root, read);
    writeFileSync(join(root, 'new'), 'E:ID_SEAT=seat2\n');
    renameSync(join(root, 'new'), join(dataDir(), 'c189:1'));
    readThroughSnapshot(file, root, read);
    expect(reads).toBe(2);
  });

  it('writes no snapshot while the directory is still changing', () => {
    utimesSync(dataDir(), new Date(), new Date());
    readThroughSnapshot(file, root, read);
    readThroughSnapshot(file, root, read);
    expect(reads).toBe(2);
    expect(existsSync(file)).toBe(false);
  });

  it('never snapshots a sysfs-only database (no udev, no change signal)', () => {
    const bare = mkdtempSync(join(tmpdir(), 'devbinder-bare-'));
    readThroughSnapshot(file, bare, read);
    readThroughSnapshot(file, bare, read);
    expect(reads).toBe(2);
  });

  it('reads again over a snapshot that is not one, and replaces it', () => {
    quiet();
    readThroughSnapshot(file, root, read);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    const [first, second] = saved.devices;
    for (const broken of [
      { ...saved, format: 0 },
      { ...saved, devices: 'all' },
      { ...saved, devices: [first, { ...second, devnum: { type: 'x', major: 1, minor: 3 } }] },
      { ...saved, devices: [first, { ...second, properties: { ID_SEAT: 1 } }] },
      { ...saved, devices: [first, { ...second, tags: 'seat' }] },
      { ...saved, devices: [first, { ...second, devpath: undefined }] },
      { ...saved, devices: [first, first] },
    ]) {
      writeFileSync(file, JSON.stringify(broken));
      reads = 0;
      expect(readThroughSnapshot(file, root, read)).toBe(db);
      expect(reads, JSON.stringify(broken)).toBe(1);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(saved);
    }
  });

  it('ignores a snapshot of another root or a broken file', () => {
    quiet();
    readThroughSnapshot(file, root, read);
    readThroughSnapshot(file, `${root}/`, read);
    writeFileSync(file, '{ broken');
    readThroughSnapshot(file, root, read);
    expect(reads).toBe(3);
  });
});
