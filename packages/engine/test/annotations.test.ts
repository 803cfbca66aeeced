import { describe, expect, it } from 'vitest';
import { parseAnnotations, requestsDevices, SELECTOR_KEY_PATTERN } from '../src/index.js';

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
    expect(request).toMatchObject({ policy: 'best-effort', symlinks: false, hotplug: true });
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

describe('requestsDevices', () => {
  it('is true only with a selector annotation', () => {
    expect(requestsDevices({ 'io.dev-binder.udev.seat': 'seat0' })).toBe(true);
    expect(requestsDevices({ 'io.dev-binder.policy': 'required' })).toBe(false);
    expect(requestsDevices({})).toBe(false);
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
