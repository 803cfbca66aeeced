import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';

// One machine, two seats: each seat's container gets its own seat's devices and nothing of the other.
const lab = useLabHost({
  'seat1-disk': { seat: 'seat1' },
  'seat1-fuse': { kind: 'misc:fuse', seat: 'seat1' },
  'seat0-disk': { seat: 'seat0' },
  spare: {},
});

describe('seat0/seat1 split', () => {
  it('gives a seat1 container exactly the seat1 devices, block and character, usable', async () => {
    const view = await lab().run({ 'io.dev-binder.udev.seat': 'seat1' });
    expect(view.access).toEqual({
      'seat1-disk': 'granted',
      'seat1-fuse': 'granted',
      'seat0-disk': 'denied',
      spare: 'denied',
    });
    expect(view.added).toEqual(lab().expectedNodes(['seat1-disk', 'seat1-fuse']));
  });

  it('gives a seat0 container the device tagged "seat" without ID_SEAT, and no seat1 device', async () => {
    const view = await lab().run({ 'io.dev-binder.udev.seat': 'seat0' });
    expect(view.access).toEqual({
      'seat1-disk': 'denied',
      'seat1-fuse': 'denied',
      'seat0-disk': 'granted',
      spare: 'denied',
    });
  });

  it('keeps the seats apart while both containers run side by side', async () => {
    const host = lab();
    const seat0 = await host.startContainer({ 'io.dev-binder.udev.seat': 'seat0' });
    const seat1 = await host.startContainer({ 'io.dev-binder.udev.seat': 'seat1' });
    const [view0, view1] = await Promise.all([host.probe(seat0), host.probe(seat1)]);
    expect(view0.access['seat0-disk']).toBe('granted');
    expect(view0.access['seat1-disk']).toBe('denied');
    expect(view1.access['seat1-disk']).toBe('granted');
    expect(view1.access['seat0-disk']).toBe('denied');
  });
});
