import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';

// io.dev-binder.policy: best-effort (the default) starts a container with what was found;
// required refuses it when anything is missing or wrong, and says why.
const lab = useLabHost({ disk: { seat: 'seat1' } });

const SEAT = 'io.dev-binder.udev.seat';
const POLICY = 'io.dev-binder.policy';
const REFUSED = 'devbinder refused to start this container';

describe('policy required vs best-effort', () => {
  it('required: starts a container whose selectors all find devices', async () => {
    const view = await lab().run({ [SEAT]: 'seat1', [POLICY]: 'required' });
    expect(view.access).toEqual({ disk: 'granted' });
  });

  it('required: refuses a container whose seat has no devices, naming the annotation', async () => {
    const result = await lab().tryRun(
      { [SEAT]: 'seat-empty', [POLICY]: 'required' },
      'echo started',
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toContain('started');
    expect(result.stderr).toContain(`${REFUSED}: ${SEAT}: selected no devices`);
  });

  it('required: refuses a container with an unknown selector even when another finds devices', async () => {
    const result = await lab().tryRun(
      { [SEAT]: 'seat1', 'io.dev-binder.udev.nosuch': 'x', [POLICY]: 'required' },
      'echo started',
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toContain('started');
    expect(result.stderr).toContain(`${REFUSED}: io.dev-binder.udev.nosuch`);
  });

  it('best-effort: starts a container whose seat has no devices, without devices', async () => {
    const view = await lab().run({ [SEAT]: 'seat-empty' });
    expect(view.access).toEqual({ disk: 'denied' });
    expect(view.added).toEqual([]);
  });

  it('best-effort: an unknown selector costs only its own devices', async () => {
    const view = await lab().run({ [SEAT]: 'seat1', 'io.dev-binder.udev.nosuch': 'x' });
    expect(view.access).toEqual({ disk: 'granted' });
    expect(view.added).toEqual(lab().expectedNodes(['disk']));
  });

  it('refuses a misspelt policy rather than falling back to best-effort', async () => {
    const result = await lab().tryRun({ [SEAT]: 'seat1', [POLICY]: 'requried' }, 'echo started');
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain(`${REFUSED}: ${POLICY}`);
  });
});
