import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';

// Every node of a subsystem whose kernel name matches a glob; items separated by commas are unioned.
const lab = useLabHost({
  first: {},
  second: {},
  ram: { kind: 'zram' },
  fuse: { kind: 'misc:fuse' },
});

const kernel = (name: string) => lab().device(name).kernel;

describe('subsystem', () => {
  it('gives the block devices whose kernel names match the glob, and no other', async () => {
    const glob = `${kernel('first')}|${kernel('second')}`;
    const view = await lab().run({ 'io.dev-binder.udev.subsystem': `block:${glob}` });
    expect(view.access).toEqual({
      first: 'granted',
      second: 'granted',
      ram: 'denied',
      fuse: 'denied',
    });
    expect(view.added).toEqual(lab().expectedNodes(['first', 'second']));
  });

  it('unions comma-separated items across subsystems: a hot-added zram disk and a misc device', async () => {
    const view = await lab().run({
      'io.dev-binder.udev.subsystem': `block:${kernel('ram')},misc:${kernel('fuse')}`,
    });
    expect(view.access).toEqual({
      first: 'denied',
      second: 'denied',
      ram: 'granted',
      fuse: 'granted',
    });
    expect(view.added).toEqual(lab().expectedNodes(['ram', 'fuse']));
  });
});
