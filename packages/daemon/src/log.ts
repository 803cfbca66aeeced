export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Readonly<Record<string, unknown>>;

/** Structured log lines on stderr: one event name and its fields per line. */
export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/**
 * `json`: one JSON object per line (`{"time","level","event",…fields}`), for journald and log
 * shippers; `text`: `TIME LEVEL EVENT key=value …` for people.
 */
export function createLogger(
  format: LogFormat,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Logger {
  const log =
    (level: LogLevel) =>
    (event: string, fields: LogFields = {}) => {
      const time = new Date().toISOString();
      if (format === 'json') {
        write(`${JSON.stringify({ time, level, event, ...fields })}\n`);
        return;
      }
      const pairs = Object.entries(fields).map(([key, value]) => `${key}=${textValue(value)}`);
      write(`${[time, level, event, ...pairs].join(' ')}\n`);
    };
  return { info: log('info'), warn: log('warn'), error: log('error') };
}

function textValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"=]/.test(text ?? '') ? JSON.stringify(text) : String(text);
}

/**
 * A condition that lasts and is met again at every retry (Podman's API unreachable): logged when
 * it is first met, then at most once per `everyMs` while it lasts, with how often it was met, so
 * a retry loop cannot flood the log.
 */
export class LastingProblem {
  private firstAt: number | undefined;
  private loggedAt = 0;
  private times = 0;

  constructor(
    private readonly report: (fields: LogFields) => void,
    private readonly everyMs: number,
  ) {}

  met(message: string): void {
    const now = Date.now();
    this.times++;
    this.firstAt ??= now;
    if (this.times > 1 && now - this.loggedAt < this.everyMs) return;
    this.loggedAt = now;
    this.report({ message, attempts: this.times, forMs: now - this.firstAt });
  }

  /** It is over: how often it was met and for how long, or undefined when it was not met. */
  over(): { attempts: number; forMs: number } | undefined {
    if (this.firstAt === undefined) return undefined;
    const outcome = { attempts: this.times, forMs: Date.now() - this.firstAt };
    this.firstAt = undefined;
    this.times = 0;
    return outcome;
  }
}
