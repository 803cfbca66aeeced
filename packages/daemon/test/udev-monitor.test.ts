import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MonitorParser, type MonitorRecord } from '../src/udev-monitor.js';

/**
 * Recorded on the CI VM (`udevadm monitor --udev`, systemd 252): zram hot_add, disksize,
 * hot_remove, then `udevadm trigger --action=bind|unbind|change` on loop1.
 */
const recorded = readFileSync(
  new URL('./fixtures/udevadm-monitor-udev.txt', import.meta.url),
  'utf8',
);

const events = (records: MonitorRecord[]) =>
  records.flatMap((record) => (record.type === 'event' ? [record.event] : []));

describe('MonitorParser', () => {
  it('reads every event of a recorded session, after the line that says it listens', () => {
    const records = new MonitorParser().push(recorded);
    expect(records[0]).toEqual({ type: 'listening' });
    expect(records.filter(({ type }) => type !== 'event')).toEqual([{ type: 'listening' }]);
    expect(events(records).map(({ action, devpath }) => `${action} ${devpath}`)).toEqual([
      'add /devices/virtual/bdi/253:1',
      'add /devices/virtual/block/zram1',
      'remove /devices/virtual/bdi/253:1',
      'remove /devices/virtual/block/zram1',
      'bind /devices/virtual/block/loop1',
      'unbind /devices/virtual/block/loop1',
      'change /devices/virtual/block/loop1',
    ]);
  });

  it('gives the same records whatever the chunks are cut at', () => {
    const whole = new MonitorParser().push(recorded);
    for (const size of [1, 7, 64, 333]) {
      const parser = new MonitorParser();
      const records: MonitorRecord[] = [];
      for (let start = 0; start < recorded.length; start += size) {
        records.push(...parser.push(recorded.slice(start, start + size)));
      }
      expect(records).toEqual(whole);
    }
  });

  it('keeps an event back until its line is complete', () => {
    const parser = new MonitorParser();
    const cut = recorded.indexOf('(block)');
    expect(events(parser.push(recorded.slice(0, cut)))).toEqual([
      { action: 'add', devpath: '/devices/virtual/bdi/253:1' },
    ]);
    expect(events(parser.push(recorded.slice(cut)))[0]).toEqual({
      action: 'add',
      devpath: '/devices/virtual/block/zram1',
    });
  });

  it('reports a line that is no event with its number, and reads on', () => {
    const text = [
      'UDEV  [1.000000] add      /devices/virtual/block/zram5 (block)',
      'MAJOR=253',
      'UDEV  [2.000000] remove   /devices/virtual/block/zram6 (block)',
      '',
    ].join('\n');
    expect(new MonitorParser().push(text)).toEqual([
      { type: 'event', event: { action: 'add', devpath: '/devices/virtual/block/zram5' } },
      { type: 'malformed', line: 2, message: 'expected an event line, got "MAJOR=253"' },
      { type: 'event', event: { action: 'remove', devpath: '/devices/virtual/block/zram6' } },
    ]);
  });
});
