import { describe, expect, it } from 'vitest';
import { parseDbFile } from '../src/index.js';

describe('parseDbFile', () => {
  it('reads what udevd 252 writes (a real /run/udev/data/b7:0)', () => {
    expect(
      parseDbFile(
        'S:disk/by-diskseq/1\nI:465203305\nE:SYSTEMD_READY=0\nG:systemd\nQ:systemd\nV:1\n',
        'b7:0',
      ),
    ).toEqual({
      symlinks: ['/dev/disk/by-diskseq/1'],
      properties: { SYSTEMD_READY: '0' },
      tags: ['systemd'],
      currentTags: ['systemd'],
      usecInitialized: '465203305',
      version: 1,
    });
  });

  it('reads an empty file (a device udev knows nothing about beyond the kernel)', () => {
    expect(parseDbFile('', 'c4:1')).toEqual({
      symlinks: [],
      properties: {},
      tags: [],
      currentTags: [],
      usecInitialized: undefined,
      version: 0,
    });
  });

  it('keeps values verbatim, including = and colons, and empty values', () => {
    const db = parseDbFile('E:ID_PATH=pci-0000:00:14.0-usb-0:2\nE:X=a=b\nE:UNSET=\n', 'x');
    expect(db.properties).toEqual({ ID_PATH: 'pci-0000:00:14.0-usb-0:2', X: 'a=b', UNSET: '' });
  });

  it('skips keys it has no use for and keys from future versions', () => {
    expect(parseDbFile('L:-100\nW:3\nZ:anything\nV:1', 'x')).toMatchObject({ version: 1 });
  });

  it.each([
    ['I:1\nnonsense\n', 'data/c1:1:2: malformed line "nonsense"'],
    ['S: x\nE:ID_INPUT\n', 'data/c1:1:2: malformed E: line "ID_INPUT"'],
    ['I:soon\n', 'data/c1:1:1: malformed I: line "soon"'],
    ['\n\nV:one\n', 'data/c1:1:3: malformed V: line "one"'],
  ])('rejects %j', (text, message) => {
    expect(() => parseDbFile(text, 'data/c1:1')).toThrow(message);
  });
});
