import { type ChildProcess, spawn } from 'node:child_process';

/** One event as udevd broadcasts it after running its rules. */
export interface UdevEvent {
  /** add, remove, change, move, bind, unbind, online, offline. */
  action: string;
  devpath: string;
  subsystem: string;
  /** The udevadm monitor timestamp: seconds of CLOCK_MONOTONIC when it received the event. */
  monotonicSeconds: number;
  properties: Readonly<Record<string, string>>;
}

/** What a `udevadm monitor --udev --property` stream holds, in order. */
export type MonitorRecord =
  | { type: 'listening' }
  | { type: 'event'; event: UdevEvent }
  | { type: 'malformed'; line: number; message: string };

/** `UDEV  [3478.425332] add      /devices/virtual/block/zram2 (block)` */
const EVENT_HEADER = /^UDEV {2}\[(\d+\.\d+)\] (\S+) +(\/\S*) \((.*)\)$/;
/** Printed once the monitor's netlink socket is bound: no event after it is missed. */
const LISTENING = 'UDEV - the event which udev sends out after rule processing';

/**
 * Parses `udevadm monitor --udev --property` output as it arrives, in chunks cut anywhere: a
 * header line per event, its properties as KEY=VALUE lines, a blank line. A malformed record is
 * reported and skipped; parsing resumes at the next event header.
 */
export class MonitorParser {
  private buffered = '';
  private lineNumber = 0;
  private current: { event: UdevEvent; properties: Record<string, string> } | undefined;
  /** Inside a record that was malformed: skip to the next blank line. */
  private skipping = false;

  push(chunk: string): MonitorRecord[] {
    this.buffered += chunk;
    const records: MonitorRecord[] = [];
    for (;;) {
      const newline = this.buffered.indexOf('\n');
      if (newline === -1) break;
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      this.lineNumber++;
      const record = this.line(line);
      if (record) records.push(record);
    }
    return records;
  }

  private line(line: string): MonitorRecord | undefined {
    if (line === '') {
      this.skipping = false;
      const current = this.current;
      this.current = undefined;
      return current && { type: 'event', event: current.event };
    }
    if (this.skipping) return undefined;
    if (this.current === undefined) {
      if (line === LISTENING) return { type: 'listening' };
      const header = EVENT_HEADER.exec(line);
      if (header) {
        const [, seconds = '', action = '', devpath = '', subsystem = ''] = header;
        const properties: Record<string, string> = {};
        this.current = {
          event: { action, devpath, subsystem, monotonicSeconds: Number(seconds), properties },
          properties,
        };
        return undefined;
      }
      // The banner's other lines ("monitor will print…", "KERNEL - …") carry nothing.
      if (!line.includes('=')) return undefined;
      return this.malformed(`a property line outside an event: ${JSON.stringify(line)}`);
    }
    const equals = line.indexOf('=');
    if (equals <= 0) {
      this.current = undefined;
      return this.malformed(`expected KEY=VALUE, got ${JSON.stringify(line)}`);
    }
    this.current.properties[line.slice(0, equals)] = line.slice(equals + 1);
    return undefined;
  }

  private malformed(message: string): MonitorRecord {
    this.skipping = true;
    return { type: 'malformed', line: this.lineNumber, message };
  }
}

export interface UdevMonitorOptions {
  /** The udevadm binary (default: `udevadm` on PATH). */
  udevadm?: string;
  /** Each `listening` starts a stream in which no event is missed: re-read the database then. */
  onListening(): void;
  onEvent(event: UdevEvent): void;
  /** The monitor stopped: events may be missed until the next `onListening`. */
  onGap(reason: string): void;
  onMalformed(line: number, message: string): void;
}

const RESTART_DELAYS_MS = [100, 250, 500, 1000, 2000, 5000];
/** A monitor that ran this long without failing resets the backoff. */
const HEALTHY_AFTER_MS = 10_000;

/**
 * Supervises `udevadm monitor --udev --property`: parses what it prints, and restarts it with
 * backoff when it exits. Every restart is a gap in the event stream, reported as such so the
 * caller re-reads the whole database once the new monitor listens.
 */
export class UdevMonitor {
  private child: ChildProcess | undefined;
  private stopped = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: UdevMonitorOptions) {}

  start(): void {
    this.stopped = false;
    this.spawn();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.restartTimer);
    this.child?.kill('SIGTERM');
    this.child = undefined;
  }

  /** The monitor's process id, while one runs (tests kill it to make a gap). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  private spawn(): void {
    const startedAt = Date.now();
    const parser = new MonitorParser();
    const child = spawn(this.options.udevadm ?? 'udevadm', ['monitor', '--udev', '--property'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      for (const record of parser.push(chunk)) {
        if (record.type === 'listening') this.options.onListening();
        else if (record.type === 'event') this.options.onEvent(record.event);
        else this.options.onMalformed(record.line, record.message);
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    const ended = (reason: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      if (this.stopped) return;
      this.failures = Date.now() - startedAt >= HEALTHY_AFTER_MS ? 0 : this.failures + 1;
      const delay =
        RESTART_DELAYS_MS[Math.min(this.failures, RESTART_DELAYS_MS.length - 1)] ?? 5000;
      this.options.onGap(`${reason}${stderr.trim() ? `: ${stderr.trim()}` : ''}`);
      this.restartTimer = setTimeout(() => this.spawn(), delay);
    };
    child.on('error', (error) => ended(`cannot run udevadm monitor: ${error.message}`));
    child.on('exit', (code, signal) =>
      ended(`udevadm monitor exited (${signal ?? `code ${code}`})`),
    );
  }
}
