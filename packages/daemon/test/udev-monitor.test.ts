import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MonitorParser, type MonitorRecord } from '../src/udev-monitor.js';

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** Recorded on the CI VM: zram hot_add, disksize, hot_remove, then a change on loop0. */
const zram = fixture('udevadm-monitor-zram-loop.txt');
/** Recorded on the CI VM: `udevadm trigger --action=bind|unbind|change` on loop1. */
const bindUnbind = fixture('udevadm-monitor-bind-unbind.txt');

const events = (records: MonitorRecord[]) =>
  records.flatMap((record) => (record.type === 'event' ? [record.event] : []));

describe('MonitorParser', () => {
  it('reads every event of a recorded session, with its properties', () => {
    const records = new MonitorParser().push(zram);
    expect(records[0]).toEqual({ type: 'listening' });
    expect(
      events(records).map(({ action, devpath, subsystem }) => `${action} ${devpath} ${subsystem}`),
    ).toEqual([
      'add /devices/virtual/bdi/253:2 bdi',
      'add /devices/virtual/block/zram2 block',
      'remove /devices/virtual/bdi/253:2 bdi',
      'remove /devices/virtual/block/zram2 block',
      'change /devices/virtual/block/loop0 block',
    ]);
    const add = events(records)[1];
    expect(add?.monotonicSeconds).toBe(3478.425332);
    expect(add?.properties).toEqual({
      ACTION: 'add',
      DEVPATH: '/devices/virtual/block/zram2',
      SUBSYSTEM: 'block',
      DEVNAME: '/dev/zram2',
      DEVTYPE: 'disk',
      DISKSEQ: '114',
      SEQNUM: '2065',
      USEC_INITIALIZED: '3478424536',
      MAJOR: '253',
      MINOR: '2',
      TAGS: ':systemd:',
      CURRENT_TAGS: ':systemd:',
    });
  });

  it('reads bind and unbind events', () => {
    const actions = events(new MonitorParser().push(bindUnbind)).map(({ action }) => action);
    expect(actions).toEqual(['bind', 'unbind', 'change']);
  });

  it('gives the same events whatever the chunks are cut at', () => {
    const whole = new MonitorParser().push(zram);
    for (const size of [1, 7, 64, 333]) {
      const parser = new MonitorParser();
      const records: MonitorRecord[] = [];
      for (let start = 0; start < zram.length; start += size) {
        records.push(...parser.push(zram.slice(start, start + size)));
      }
      expect(records).toEqual(whole);
    }
  });

  it('keeps an event back until its blank line arrives', () => {
    const parser = new MonitorParser();
    const cut = zram.indexOf('CURRENT_TAGS');
    const first = events(parser.push(zram.slice(0, cut)));
    expect(first.map(({ devpath }) => devpath)).toEqual(['/devices/virtual/bdi/253:2']);
    const rest = events(parser.push(zram.slice(cut)));
    expect(rest[0]?.properties.CURRENT_TAGS).toBe(':systemd:');
  });

  it('reports a malformed record with its line and resumes at the next event', () => {
    const text = [
      'UDEV  [1.000000] add      /devices/virtual/block/zram5 (block)',
      'ACTION=add',
      'this line has no equals sign',
      'MAJOR=253',
      '',
      'UDEV  [2.000000] remove   /devices/virtual/block/zram6 (block)',
      'ACTION=remove',
      '',
    ].join('\n');
    const records = new MonitorParser().push(`${text}\n`);
    expect(records).toEqual([
      {
        type: 'malformed',
        line: 3,
        message: 'expected KEY=VALUE, got "this line has no equals sign"',
      },
      {
        type: 'event',
        event: {
          action: 'remove',
          devpath: '/devices/virtual/block/zram6',
          subsystem: 'block',
          monotonicSeconds: 2,
          properties: { ACTION: 'remove' },
        },
      },
    ]);
  });

  it('reports properties outside an event', () => {
    const records = new MonitorParser().push('MAJOR=8\n\n');
    expect(records).toEqual([
      { type: 'malformed', line: 1, message: 'a property line outside an event: "MAJOR=8"' },
    ]);
  });
});
