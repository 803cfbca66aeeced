import { describe, expect, it } from 'vitest';
import { useLabHost } from '../src/lab.js';

// USB devices by vendor:product and by serial. udev rules give loop devices the identities that
// usb_id would give real adapters: two FTDI adapters of one model and a CH340; and a character
// device, a virtual console (c 4:63), the identity of an Arduino Uno, whose real node would be a
// tty too (/dev/ttyACM0, c 166:0; no USB bus here to make one: see lab/README.md).
const lab = useLabHost({
  ftdi: { usb: '0403:6001:A50285BI' },
  'ftdi-other': { usb: '0403:6001:B0000002' },
  ch340: { usb: '1a86:7523:C0000003' },
  arduino: { kind: 'tty:tty63', usb: '2341:0043' },
  spare: {},
});

describe('usb by vid:pid and by serial', () => {
  it('gives every adapter of a vendor:product', async () => {
    const view = await lab().run({ 'io.dev-binder.udev.usb': '0403:6001' });
    expect(view.access).toEqual({
      ftdi: 'granted',
      'ftdi-other': 'granted',
      ch340: 'denied',
      arduino: 'denied',
      spare: 'denied',
    });
    expect(view.added).toEqual(lab().expectedNodes(['ftdi', 'ftdi-other']));
  });

  it('gives only the adapter with the serial asked for', async () => {
    const view = await lab().run({ 'io.dev-binder.udev.usb': '0403:6001:B0000002' });
    expect(view.access).toEqual({
      ftdi: 'denied',
      'ftdi-other': 'granted',
      ch340: 'denied',
      arduino: 'denied',
      spare: 'denied',
    });
    expect(view.added).toEqual(lab().expectedNodes(['ftdi-other']));
  });

  it('unions labelled annotations, with ids in any case and without leading zeros', async () => {
    const view = await lab().run({
      'io.dev-binder.udev.usb.ftdi': '403:6001:A50285BI',
      'io.dev-binder.udev.usb.ch340': '1A86:7523',
    });
    expect(view.access).toEqual({
      ftdi: 'granted',
      'ftdi-other': 'denied',
      ch340: 'granted',
      arduino: 'denied',
      spare: 'denied',
    });
  });

  it('gives a character device by its USB identity: a tty, usable, and nothing else', async () => {
    const view = await lab().run({ 'io.dev-binder.udev.usb': '2341:0043' });
    expect(view.access).toEqual({
      ftdi: 'denied',
      'ftdi-other': 'denied',
      ch340: 'denied',
      arduino: 'granted',
      spare: 'denied',
    });
    expect(view.added).toEqual(lab().expectedNodes(['arduino']));
  });
});
