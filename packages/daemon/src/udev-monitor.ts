import { type ChildProcess, spawn } from 'node:child_process';

/**
 * One event as udevd broadcasts it after running its rules. Which device and what happened is all
 * the daemon needs: any event may change what a selector chooses (a parent's attributes, a tag),
 * so none is filtered, and the device's facts are read from the database.
 */
export interface UdevEvent {
  /** add, remove, change, move, bind, unbind, online, offline. */
  action: string;
  devpath: string;
}

/** What a `udevadm monitor --udev` stream holds, in order. */
export type MonitorRecord =
  | { type: 'listening' }
  | { type: 'event'; event: UdevEvent }
  | { type: 'malformed'; line: number; message: string };

/** `UDEV  [3478.425332] add      /devices/virtual/block/zram2 (block)` */
const EVENT_LINE = /^UDEV {2}\[\d+\.\d+\] (\S+) +(\/\S*) \(.*\)$/;
/** The banner's first line, and the blank line after it: they carry nothing. */
const BANNER = 'monitor will print the received events for:';
/** Printed once the monitor's netlink socket is bound: no event after it is missed. */
const LISTENING = 'UDEV - the event which udev sends out after rule processing';

/**
 * Parses `udevadm monitor --udev` output as it arrives, in chunks cut anywhere: one line per
 * event. A line that is neither the banner nor an event is reported and skipped.
 */
export class MonitorParser {
  private buffered = '';
  private lineNumber = 0;

  push(chunk: string): MonitorRecord[] {
    this.buffered += chunk;
    const records: MonitorRecord[] = [];
    for (let newline = this.buffered.indexOf('\n'); newline !== -1; ) {
      const line = this.buffered.slice(0, newline);
      this.buffered = this.buffered.slice(newline + 1);
      newline = this.buffered.indexOf('\n');
      this.lineNumber++;
      const record = this.line(line);
      if (record) records.push(record);
    }
    return records;
  }

  private line(line: string): MonitorRecord | undefined {
    if (line === '' || line === BANNER) return undefined;
    if (line === LISTENING) return { type: 'listening' };
    const event = EVENT_LINE.exec(line);
    if (event) {
      const [, action = '', devpath = ''] = event;
      return { type: 'event', event: { action, devpath } };
    }
    return {
      type: 'malformed',
      line: this.lineNumber,
      message: `expected an event line, got ${JSON.stringify(line)}`,
    };
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
 * Supervises `udevadm monitor --udev`: parses what it prints, and restarts it with
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

  private spawn(): void {
    const startedAt = Date.now();
    const parser = new MonitorParser();
    const child = spawn(this.options.udevadm ?? 'udevadm', ['monitor', '--udev'], {
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
