import { createDatabase, type UnlinkedDevice } from './database.js';
import { deviceNumberOf, devnodeOf, sysnameOf, tagsOf } from './device-fields.js';
import { quote, UdevParseError } from './errors.js';
import type { DeviceNumber, UdevDatabase } from './model.js';

/** One blank-line-separated record of `udevadm info --export-db`, as written. */
interface ExportRecord {
  devpath: string | undefined;
  /** `M:` appears in every record of systemd 250+; older versions print only P, N, L, S and E. */
  sysname: string | undefined;
  subsystem: string | undefined;
  devtype: string | undefined;
  driver: string | undefined;
  devnode: string | undefined;
  devnum: DeviceNumber | undefined;
  symlinks: string[];
  properties: Record<string, string>;
}

const DEVICE_NUMBER = /^([bc]) (\d+):(\d+)$/;

/**
 * Parses what `udevadm info --export-db` prints. `origin` names the text in error messages
 * (`capture.txt:42: malformed D: line "b seven"`).
 *
 * Field lines of systemd 252 (`udevadm-info.c`, print_record): P devpath, M sysname, R sysnum,
 * U subsystem, T devtype, D devnum, I ifindex, N devnode, L link priority, S symlink, Q diskseq,
 * V driver, E property. Newer versions add J (device id) and B (driver subsystem). Only the fields
 * the model holds are read; R, I, Q and the rest are also properties (IFINDEX, DISKSEQ) or unused,
 * and unknown prefixes are accepted for forward compatibility. Tags are never a line of their own:
 * they come from the TAGS/CURRENT_TAGS properties.
 *
 * Older systemd prints only P, N, L, S and E lines; the missing fields then come from the
 * SUBSYSTEM, DEVTYPE, DRIVER, DEVNAME, MAJOR/MINOR and DEVLINKS properties.
 */
export function parseExportDb(text: string, origin: string): UdevDatabase {
  const records = readRecords(text, origin);
  // CURRENT_TAGS (systemd 247+) is printed only when non-empty, so its absence means "no current
  // tags" unless the producer predates it; an `M:` line or any CURRENT_TAGS dates it to 247+.
  const knowsCurrentTags = records.some(
    (record) => record.sysname !== undefined || record.properties.CURRENT_TAGS !== undefined,
  );
  return createDatabase(
    'export',
    records.map((record) => deviceOf(record, knowsCurrentTags)),
  );
}

type CompleteRecord = ExportRecord & { devpath: string };

function readRecords(text: string, origin: string): CompleteRecord[] {
  const records: CompleteRecord[] = [];
  const devpathLines = new Map<string, number>();
  let record: ExportRecord | undefined;
  let recordLine = 0;

  const fail = (lineNumber: number, problem: string) =>
    new UdevParseError(origin, lineNumber, problem);
  const finish = () => {
    if (record === undefined) return;
    if (record.devpath === undefined) {
      throw new UdevParseError(origin, recordLine, 'record without P: line');
    }
    records.push(record as CompleteRecord);
    record = undefined;
  };

  // One pass with indexOf rather than split('\n'): a 10,000-device capture is 250,000 lines, and
  // an array of them (plus a closure per line) kept the parser mostly collecting garbage.
  let lineNumber = 0;
  for (let start = 0; start <= text.length; ) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const lineStart = start;
    start = end + 1;
    lineNumber++;
    if (end === lineStart) {
      finish();
      continue;
    }
    if (record === undefined) {
      record = emptyRecord();
      recordLine = lineNumber;
    }
    if (text[lineStart + 1] !== ':' || text[lineStart + 2] !== ' ') {
      throw fail(lineNumber, `malformed line ${quote(text.slice(lineStart, end))}`);
    }
    const prefix = text[lineStart];
    if (prefix === 'E') {
      // The bulk of any capture: slice key and value straight out of the text.
      const equals = text.indexOf('=', lineStart + 3);
      if (equals <= lineStart + 3 || equals >= end) {
        throw fail(lineNumber, `malformed E: line ${quote(text.slice(lineStart + 3, end))}`);
      }
      record.properties[text.slice(lineStart + 3, equals)] = text.slice(equals + 1, end);
      continue;
    }
    const value = text.slice(lineStart + 3, end);
    switch (prefix) {
      case 'P':
        if (record.devpath !== undefined) throw fail(lineNumber, 'second P: line in one record');
        if (!value.startsWith('/')) throw fail(lineNumber, `malformed P: line ${quote(value)}`);
        if (devpathLines.has(value)) {
          throw fail(
            lineNumber,
            `device ${quote(value)} already listed on line ${devpathLines.get(value)}`,
          );
        }
        devpathLines.set(value, lineNumber);
        record.devpath = value;
        break;
      case 'M':
        record.sysname = value;
        break;
      case 'U':
        record.subsystem = value;
        break;
      case 'T':
        record.devtype = value;
        break;
      case 'V':
        record.driver = value;
        break;
      case 'N':
        record.devnode = `/dev/${value}`;
        break;
      case 'S':
        record.symlinks.push(`/dev/${value}`);
        break;
      case 'D': {
        const match = DEVICE_NUMBER.exec(value);
        if (match === null) throw fail(lineNumber, `malformed D: line ${quote(value)}`);
        const [, type, major, minor] = match;
        record.devnum = {
          type: type === 'b' ? 'b' : 'c',
          major: Number(major),
          minor: Number(minor),
        };
        break;
      }
    }
  }
  finish();
  return records;
}

function emptyRecord(): ExportRecord {
  return {
    devpath: undefined,
    sysname: undefined,
    subsystem: undefined,
    devtype: undefined,
    driver: undefined,
    devnode: undefined,
    devnum: undefined,
    symlinks: [],
    properties: {},
  };
}

function deviceOf(record: CompleteRecord, knowsCurrentTags: boolean): UnlinkedDevice {
  const { devpath, properties } = record;
  const subsystem = record.subsystem ?? properties.SUBSYSTEM;
  const devname = properties.DEVNAME;
  const devlinks = properties.DEVLINKS;
  return {
    devpath,
    syspath: `/sys${devpath}`,
    sysname: record.sysname ?? sysnameOf(devpath),
    subsystem,
    devtype: record.devtype ?? properties.DEVTYPE,
    driver: record.driver ?? properties.DRIVER,
    devnode: record.devnode ?? (devname === undefined ? undefined : devnodeOf(devname)),
    devnum: record.devnum ?? deviceNumberOf(subsystem, properties.MAJOR, properties.MINOR),
    properties,
    tags:
      properties.CURRENT_TAGS !== undefined || knowsCurrentTags
        ? tagsOf(properties.CURRENT_TAGS)
        : tagsOf(properties.TAGS),
    symlinks:
      record.symlinks.length > 0 || devlinks === undefined
        ? record.symlinks
        : devlinks.split(' ').filter((link) => link !== ''),
  };
}
