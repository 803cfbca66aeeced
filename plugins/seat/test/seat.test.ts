import { fixtureDatabase, sampleCapture, useSelector } from '@devbinder/plugin-testkit';
import { describe, expect, it } from 'vitest';

const desktop = sampleCapture('desktop');
const seat = useSelector(new URL('../dist', import.meta.url));

describe('seat selector on a captured desktop', () => {
  it('gives seat0 the seat-tagged devices and the child nodes under them', async () => {
    expect(await seat.nodes('seat0', desktop)).toEqual([
      '/dev/bus/usb/001/001',
      '/dev/bus/usb/001/002',
      '/dev/bus/usb/001/003',
      '/dev/dri/card0',
      '/dev/dri/renderD128',
      '/dev/hidraw0',
      // Keyboard event node and sound nodes carry no seat tag themselves: their parents do.
      '/dev/input/event5',
      '/dev/snd/controlC0',
      '/dev/snd/pcmC0D0p',
      '/dev/ttyUSB0',
    ]);
  });

  it('gives seat1 exactly the devices assigned to it', async () => {
    expect(await seat.nodes('seat1', desktop)).toEqual([
      '/dev/bus/usb/001/004',
      '/dev/bus/usb/001/005',
      '/dev/input/event6',
    ]);
  });

  it('gives a seat without devices nothing', async () => {
    expect(await seat.nodes('seat7', desktop)).toEqual([]);
  });

  it('says why', async () => {
    const reasons = await seat.reasons('seat0', desktop);
    expect(reasons['/dev/dri/card0']).toBe('tag "seat", no other seat assigned');
    expect(reasons['/dev/input/event5']).toBe('tag "seat", no other seat assigned (from input5)');
  });
});

describe('seat selector semantics', () => {
  const db = fixtureDatabase({
    '/devices/card1': {
      subsystem: 'sound',
      tags: ['seat', 'seat2'],
      properties: { ID_SEAT: 'seat2' },
    },
    // A rule set ID_SEAT on the card after its control node appeared: the child inherits it.
    '/devices/card1/controlC1': { subsystem: 'sound', devnode: '/dev/snd/controlC1' },
    '/devices/loop0': { subsystem: 'block', devnode: '/dev/loop0' },
    '/devices/fb0': {
      subsystem: 'graphics',
      devnode: '/dev/fb0',
      tags: ['seat'],
      properties: { ID_SEAT: 'seat0' },
    },
  });

  it("takes the nearest ancestor's ID_SEAT when a device has none", async () => {
    expect(await seat.nodes('seat2', db)).toEqual(['/dev/snd/controlC1']);
    expect(await seat.reasons('seat2', db)).toEqual({
      '/dev/snd/controlC1': 'ID_SEAT=seat2 (from card1)',
    });
  });

  it('sees an ID_SEAT set on an untagged ancestor above the seat tag', async () => {
    const hub = fixtureDatabase({
      '/devices/hub': { subsystem: 'usb', properties: { ID_SEAT: 'seat1' } },
      '/devices/hub/input7': { subsystem: 'input', tags: ['seat'] },
      '/devices/hub/input7/event7': { subsystem: 'input', devnode: '/dev/input/event7' },
    });
    expect(await seat.nodes('seat0', hub)).toEqual([]);
    expect(await seat.nodes('seat1', hub)).toEqual(['/dev/input/event7']);
  });

  it('counts ID_SEAT=seat0 as seat0 and ignores untagged devices', async () => {
    expect(await seat.nodes('seat0', db)).toEqual(['/dev/fb0']);
  });

  it.each([
    ['', 1],
    ['seat 1', 5],
    ['desk1', 1],
    ['seat1;rm', 5],
  ])('rejects %j, pointing at column %i', async (argument, column) => {
    await expect(seat.select(argument, db)).rejects.toMatchObject({
      kind: 'invalid-argument',
      column,
      message: expect.stringContaining('is not a seat name'),
    });
  });
});
