import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';
import { waitFor } from '../src/wait.js';

// With `devbinder daemon` running, the hook asks it and gets the answer from memory; without it,
// the hook computes the same answer itself.
const lab = useLabHost({ disk: { seat: 'seat1' }, spare: {} });
const SEAT = { 'io.dev-binder.udev.seat': 'seat1' };

describe('hook with the daemon', () => {
  it('lets the daemon answer the hook: a container starting while it runs gets its devices', async () => {
    await lab().startDaemon();
    const before = (await lab().daemonStatus()).counters.hookAnswers;
    const id = await lab().startContainer(SEAT);
    expect((await lab().probe(id)).access).toEqual({ disk: 'granted', spare: 'denied' });
    expect((await lab().daemonStatus()).counters.hookAnswers).toBe(before + 1);
    await waitFor('the daemon to manage the container', async () =>
      (await lab().daemonStatus()).containers.some((container) => container.id === id),
    );
  });

  it('gives the same devices when the daemon is stopped and the hook answers alone', async () => {
    const withDaemon = await lab().run(SEAT);
    await lab().stopDaemon();
    expect((await lab().exec('devbinder daemon status')).exitCode).toBe(3);
    const alone = await lab().run(SEAT);
    expect(withDaemon.added).toEqual(lab().expectedNodes(['disk']));
    expect(alone.added).toEqual(withDaemon.added);
    expect(alone.access).toEqual(withDaemon.access);
  });
});
