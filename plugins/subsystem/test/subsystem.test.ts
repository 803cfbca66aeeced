import { fixtureDatabase, sampleCapture, useSelector } from '@devbinder/plugin-testkit';
import { describe, expect, it } from 'vitest';

const desktop = sampleCapture('desktop');
const subsystem = useSelector(new URL('../dist', import.meta.url));

describe('subsystem selector', () => {
  it('gives every node of a subsystem', async () => {
    expect(await subsystem.nodes('sound', desktop)).toEqual([
      '/dev/snd/controlC0',
      '/dev/snd/pcmC0D0p',
    ]);
  });

  it('narrows by kernel-name glob and unions items', async () => {
    const db = fixtureDatabase({
      '/devices/a/ttyUSB0': { subsystem: 'tty', devnode: '/dev/ttyUSB0' },
      '/devices/a/ttyACM1': { subsystem: 'tty', devnode: '/dev/ttyACM1' },
      '/devices/virtual/tty/tty5': { subsystem: 'tty', devnode: '/dev/tty5' },
      '/devices/virtual/tty/ttyS0': { subsystem: 'tty', devnode: '/dev/ttyS0' },
      '/devices/virtual/block/loop3': { subsystem: 'block', devnode: '/dev/loop3' },
    });
    expect(await subsystem.nodes('tty:ttyUSB*,tty:ttyACM*', db)).toEqual([
      '/dev/ttyACM1',
      '/dev/ttyUSB0',
    ]);
    expect(await subsystem.nodes('tty:tty[0-9]', db)).toEqual(['/dev/tty5']);
    expect(await subsystem.nodes('tty:tty[!A-Z0-9]*', db)).toEqual([]);
    // `;` separates items too: Podman 4 splits --annotation values at commas.
    expect(await subsystem.nodes('tty:ttyUSB*;tty:ttyACM*', db)).toEqual([
      '/dev/ttyACM1',
      '/dev/ttyUSB0',
    ]);
    expect(await subsystem.nodes('tty:ttyS?|tty5,block', db)).toEqual([
      '/dev/loop3',
      '/dev/tty5',
      '/dev/ttyS0',
    ]);
  });

  it('explains the match', async () => {
    const [first] = await subsystem.select('block:sd?', desktop);
    expect(first?.reason).toBe('subsystem block, kernel name matches sd?');
  });

  it.each([
    ['', 1, 'expected a subsystem name'],
    ['sound,', 7, 'expected a subsystem name'],
    ['tty:', 5, 'expected a kernel-name glob after "tty:"'],
    ['so und', 1, '"so und" is not a subsystem name'],
  ])('rejects %j at column %i', async (argument, column, message) => {
    await expect(subsystem.select(argument, desktop)).rejects.toMatchObject({
      kind: 'invalid-argument',
      column,
      message: expect.stringContaining(message),
    });
  });
});
