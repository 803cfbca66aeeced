import { readSync, writeSync } from 'node:fs';
import { CliError, ExitCode } from './exit-codes.js';

/**
 * Reads all of stdin, refusing more than `limit` bytes rather than buffering without end. Reads the
 * file descriptor directly: setting up `process.stdin` as a stream costs ~10 ms, at every container
 * start.
 */
export function readStdin(limit: number): string {
  const chunks: Buffer[] = [];
  let size = 0;
  for (;;) {
    const chunk = Buffer.allocUnsafe(64 * 1024);
    const count = readRetrying(chunk);
    if (count === 0) break;
    size += count;
    if (size > limit) {
      throw new CliError(
        `stdin: more than ${limit / 2 ** 20} MiB; a runtime config is never that large`,
        ExitCode.badInput,
      );
    }
    chunks.push(chunk.subarray(0, count));
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** A non-blocking stdin (a terminal, some pipes) answers EAGAIN until data arrives: wait and retry. */
function readRetrying(buffer: Buffer): number {
  for (;;) {
    try {
      return readSync(0, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EOF') return 0;
      if (code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 5);
    }
  }
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes the whole text before returning: the hook's stdout is a pipe to Podman, and an
 * asynchronous write cut short by exit would leave half a JSON document.
 */
export function writeAllSync(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    }
  }
}

export function printError(command: string, message: string): void {
  writeAllSync(2, `devbinder ${command}: ${message}\n`);
}

/** Prints a hook's answer: its messages, then the config (one write each, as Podman reads them). */
export function writeOutcome(outcome: { stdout: string; stderr: string }): void {
  if (outcome.stderr !== '') writeAllSync(2, outcome.stderr);
  writeAllSync(1, outcome.stdout);
}
