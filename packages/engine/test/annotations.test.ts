import { describe, expect, it } from 'vitest';
import {
  parseAnnotations,
  parseMajors,
  requestsDevices,
  SELECTOR_KEY_PATTERN,
} from '../src/index.js';

describe('parseAnnotations', () => {
  it('reads selectors with optional labels, in a stable order, and ignores foreign annotations', () => {
    const { request, problems } = parseAnnotations({
      'io.dev-binder.udev.usb.ftdi': '0403:6001',
      'io.dev-binder.udev.seat': 'seat0',
      'io.dev-binder.udev.usb.logitech.receiver': '046d:c52b',
      'io.container.manager': 'libpod',
    });
    expect(problems).toEqual([]);
    expect(request.selectors).toEqual([
      {
        annotation: 'io.dev-binder.udev.seat',
        selector: 'seat',
        label: undefined,
        argument: 'seat0',
      },
      {
        annotation: 'io.dev-binder.udev.usb.ftdi',
        selector: 'usb',
        label: 'ftdi',
        argument: '0403:6001',
      },
      {
        annotation: 'io.dev-binder.udev.usb.logitech.receiver',
        selector: 'usb',
        label: 'logitech.receiver',
        argument: '046d:c52b',
      },
    ]);
    expect(request).toMatchObject({
      policy: 'best-effort',
      symlinks: false,
      hotplug: true,
      hotplugMajors: [],
    });
  });

  it('reads the options', () => {
    const { request } = parseAnnotations({
      'io.dev-binder.policy': 'required',
      'io.dev-binder.symlinks': 'true',
      'io.dev-binder.hotplug': 'false',
    });
    expect(request).toMatchObject({ policy: 'required', symlinks: true, hotplug: false });
  });

  it('makes a misspelt policy fatal, so "required" never silently becomes best-effort', () => {
    const { request, problems } = parseAnnotations({ 'io.dev-binder.policy': 'requried' });
    expect(request.policy).toBe('best-effort');
    expect(problems).toEqual([
      {
        annotation: 'io.dev-binder.policy',
        message: 'expected "required" or "best-effort", got "requried"',
        fatal: true,
      },
    ]);
  });

  it('reports malformed keys, bad flags and unknown devbinder annotations without failing', () => {
    const { request, problems } = parseAnnotations({
      'io.dev-binder.udev.Seat': 'seat0',
      'io.dev-binder.udev.': 'x',
      'io.dev-binder.symlinks': 'yes',
      'io.dev-binder.polcy': 'required',
    });
    expect(request.selectors).toEqual([]);
    expect(problems.map(({ annotation, fatal }) => [annotation, fatal])).toEqual([
      ['io.dev-binder.polcy', false],
      ['io.dev-binder.symlinks', false],
      ['io.dev-binder.udev.', false],
      ['io.dev-binder.udev.Seat', false],
    ]);
    expect(problems[0]?.message).toMatch(/unknown devbinder annotation/);
    expect(problems[1]?.message).toBe('expected "true" or "false", got "yes"');
  });
});

describe('io.dev-binder.hotplug.majors', () => {
  it('reads block and character majors, separated by "," or ";"', () => {
    const { request, problems } = parseAnnotations({
      'io.dev-binder.udev.subsystem': 'block:zram*',
      'io.dev-binder.hotplug.majors': 'b:253, c:188;c:0',
    });
    expect(problems).toEqual([]);
    expect(request.hotplugMajors).toEqual([
      { type: 'b', major: 253 },
      { type: 'c', major: 188 },
      { type: 'c', major: 0 },
    ]);
  });

  it('counts a repeated major once', () => {
    expect(parseMajors('b:253;b:253')).toEqual([{ type: 'b', major: 253 }]);
  });

  it('voids the whole list for any bad item, naming the annotation and every bad item', () => {
    const { request, problems } = parseAnnotations({
      'io.dev-binder.hotplug.majors': 'b:253,x:1,b:*,c:4096,b:0253,b 7,',
    });
    expect(request.hotplugMajors).toEqual([]);
    expect(problems).toEqual([
      {
        annotation: 'io.dev-binder.hotplug.majors',
        message:
          'expected b:<major> or c:<major> separated by "," or ";" (a decimal major from 0 to 4095, e.g. b:253;c:188), got "x:1", "b:*", "c:4096", "b:0253", "b 7", ""; no major is allowed',
        fatal: false,
      },
    ]);
  });

  it('rejects an empty value', () => {
    expect(parseMajors('')).toMatch(/got ""; no major is allowed$/);
  });
});

describe('requestsDevices', () => {
  it('is true only with a selector annotation', () => {
    expect(requestsDevices({ 'io.dev-binder.udev.seat': 'seat0' })).toBe(true);
    expect(requestsDevices({ 'io.dev-binder.policy': 'required' })).toBe(false);
    expect(requestsDevices({})).toBe(false);
  });

  it('agrees with the hooks.d pattern: a key Podman would not run the hook for asks for nothing', () => {
    // Written out from what Podman's when.annotations regex ^io\.dev-binder\.udev\.[a-z0-9][a-z0-9.-]*$
    // accepts (Go's RE2, same meaning here as in JavaScript), not from SELECTOR_KEY_PATTERN itself:
    // lowercase letters, digits, "." and "-" after the prefix, the first a letter or digit.
    const podmanRunsTheHook: Record<string, boolean> = {
      'io.dev-binder.udev.Seat': false,
      'io.dev-binder.udev.': false,
      'io.dev-binder.udev._x': false,
      'io.dev-binder.udev.-x': false,
      'io.dev-binder.udev.seat.Left': false,
      'io.dev-binder.udev.seat\n': false,
      'x.io.dev-binder.udev.seat': false,
      'io.dev-binder.udev.usb.ftdi': true,
      'io.dev-binder.udev.seat-2.left.0': true,
      // Malformed as a selector (an empty label), but the pattern matches it: Podman runs the
      // hook, which then reports the annotation (and refuses under policy=required).
      'io.dev-binder.udev.seat.': true,
    };
    for (const [key, runs] of Object.entries(podmanRunsTheHook)) {
      expect(requestsDevices({ [key]: 'seat1', 'io.dev-binder.policy': 'required' }), key).toBe(
        runs,
      );
    }
    expect(requestsDevices({ 'io.dev-binder.udev.Seat': 'seat1' })).toBe(false);
  });

  it('looks at keys only, as Podman does', () => {
    expect(requestsDevices({ 'io.dev-binder.udev.seat': 5 })).toBe(true);
  });
});

describe('SELECTOR_KEY_PATTERN', () => {
  it('is anchored, since Podman matches hooks.d regexes unanchored', () => {
    const pattern = new RegExp(SELECTOR_KEY_PATTERN);
    expect(pattern.test('io.dev-binder.udev.seat')).toBe(true);
    expect(pattern.test('io.dev-binder.udev.usb.ftdi')).toBe(true);
    expect(pattern.test('x.io.dev-binder.udev.seat')).toBe(false);
    expect(pattern.test('io.dev-binder.udev.seat ')).toBe(false);
    expect(pattern.test('io.dev-binder.policy')).toBe(false);
  });
});
