import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WireInterest, WireSelectorError } from '@devbinder/plugin-sdk';
import type { UdevDatabase, UdevDevice } from '@devbinder/udev';
import { checkChoices } from './choices.js';
import { verifyComponent } from './digest.js';
import { PluginError } from './errors.js';
import { boundMessage, DEFAULT_LIMITS, type PluginLimits } from './limits.js';
import { AnswerMemo } from './memo.js';
import { buildOffer } from './offer.js';
import { privateDirProblem } from './private-dir.js';
import type { Operation } from './protocol.js';
import type { PluginEntry, PluginRegistry } from './registry.js';
import { PluginSandbox } from './sandbox.js';
import { TranspileCache } from './transpile-cache.js';
import { tuneForShortRuns } from './v8-tuning.js';

export interface PluginHostOptions {
  registry: PluginRegistry;
  /** Private directory for transpiled components and verification stamps. */
  cacheDir: string;
  /** Private directory for remembered answers (see AnswerMemo); omit to always call plugins. */
  memoDir?: string;
  limits?: Partial<PluginLimits>;
  /** Per-plugin overrides on top of `limits`. */
  limitsFor?: (plugin: string) => Partial<PluginLimits> | undefined;
  warn?: (message: string) => void;
  /**
   * The process runs plugins once and exits (the hook, `explain`): tune V8 for that (see
   * tuneForShortRuns). Leave it off in a long-running process such as the daemon.
   */
  shortLived?: boolean;
}

/** A device a plugin chose, and the reason it gave. */
export interface ChosenDevice {
  device: UdevDevice;
  reason: string;
}

type Answer = { ok: unknown } | { err: WireSelectorError };

/** An interest is a handful of filters; one this large is a plugin flooding the host. */
const MAX_INTEREST_BYTES = 64 * 1024;
/** Interests kept in memory; a long-running host sees few distinct annotations. */
const MAX_REMEMBERED_INTERESTS = 1024;

interface LoadedPlugin {
  entry: PluginEntry;
  limits: PluginLimits;
  sandbox: Promise<PluginSandbox>;
}

/** Runs selector plugins: verified, transpiled by us, each in its own worker under its limits. */
export class PluginHost {
  private readonly loaded = new Map<string, LoadedPlugin>();
  /** Interest answers by plugin identity and argument (see identity()). */
  private readonly interests = new Map<string, Answer>();
  private readonly transpiled: TranspileCache;
  private readonly memo: AnswerMemo | undefined;

  constructor(private readonly options: PluginHostOptions) {
    if (options.shortLived) tuneForShortRuns();
    this.transpiled = new TranspileCache(join(options.cacheDir, 'components'));
    if (options.memoDir !== undefined) {
      const problem = privateDirProblem(options.memoDir);
      if (problem) options.warn?.(`not remembering plugin answers: ${problem}`);
      else this.memo = new AnswerMemo(options.memoDir);
    }
  }

  /** Asks `name` which of the database's devices `argument` selects. */
  async select(name: string, argument: string, db: UdevDatabase): Promise<ChosenDevice[]> {
    const limits = this.limitsOf(name);
    if (Buffer.byteLength(argument) > limits.maxArgumentBytes) {
      throw new PluginError(
        name,
        'invalid-argument',
        `the argument is longer than its limit of ${limits.maxArgumentBytes} bytes (maxArgumentBytes)`,
      );
    }
    const plugin = this.load(name);
    const deadline = { at: undefined as number | undefined };
    const identity = this.identity(plugin, argument);

    // An interest depends on the argument alone: asked once per process, whatever the devices.
    const interestKey = identity.join('\0');
    let interestAnswer = this.interests.get(interestKey);
    if (interestAnswer === undefined) {
      interestAnswer = await this.remembered(['interest', ...identity], () =>
        this.answer(plugin, 'interest', [argument], deadline, MAX_INTEREST_BYTES),
      );
      if (this.interests.size >= MAX_REMEMBERED_INTERESTS) this.interests.clear();
      this.interests.set(interestKey, interestAnswer);
    }
    const interest = this.unwrap(plugin, interestAnswer) as WireInterest;
    const offer = buildOffer(db, interest);
    // Room for every offered device with a long reason (JSON escapes included): anything longer is
    // no answer but a flood. Reasons over the message limit are cut below.
    const maxChoicesBytes = 2 + offer.devices.length * (4 * limits.maxMessageBytes + 32);
    const json = this.unwrap(
      plugin,
      await this.remembered(['select', ...identity, offer.json], () =>
        this.answer(plugin, 'select', [argument, offer.json], deadline, maxChoicesBytes),
      ),
    ) as string;

    const checked = checkChoices(json, offer.devices);
    if ('problem' in checked) throw new PluginError(name, 'invalid-output', checked.problem);
    return checked.choices.map(({ index, reason }) => ({
      device: offer.devices[index] as UdevDevice,
      reason: boundMessage(reason, limits.maxMessageBytes),
    }));
  }

  /**
   * Starts plugin workers ahead of use, so they boot while the caller reads udev. Only for
   * arguments without a remembered interest: with one, the selection is most likely remembered
   * too, and booting a worker would be wasted.
   */
  warm(requests: Iterable<{ selector: string; argument: string }>): void {
    for (const { selector, argument } of requests) {
      let plugin: LoadedPlugin;
      try {
        plugin = this.load(selector);
      } catch {
        continue; // Unknown or broken plugins report their error when they are used.
      }
      if (
        this.memo?.get(AnswerMemo.key('interest', ...this.identity(plugin, argument))) !== undefined
      )
        continue;
      plugin.sandbox.then(
        (sandbox) => sandbox.warm(),
        () => {},
      );
    }
  }

  async close(): Promise<void> {
    for (const plugin of this.loaded.values())
      plugin.sandbox.then(
        (sandbox) => sandbox.stop(),
        () => {},
      );
    this.loaded.clear();
  }

  private load(name: string): LoadedPlugin {
    const known = this.loaded.get(name);
    if (known) return known;
    const entry = this.options.registry.get(name);
    const limits = this.limitsOf(name);
    const sandbox = (async () => {
      verifyComponent(entry, join(this.options.cacheDir, 'stamps'));
      const component = await this.transpiled.get(
        name,
        entry.manifest.sha256,
        () => readComponent(entry),
        limits.memoryMiB,
      );
      return new PluginSandbox(name, component, limits);
    })();
    const plugin = { entry, limits, sandbox };
    this.loaded.set(name, plugin);
    // A failed load is not cached: the next use retries and reports the error again.
    sandbox.catch(() => this.loaded.delete(name));
    return plugin;
  }

  private limitsOf(name: string): PluginLimits {
    return { ...DEFAULT_LIMITS, ...this.options.limits, ...this.options.limitsFor?.(name) };
  }

  /** What determines a plugin's answer besides the offered devices. */
  private identity(plugin: LoadedPlugin, argument: string): string[] {
    return [plugin.entry.manifest.sha256, String(plugin.limits.memoryMiB), argument];
  }

  private async answer(
    plugin: LoadedPlugin,
    operation: Operation,
    args: string[],
    deadline: { at: number | undefined },
    maxResultBytes: number,
  ): Promise<Answer> {
    const sandbox = await plugin.sandbox;
    await sandbox.ready();
    // One budget covers the calls of a selection (interest and select); loading had its own.
    deadline.at ??= performance.now() + plugin.limits.deadlineMs;
    const message = await sandbox.call(operation, args, deadline.at, maxResultBytes);
    if (message.type === 'result') return { ok: message.value };
    if (message.type === 'rejected') return { err: message.error };
    throw new PluginError(
      plugin.entry.manifest.name,
      'crashed',
      `unexpected worker message ${message.type}`,
    );
  }

  private async remembered(parts: string[], compute: () => Promise<Answer>): Promise<Answer> {
    if (!this.memo) return compute();
    const key = AnswerMemo.key(...parts);
    const known = this.memo.get(key) as Answer | undefined;
    if (known) return known;
    const answer = await compute();
    this.memo.set(key, answer);
    return answer;
  }

  private unwrap(plugin: LoadedPlugin, answer: Answer): unknown {
    if ('ok' in answer) return answer.ok;
    const { name } = plugin.entry.manifest;
    const limit = plugin.limits.maxMessageBytes;
    const { err } = answer;
    if (err.tag === 'invalid-argument') {
      const column = Math.max(1, err.val.column);
      throw new PluginError(
        name,
        'invalid-argument',
        `${boundMessage(err.val.message, limit)} (column ${column})`,
        column,
      );
    }
    throw new PluginError(name, 'failed', boundMessage(err.val, limit));
  }
}

function readComponent(entry: PluginEntry): Uint8Array {
  return readFileSync(entry.componentPath);
}
