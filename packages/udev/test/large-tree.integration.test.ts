import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLiveDatabase } from '../src/index.js';
import { writeFakeTree } from './support/fake-tree.js';
import { thousandDevices } from './support/thousand-devices.js';

// Its speed is measured by `pnpm bench` (bench/live.bench.ts); this checks what it reads.
describe('readLiveDatabase on a large tree', () => {
  let root = '';

  beforeAll(() => {
    // tmpfs where available, like /sys and /run.
    root = mkdtempSync(
      join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'devbinder-udev-large-'),
    );
    writeFakeTree(root, thousandDevices());
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('reads every device of a 1,000-device tree and their ancestors', () => {
    const db = readLiveDatabase({ root });
    expect(db.devices.filter((device) => device.properties.USEC_INITIALIZED).length).toBe(850);
    // Plus the ancestors without a file: 150 serio ports, /devices/pci0000:00, /devices/platform.
    expect(db.devices).toHaveLength(1000 + 150 + 2);
  });
});
