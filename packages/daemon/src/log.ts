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
