import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';

// udev symlinks (the rule's own plus whatever the distribution's rules add, such as
// /dev/disk/by-diskseq/N) become nodes of the same device when a container asks for them.
const lab = useLabHost({
  ftdi: { usb: '0403:6001:A50285BI', symlink: 'serial/by-id/lab-ftdi' },
  spare: {},
});

const select = { 'io.dev-binder.udev.usb': '0403:6001:A50285BI' };

describe('symlinks', () => {
  it('knows the link the rule asked for', () => {
    expect(lab().device('ftdi').links).toContain('/dev/serial/by-id/lab-ftdi');
  });

  it('gives only the device node without io.dev-binder.symlinks', async () => {
    const view = await lab().run(select);
    expect(view.access).toEqual({ ftdi: 'granted', spare: 'denied' });
    // No link path among the container's nodes: only the device's own node was added.
    expect(view.added).toEqual(lab().expectedNodes(['ftdi']));
  });

  it('with io.dev-binder.symlinks=true, adds every udev link as a usable node of the device', async () => {
    const view = await lab().run({ ...select, 'io.dev-binder.symlinks': 'true' }, { links: true });
    const links = (name: string, access: string) =>
      Object.fromEntries(
        lab()
          .device(name)
          .links.map((link) => [`${name} → ${link}`, access]),
      );
    expect(view.access).toEqual({
      ftdi: 'granted',
      ...links('ftdi', 'granted'),
      spare: 'denied',
      ...links('spare', 'denied'),
    });
    expect(view.added).toEqual(lab().expectedNodes(['ftdi'], { links: true }));
  });
});
