import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WireChoice, WireInterest, WireSelectorError } from '@devbinder/plugin-sdk';
import type { UdevDatabase, UdevDevice } from '@devbinder/udev';
import { verifyComponent } from './digest.js';
import { PluginError } from './errors.js';
import { boundMessage, DEFAULT_LIMITS, type PluginLimits } from './limits.js';
import { AnswerMemo } from './memo.js';
import { buildOffer } from './offer.js';
import { privateDirProblem } from './private-dir.js';
import type { Operation, WorkerMessage } from './protocol.js';
import type { PluginEntry, PluginRegistry } from './registry.js';
import { PluginSandbox } from './sandbox.js';
import { TranspileCache } from './transpile-cache.js';

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
}

/** A device a plugin chose, and the reason it gave. */
export interface ChosenDevice {
  device: UdevDevice;
  reason: string;
}

type Answer = { ok: unknown } | { err: WireSelectorError };

interface LoadedPlugin {
  entry: PluginEntry;
  limits: PluginLimits;
  sandbox: Promise<PluginSandbox>;
}

/** Runs selector plugins: verified, transpiled by us, each in its own worker under its limits. */
export class PluginHost {
  private readonly loaded = new Map<string, LoadedPlugin>();
  private readonly transpiled: TranspileCache;
  private readonly memo: AnswerMemo | undefined;

  constructor(private readonly options: PluginHostOptions) {
    this.transpiled = new TranspileCache(join(options.cacheDir, 'components'));
    if (options.memoDir !== undefined) {
      const problem = privateDirProblem(options.memoDir);
      if (problem) options.warn?.(`not remembering plugin answers: ${problem}`);
      else this.memo = new AnswerMemo(options.memoDir);
    }
  }

  /** Asks `name` which of the database's devices `argument` selects. */
  async select(name: string, argument: string, db: UdevDatabase): Promise<ChosenDevice[]> {
    const plugin = this.load(name);
    const { limits } = plugin;
    if (Buffer.byteLength(argument) > limits.maxArgumentBytes) {
      throw new PluginError(
        name,
        'invalid-argument',
        `the argument is longer than ${limits.maxArgumentBytes} bytes`,
      );
    }
    const deadline = { at: undefined as number | undefined };
    const call = (operation: Operation, args: string[]) =>
      this.answer(plugin, operation, args, deadline);
    const identity = this.identity(plugin, argument);

    const interest = this.unwrap(
      name,
      await this.remembered(['interest', ...identity], () => call('interest', [argument])),
    ) as WireInterest;
    const offer = buildOffer(db, interest);
    const choices = this.unwrap(
      name,
      await this.remembered(['select', ...identity, offer.json], () =>
        call('select', [argument, offer.json]),
      ),
    ) as WireChoice[];

    const seen = new Set<number>();
    return choices.map(({ device, reason }) => {
      const chosen = offer.devices[device];
      if (!chosen) {
        throw new PluginError(
          name,
          'invalid-output',
          `chose device #${device}, but only ${offer.devices.length} were offered`,
        );
      }
      if (seen.has(device))
        throw new PluginError(
          name,
          'invalid-output',
          `chose device #${device} (${chosen.syspath}) twice`,
        );
      seen.add(device);
      return { device: chosen, reason: boundMessage(reason, limits.maxMessageBytes) };
    });
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
    const limits = { ...DEFAULT_LIMITS, ...this.options.limits, ...this.options.limitsFor?.(name) };
    const sandbox = (async () => {
      verifyComponent(entry, join(this.options.cacheDir, 'stamps'));
      const component = await this.transpiled.get(name, entry.manifest.sha256, () =>
        readComponent(entry),
      );
      return new PluginSandbox(name, component, limits);
    })();
    const plugin = { entry, limits, sandbox };
    this.loaded.set(name, plugin);
    // A failed load is not cached: the next use retries and reports the error again.
    sandbox.catch(() => this.loaded.delete(name));
    return plugin;
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
  ): Promise<Answer> {
    const sandbox = await plugin.sandbox;
    // One budget covers a whole selection (worker start, interest, select), from the first call.
    deadline.at ??= performance.now() + plugin.limits.deadlineMs;
    const message: WorkerMessage = await sandbox.call(operation, args, deadline.at);
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

  private unwrap(name: string, answer: Answer): unknown {
    if ('ok' in answer) return answer.ok;
    const limit = this.load(name).limits.maxMessageBytes;
    const { err } = answer;
    if (err.tag === 'invalid-argument') {
      throw new PluginError(
        name,
        'invalid-argument',
        boundMessage(err.val.message, limit),
        err.val.column,
      );
    }
    throw new PluginError(name, 'failed', boundMessage(err.val, limit));
  }
}

function readComponent(entry: PluginEntry): Uint8Array {
  return readFileSync(entry.componentPath);
}
