import { describe, expect, it } from 'vitest';
import { nodeLine, type ProbeTarget, parseProbe, probeScript } from '../src/probe.js';

const disk: ProbeTarget = {
  label: 'disk',
  path: '/dev/loop3',
  type: 'b',
  major: 7,
  minor: 3,
  marker: 'devbinder-lab:disk',
};
const fuse: ProbeTarget = { label: 'fuse', path: '/dev/fuse', type: 'c', major: 10, minor: 229 };

const access = (stdout: string, targets: ProbeTarget[] = [disk]) =>
  parseProbe(stdout, targets).access;

describe('parseProbe', () => {
  it('lists /dev nodes with decimal numbers, sorted', () => {
    const view = parseProbe('n c 1:3 /dev/null\nn b 7:a /dev/loop10\n', []);
    expect(view.nodes).toEqual(['/dev/loop10 b 7:10', '/dev/null c 1:3']);
  });

  it('grants a present node with the right numbers that reads its marker', () => {
    expect(access('t 0 present b 7:3\nt 0 open ok devbinder-lab:disk\n')).toEqual({
      disk: 'granted',
    });
  });

  it('grants a character device that opens (nothing is read from it)', () => {
    expect(access('t 0 present c a:e5\nt 0 open ok\n', [fuse])).toEqual({ fuse: 'granted' });
  });

  it('denies an absent device whose mknod node cannot be opened', () => {
    const stdout = `t 0 absent\nt 0 mknod ok\nt 0 open failed dd: can't open '/dev/.lab-probe/0': Operation not permitted\n`;
    expect(access(stdout)).toEqual({ disk: 'denied' });
  });

  it('reports a device cgroup that lets an unselected device through', () => {
    expect(access('t 0 absent\nt 0 mknod ok\nt 0 open ok devbinder-lab:disk\n')).toEqual({
      disk: 'absent, but a node made with mknod opens: the device cgroup lets it through',
    });
  });

  it('reports a node with other numbers, another content, or one that does not open', () => {
    expect(access('t 0 present b 7:4\nt 0 open ok devbinder-lab:disk\n').disk).toBe(
      'present as b 7:4, expected b 7:3',
    );
    expect(access('t 0 present b 7:3\nt 0 open ok something else\n').disk).toBe(
      'present, but reads "something else" instead of "devbinder-lab:disk"',
    );
    expect(access('t 0 present b 7:3\nt 0 open failed Operation not permitted\n').disk).toBe(
      'present, but cannot be opened: Operation not permitted',
    );
  });

  it('reports an absent device it could not test (no MKNOD) instead of calling it denied', () => {
    expect(access('t 0 absent\nt 0 mknod failed mknod: Operation not permitted\n').disk).toBe(
      'absent, and mknod failed: mknod: Operation not permitted',
    );
  });

  it('reports a target the script never reached', () => {
    expect(access('')).toEqual({ disk: 'not probed' });
  });

  it('refuses output it does not understand, quoting it', () => {
    expect(() => parseProbe('surprise\n', [disk])).toThrow(
      'probe printed a line it should not: surprise',
    );
    expect(() => parseProbe('t 5 absent\n', [disk])).toThrow('t 5 absent');
  });
});

describe('probeScript', () => {
  it('checks each target by index, quoting paths for the shell', () => {
    const script = probeScript([disk, { ...fuse, path: "/dev/it's" }]);
    expect(script).toContain("check 0 '/dev/loop3' b 7 3 read\n");
    expect(script).toContain(`check 1 '/dev/it'\\''s' c 10 229 open\n`);
  });
});

it('nodeLine matches the lines the probe lists', () => {
  expect(nodeLine(disk)).toBe('/dev/loop3 b 7:3');
});
