import { fixtureDatabase, loadExport, useSelector } from '@devbinder/plugin-testkit';
import { describe, expect, it } from 'vitest';

// The component `devbinder plugin build` wrote, loaded before the tests and stopped after them.
// This is the bundled seat selector; in a plugin project: new URL('../dist', import.meta.url).
const seat = useSelector(new URL('../../../plugins/seat/dist', import.meta.url));

describe('the seat selector', () => {
  // Parents are linked by devpath; give each device only the fields the test is about.
  const db = fixtureDatabase({
    '/devices/pci0000:00/usb1/1-1': { subsystem: 'usb', properties: { ID_SEAT: 'seat1' } },
    '/devices/pci0000:00/usb1/1-1/1-1:1.0/input/input7/event7': {
      subsystem: 'input',
      devnode: '/dev/input/event7',
    },
    '/devices/virtual/block/loop0': { subsystem: 'block', devnode: '/dev/loop0' },
  });

  it("chooses the seat's device nodes, saying why", async () => {
    expect(await seat.nodes('seat1', db)).toEqual(['/dev/input/event7']);
    expect(await seat.reasons('seat1', db)).toEqual({
      '/dev/input/event7': 'ID_SEAT=seat1 (from 1-1)',
    });
  });

  it('works on a real machine', async () => {
    // Any `udevadm info --export-db` capture, by path or file URL; this one ships with the testkit
    // (also as sampleCapture('desktop')).
    const desktop = loadExport(new URL('../captures/desktop.export-db.txt', import.meta.url));
    expect(await seat.nodes('seat1', desktop)).toContain('/dev/input/event6');
  });

  it('points at the mistake in an argument', async () => {
    await expect(seat.select('', db)).rejects.toMatchObject({
      kind: 'invalid-argument',
      column: 1,
    });
  });
});
