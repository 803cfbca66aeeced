import { writeSync } from 'node:fs';
import { CliError, ExitCode } from './exit-codes.js';

/** Reads all of stdin, refusing more than `limit` bytes rather than buffering without end. */
export async function readStdin(limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      throw new CliError(
        `stdin: more than ${limit / 2 ** 20} MiB; a runtime config is never that large`,
        ExitCode.badInput,
      );
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

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
