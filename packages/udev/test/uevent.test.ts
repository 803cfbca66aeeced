import { describe, expect, it } from 'vitest';
import { parseUevent } from '../src/index.js';

describe('parseUevent', () => {
  it('reads KEY=value lines in order, values verbatim', () => {
    const uevent = parseUevent(
      'MAJOR=7\nMINOR=0\nDEVNAME=loop0\nDEVTYPE=disk\nNAME="AT kbd"\nX=a=b\n',
    );
    expect(uevent).toEqual({
      MAJOR: '7',
      MINOR: '0',
      DEVNAME: 'loop0',
      DEVTYPE: 'disk',
      NAME: '"AT kbd"',
      X: 'a=b',
    });
    expect(Object.keys(uevent)).toEqual(['MAJOR', 'MINOR', 'DEVNAME', 'DEVTYPE', 'NAME', 'X']);
  });

  it('reads an empty file and a file without a final newline', () => {
    expect(parseUevent('')).toEqual({});
    expect(parseUevent('DRIVER=usb')).toEqual({ DRIVER: 'usb' });
  });

  it('rejects a line without a key, naming the origin', () => {
    expect(() => parseUevent('A=1\nno equals\n')).toThrow('uevent:2: malformed line "no equals"');
    expect(() => parseUevent('=x', '/sys/x/uevent')).toThrow(
      '/sys/x/uevent:1: malformed line "=x"',
    );
  });
});
