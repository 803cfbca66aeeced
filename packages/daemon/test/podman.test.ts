import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  isNoSuchContainer,
  PodmanError,
  parseContainerEvent,
  parseContainerInspect,
  parseContainerList,
} from '../src/podman.js';

const json = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8'));

/** Recorded from Podman 4.3.1 on the CI VM (`podman system service`, libpod API v4.0.0). */
const inspect = json('podman-4.3-container-inspect.json') as Record<string, unknown>;
const list = json('podman-4.3-containers-list.json');
const eventLines = readFileSync(
  new URL('./fixtures/podman-4.3-events.jsonl', import.meta.url),
  'utf8',
)
  .split('\n')
  .filter((line) => line !== '');

const ID = '8a44bba1a025ae54915bb0d4702357916c1b1d6de1ee6d0376a0c3f1a90f1d28';

describe('parseContainerInspect', () => {
  it('reads what the daemon needs from a real inspect', () => {
    expect(parseContainerInspect(inspect, 'inspect')).toEqual({
      id: ID,
      name: 'explore1',
      running: true,
      pid: 27385,
      startedAt: '2026-11-25T20:44:57.221318187Z',
      annotations: expect.objectContaining({
        'io.dev-binder.udev.subsystem': 'block:zram*',
        'io.container.manager': 'libpod',
      }),
      ociConfigPath: `/var/lib/containers/storage/overlay-containers/${ID}/userdata/config.json`,
    });
  });

  it('names the field that is wrong', () => {
    const state = inspect.State as Record<string, unknown>;
    const broken = (change: Record<string, unknown>) => ({ ...inspect, ...change });
    expect(() => parseContainerInspect(broken({ Id: 'abc' }), 'inspect')).toThrow(
      'inspect.Id: expected 64 hex digits, got a string',
    );
    expect(() =>
      parseContainerInspect(broken({ State: { ...state, Pid: '12' } }), 'inspect'),
    ).toThrow('inspect.State.Pid: expected a process id, got a string');
    expect(() =>
      parseContainerInspect(
        broken({ Config: { Annotations: { 'io.dev-binder.udev.seat': 1 } } }),
        'inspect',
      ),
    ).toThrow(
      'inspect.Config.Annotations["io.dev-binder.udev.seat"]: expected a string, got a number',
    );
    expect(() => parseContainerInspect([], 'inspect')).toThrow(PodmanError);
  });

  it('gives a stopped container no process', () => {
    const state = { ...(inspect.State as object), Running: false, Pid: 0 };
    expect(parseContainerInspect({ ...inspect, State: state }, 'inspect').pid).toBe(0);
  });
});

describe('parseContainerList', () => {
  it('reads the ids of a real list', () => {
    expect(parseContainerList(list, 'list')).toEqual([ID]);
  });

  it('refuses anything but an array of containers', () => {
    expect(() => parseContainerList({}, 'list')).toThrow('list: expected an array, got a object');
    expect(() => parseContainerList([{ Id: 7 }], 'list')).toThrow(
      'list[0]: expected an object with a 64-hex-digit "Id"',
    );
  });
});

describe('parseContainerEvent', () => {
  it('follows start, died and remove of a real event stream, and nothing else', () => {
    const followed = eventLines.flatMap((line, index) => {
      const event = parseContainerEvent(line, `line ${index + 1}`);
      return event ? [`${event.action} ${event.name}`] : [];
    });
    expect(followed).toEqual([
      'start affectionate_shockley',
      'died affectionate_shockley',
      'remove affectionate_shockley',
      'start ev2',
      'died ev2',
      'remove ev2',
    ]);
    expect(parseContainerEvent(eventLines[2] ?? '', 'line 3')?.id).toBe(
      'd201d4aa7f955585fa5c3fd6d12900a33c9348d4035f49353cc796bfbcdb9d5f',
    );
  });

  it('ignores events of other types', () => {
    expect(
      parseContainerEvent('{"Type":"image","Action":"remove","Actor":{"ID":"x"}}', 'line 1'),
    ).toBeUndefined();
  });

  it('names what is wrong with a malformed line', () => {
    expect(() => parseContainerEvent('{"Type":', 'events line 4')).toThrow(
      /^events line 4: not JSON/,
    );
    expect(() =>
      parseContainerEvent('{"Type":"container","Action":"start","Actor":{}}', 'events line 5'),
    ).toThrow('events line 5.Actor.ID: expected 64 hex digits');
  });
});

describe('isNoSuchContainer', () => {
  it('knows both of Podman 4.3 answers for a container that is gone', () => {
    expect(isNoSuchContainer(404, '{"cause":"no such container"}')).toBe(true);
    // Recorded: a container removed while it was being inspected.
    const raced =
      '{"cause":"no such container","message":"container 98ac244d021b1ac7ee281efd939cc3aeaf2ae9e5f8321195c3c15576b8e650dc does not exist in database: no such container","response":500}';
    expect(isNoSuchContainer(500, raced)).toBe(true);
    expect(isNoSuchContainer(500, '{"cause":"database is locked"}')).toBe(false);
    expect(isNoSuchContainer(500, 'not json')).toBe(false);
    expect(isNoSuchContainer(200, '{}')).toBe(false);
  });
});
