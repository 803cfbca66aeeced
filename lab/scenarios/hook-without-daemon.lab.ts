import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';

// The hook alone decides at container start. Devices that come or go later (real kernel uevents
// from zram hot_add/hot_remove) reach the next container, not the running one: keeping running
// containers in step is the daemon's job (hotplug.lab.ts, preauthorized.lab.ts).
const SEAT = { 'io.dev-binder.udev.seat': 'seat-hot' };
const lab = useLabHost({ 'at-start': { seat: 'seat-hot' } });

describe('hook without the daemon', () => {
  let running: string;

  it('gives a container the devices present when it starts', async () => {
    running = await lab().startContainer(SEAT);
    const view = await lab().probe(running);
    expect(view.access).toEqual({ 'at-start': 'granted' });
  });

  it('leaves a device hot-added later out of the running container, and gives it to the next', async () => {
    await lab().addDevices({ 'hot-added': { kind: 'zram', seat: 'seat-hot' } });
    const before = await lab().probe(running);
    expect(before.access).toEqual({ 'at-start': 'granted', 'hot-added': 'denied' });
    const next = await lab().run(SEAT);
    expect(next.access).toEqual({ 'at-start': 'granted', 'hot-added': 'granted' });
    expect(next.added).toEqual(lab().expectedNodes(['at-start', 'hot-added']));
  });

  it('gives a device hot-removed (the kernel removed it) to no later container', async () => {
    await lab().removeDevice('hot-added');
    const next = await lab().run(SEAT);
    expect(next.access).toEqual({ 'at-start': 'granted' });
    expect(next.added).toEqual(lab().expectedNodes(['at-start']));
    expect(await lab().isRunning(running)).toBe(true);
    expect((await lab().probe(running)).access).toEqual({ 'at-start': 'granted' });
  });

  it('follows udev: an injected remove event takes a device out, an add event brings it back', async () => {
    // The kernel still has the device; udev's database no longer lists it, so no selector sees its seat.
    await lab().trigger('remove', ['at-start']);
    expect((await lab().run(SEAT)).access).toEqual({ 'at-start': 'denied' });
    await lab().trigger('add', ['at-start']);
    expect((await lab().run(SEAT)).access).toEqual({ 'at-start': 'granted' });
  });
});
