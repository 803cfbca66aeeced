/**
 * `devbinder explain` through the built command: its table and JSON, where it takes annotations
 * and the udev database from, its exit codes, and that it says what the hook would do with the
 * same container. No root: the --root tree's device nodes are symlinks to /dev/null and
 * /dev/zero, whose numbers its udev records carry.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { annotationFlags, expectBadInput, runHookAsPodman } from '../../../test-support/cli.js';
import { type Result, run } from '../../../test-support/exec.js';
import { DEVBINDER } from '../../../test-support/podman.js';
import { dbText, writeFakeTree } from '../../udev/test/support/fake-tree.js';

const DESKTOP_EXPORT = new URL(
  '../../udev/test/fixtures/desktop-252.export-db.txt',
  import.meta.url,
).pathname;

let dir: string;
let root: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'devbinder-explain-'));
  root = join(dir, 'root');
  // Three memory devices; full has no node in the tree, as if it vanished after udev saw it.
  writeFakeTree(
    root,
    [
      ['null', 3],
      ['zero', 5],
      ['full', 7],
    ].map(([name, minor]) => ({
      devpath: `/devices/virtual/mem/${name}`,
      subsystem: 'mem',
      uevent: { MAJOR: '1', MINOR: String(minor), DEVNAME: String(name) },
      db: { id: `c1:${minor}`, text: dbText({}) },
    })),
  );
  mkdirSync(join(root, 'dev'));
  symlinkSync('/dev/null', join(root, 'dev/null'));
  symlinkSync('/dev/zero', join(root, 'dev/zero'));
});

const cacheArgs = () => ['--cache-dir', join(dir, 'cache')];

function explain(args: readonly string[]): Promise<Result> {
  return run(process.execPath, [DEVBINDER, 'explain', ...cacheArgs(), ...args]);
}

/** `explain --json`, which must exit 0 or 1 with a report. */
async function report(args: readonly string[]) {
  const result = await explain(['--json', ...args]);
  expect([0, 1], result.stderr).toContain(result.exitCode);
  return { exitCode: result.exitCode, report: JSON.parse(result.stdout) };
}

describe('devbinder explain', () => {
  it('prints a table of the devices, who chose each and why, then what the hook would do', async () => {
    const result = await explain([
      '-a',
      'io.dev-binder.udev.seat=seat1',
      '--udev-export',
      DESKTOP_EXPORT,
    ]);
    expect(result).toEqual({
      exitCode: 0,
      stderr: '',
      // As the repository README shows it.
      stdout: `DEVICE                TYPE  NUMBERS  SELECTED BY              WHY
/dev/bus/usb/001/004  c     189:3    io.dev-binder.udev.seat  ID_SEAT=seat1
/dev/bus/usb/001/005  c     189:4    io.dev-binder.udev.seat  ID_SEAT=seat1
/dev/input/event6     c     13:70    io.dev-binder.udev.seat  ID_SEAT=seat1

The hook would start the container with 3 device node(s) (policy best-effort).
`,
    });
  });

  it('--json: devices with their numbers, syspath and reasons, problems, skipped, policy, verdict', async () => {
    const { exitCode, report: json } = await report([
      '-a',
      'io.dev-binder.udev.seat=seat1',
      '-a',
      'io.dev-binder.udev.nosuch=x',
      '--udev-export',
      DESKTOP_EXPORT,
    ]);
    expect(exitCode).toBe(0);
    expect(Object.keys(json)).toEqual(['devices', 'errors', 'skipped', 'policy', 'verdict']);
    expect(json.devices).toHaveLength(3);
    expect(json.devices[2]).toEqual({
      path: '/dev/input/event6',
      type: 'c',
      major: 13,
      minor: 70,
      syspath:
        '/sys/devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4.1/1-4.1:1.0/0003:046D:C077.0002/input/input6/event6',
      symlink: false,
      selectedBy: [
        { annotation: 'io.dev-binder.udev.seat', selector: 'seat', reason: 'ID_SEAT=seat1' },
      ],
    });
    expect(json.errors).toEqual([
      { annotation: 'io.dev-binder.udev.nosuch', message: expect.stringContaining('nosuch') },
    ]);
    expect(json).toMatchObject({ skipped: [], policy: 'best-effort', verdict: 'start' });
  });

  it('--root: reads a tree, and lists a chosen device whose node is gone as skipped', async () => {
    const { exitCode, report: json } = await report([
      '-a',
      'io.dev-binder.udev.subsystem=mem',
      '--root',
      root,
    ]);
    expect(exitCode).toBe(0);
    expect(
      json.devices.map(({ path, type, major, minor }: Record<string, unknown>) => ({
        path,
        type,
        major,
        minor,
      })),
    ).toEqual([
      { path: '/dev/null', type: 'c', major: 1, minor: 3 },
      { path: '/dev/zero', type: 'c', major: 1, minor: 5 },
    ]);
    expect(json.skipped).toEqual([
      {
        syspath: '/sys/devices/virtual/mem/full',
        reason: '/dev/full is gone (device removed while the hook ran)',
      },
    ]);
  });

  it('exits 1 when the hook would refuse the container, saying why', async () => {
    const result = await explain([
      '-a',
      'io.dev-binder.udev.subsystem=tty',
      '-a',
      'io.dev-binder.policy=required',
      '--root',
      root,
    ]);
    expect(result.exitCode, result.stderr).toBe(1);
    expect(result.stdout).toBe(`No devices selected.

Problems:
  io.dev-binder.udev.subsystem: selected no devices for "tty", but io.dev-binder.policy=required expects at least one

The hook would refuse to start the container (policy required).
`);
  });

  it('says plainly when the hook would not run at all', async () => {
    const result = await explain(['-a', 'io.dev-binder.udev.Seat=seat1', '--root', root]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Problems:
  io.dev-binder.udev.Seat: not a selector annotation: expected io.dev-binder.udev.<selector>[.<label>] with lowercase letters, digits and "-"

The hook would not run: no annotation key matches ^io\\.dev-binder\\.udev\\.[a-z0-9][a-z0-9.-]*$, the pattern its hooks.d file runs it for (run anyway, it hands the config back unchanged). The container would start without devices from devbinder.
`);
  });

  it('--spec: takes the annotations of a runtime config, and --annotation wins over them', async () => {
    const spec = join(dir, 'config.json');
    writeFileSync(
      spec,
      JSON.stringify({
        ociVersion: '1.0.2',
        annotations: { 'io.dev-binder.udev.subsystem': 'tty', 'io.dev-binder.policy': 'required' },
      }),
    );
    const refused = await report(['--spec', spec, '--root', root]);
    expect(refused).toMatchObject({
      exitCode: 1,
      report: { verdict: 'refuse', policy: 'required' },
    });
    const started = await report([
      '--spec',
      spec,
      '-a',
      'io.dev-binder.udev.subsystem=mem:zero',
      '--root',
      root,
    ]);
    expect(started).toMatchObject({
      exitCode: 0,
      report: { verdict: 'start', policy: 'required' },
    });
    expect(started.report.devices.map(({ path }: { path: string }) => path)).toEqual(['/dev/zero']);
  });

  it('--spec: rejects what the hook would reject, and only that', async () => {
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const bad = write(
      'bad.json',
      JSON.stringify({
        annotations: { 'io.dev-binder.udev.seat': 'seat0' },
        linux: { devices: 'x' },
      }),
    );
    expectBadInput(
      'explain',
      await explain(['--spec', bad]),
      `${bad}: linux.devices must be an array, got a string`,
    );
    const notJson = write('not-json.json', '{"annotations": ');
    expectBadInput('explain', await explain(['--spec', notJson]), `${notJson}: not valid JSON`);
    const missing = join(dir, 'missing.json');
    expectBadInput('explain', await explain(['--spec', missing]), `cannot read ${missing}`);
    // The hook passes this config through untouched, so there is nothing to reject.
    const inert = write('inert.json', JSON.stringify({ linux: { devices: 'x' } }));
    expect(await report(['--spec', inert])).toMatchObject({
      exitCode: 0,
      report: { verdict: 'pass-through' },
    });
  });

  it('--udev-export: exits 2 for a malformed capture, naming the file and the line', async () => {
    const capture = join(dir, 'capture.txt');
    writeFileSync(capture, 'P: /devices/virtual/block/loop0\nN: loop0\nD: b seven\n');
    expectBadInput(
      'explain',
      await explain(['-a', 'io.dev-binder.udev.seat=seat0', '--udev-export', capture]),
      `udev export ${capture}:3: malformed D: line "b seven"`,
    );
    const missing = join(dir, 'none.txt');
    expectBadInput(
      'explain',
      await explain(['-a', 'io.dev-binder.udev.seat=seat0', '--udev-export', missing]),
      `cannot read udev export ${missing}`,
    );
  });

  it.each([
    [
      '--root with --udev-export',
      ['--root', '/', '--udev-export', DESKTOP_EXPORT],
      '--root and --udev-export are alternatives',
    ],
    ['an annotation without "="', ['-a', 'io.dev-binder.udev.seat'], 'expected KEY=VALUE'],
    ['an unknown option', ['--device', '/dev/null'], "unknown option '--device'"],
  ])('exits 2 for %s', async (_case, args, says) => {
    const result = await explain(['-a', 'io.dev-binder.udev.seat=seat0', ...args]);
    expect(result.exitCode, result.stderr).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(says);
  });
});

describe('explain and the hook agree', () => {
  type Verdict = 'start' | 'refuse' | 'pass-through';
  const required = { 'io.dev-binder.policy': 'required' };
  const mem = { 'io.dev-binder.udev.subsystem': 'mem' };

  it.each<[string, Record<string, string>, Verdict]>([
    ['devices', mem, 'start'],
    ['required, and found', { ...mem, ...required }, 'start'],
    ['required, found nothing', { 'io.dev-binder.udev.subsystem': 'tty', ...required }, 'refuse'],
    ['an unknown selector, best-effort', { 'io.dev-binder.udev.nosuch': 'x' }, 'start'],
    ['an unknown selector, required', { 'io.dev-binder.udev.nosuch': 'x', ...required }, 'refuse'],
    ['a misspelt policy with a selector', { ...mem, 'io.dev-binder.policy': 'requird' }, 'refuse'],
    ['a misspelt policy alone', { 'io.dev-binder.policy': 'requird' }, 'pass-through'],
    [
      'a selector key in capitals',
      { 'io.dev-binder.udev.Seat': 'seat1', ...required },
      'pass-through',
    ],
    ['no annotation', {}, 'pass-through'],
  ])('%s: %s', async (_case, annotations, verdict) => {
    const explained = await report([...annotationFlags(annotations), '--root', root]);
    expect(explained.report.verdict).toBe(verdict);
    expect(explained.exitCode).toBe(verdict === 'refuse' ? 1 : 0);

    const input = JSON.stringify({ ociVersion: '1.0.2', process: { args: ['sh'] }, annotations });
    const hooked = await runHookAsPodman(input, { workDir: dir, args: ['--root', root] });
    expect(hooked.exitCode, hooked.stderr).toBe(0);
    if (verdict === 'pass-through') {
      expect(hooked).toEqual({ exitCode: 0, stdout: input, stderr: '' });
      return;
    }
    const output = JSON.parse(hooked.stdout);
    expect(String(output.process.args[0]).startsWith('devbinder refused')).toBe(
      verdict === 'refuse',
    );
    if (verdict === 'start') {
      const paths = (output.linux?.devices ?? []).map(({ path }: { path: string }) => path);
      expect(paths).toEqual(explained.report.devices.map(({ path }: { path: string }) => path));
    }
  });
});
