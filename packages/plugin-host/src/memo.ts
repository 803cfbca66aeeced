import { createHash } from 'node:crypto';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

/**
 * What a stored answer looks like; part of every key, so answers stored by a devbinder that wrote
 * them differently are never read.
 */
const FORMAT = 'answers-2';

/**
 * Remembers plugin answers. A selector imports nothing (no clock, no randomness, no files), so its
 * answer is a pure function of (component, argument, offered devices, memory cap): replaying a
 * stored answer is exactly as correct as calling it again. Hooks run at every container start on
 * an unchanged device set, so most calls become a file read. The host keys them by the digest it
 * verified the component to have, after verifying it.
 *
 * Only answers (results, the plugin's own errors and answers that break the contract) are stored,
 * with the plugin's text already cut to `maxMessageBytes`; never deadline or crash outcomes, which
 * depend on the machine's load rather than on the input.
 */
export class AnswerMemo {
  constructor(
    readonly dir: string,
    private readonly maxEntries = 512,
  ) {}

  static key(...parts: string[]): string {
    const hash = createHash('sha256');
    for (const part of [FORMAT, ...parts])
      hash
        .update(String(Buffer.byteLength(part)))
        .update(':')
        .update(part);
    return hash.digest('hex');
  }

  get(key: string): unknown {
    try {
      return JSON.parse(readFileSync(join(this.dir, key), 'utf8'));
    } catch {
      return undefined;
    }
  }

  set(key: string, answer: unknown): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const temporary = join(this.dir, `.${key}.${process.pid}`);
      writeFileSync(temporary, JSON.stringify(answer));
      renameSync(temporary, join(this.dir, key));
      this.evict();
    } catch {
      // A memo that cannot be written only costs speed.
    }
  }

  /** Keeps the newest entries; old device sets are unlikely to come back. */
  private evict(): void {
    const names = readdirSync(this.dir).filter((name) => !name.startsWith('.'));
    if (names.length <= this.maxEntries) return;
    const byAge = names
      .map((name) => ({ name, mtime: statSync(join(this.dir, name)).mtimeMs }))
      .sort((a, b) => a.mtime - b.mtime);
    for (const { name } of byAge.slice(0, names.length - this.maxEntries)) {
      rmSync(join(this.dir, name), { force: true });
    }
  }
}
