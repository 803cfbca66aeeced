import { join } from 'node:path';
import type { WireInterest, WireSelectorError } from '@devbinder/plugin-sdk';
import type { UdevDatabase, UdevDevice } from '@devbinder/udev';
import { checkChoices } from './choices.js';
import { type ComponentFile, componentIdentity, isStamped } from './digest.js';
import { PluginError } from './errors.js';
import { boundMessage, DEFAULT_LIMITS, type PluginLimits } from './limits.js';
import { AnswerMemo } from './memo.js';
import { buildOffer } from './offer.js';
import { prepareInWorker } from './preparation.js';
import { privateDirProblem } from './private-dir.js';
import type { Operation } from './protocol.js';
import type { PluginEntry, PluginRegistry } from './registry.js';
import { PluginSandbox, SelectionClock } from './sandbox.js';
import { type PreparedComponent, TranspileCache } from './transpile-cache.js';
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

/**
 * What a call came to, as remembered: the plugin's result, its own error, or (for `select`) an
 * answer that breaks the contract.
 */
type Answer = { ok: unknown } | { err: WireSelectorError } | { invalid: string };

/** An interest is a handful of filters; one this large is a plugin flooding the host. */
const MAX_INTEREST_BYTES = 64 * 1024;
/** Interests kept in memory; a long-running host sees few distinct annotations. */
const MAX_REMEMBERED_INTERESTS = 1024;

interface LoadedPlugin {
  entry: PluginEntry;
  limits: PluginLimits;
  file: ComponentFile;
  /** The component file's identity when it was loaded; a change means verifying it again. */
  identity: string;
  /** Resolves once the component file was verified against its manifest's sha256. */
  verified: Promise<void>;
  /** Prepares the component and creates its sandbox, on first use. */
  sandbox(): Promise<PluginSandbox>;
  stop(): void;
}

/** Runs selector plugins: verified, transpiled by us, each in its own worker under its limits. */
export class PluginHost {
  private readonly loaded = new Map<string, LoadedPlugin>();
  /** Interest answers by plugin identity and argument (see identity()). */
  private readonly interests = new Map<string, Answer>();
  private readonly transpiled: TranspileCache;
  private readonly stampDir: string;
  private readonly memo: AnswerMemo | undefined;

  constructor(private readonly options: PluginHostOptions) {
    if (options.shortLived) tuneForShortRuns();
    this.transpiled = new TranspileCache(join(options.cacheDir, 'components'));
    this.stampDir = join(options.cacheDir, 'stamps');
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
    // A remembered answer is the verified component's: never replay one before verifying.
    await plugin.verified;
    const identity = this.identity(plugin, argument);
    // The selection's time starts when its first call is made, after the host's own preparation.
    let clock: SelectionClock | undefined;
    const call = async (operation: Operation, args: string[], maxResultBytes: number) => {
      const sandbox = await plugin.sandbox();
      clock ??= new SelectionClock(limits);
      return this.answer(plugin, sandbox, operation, args, clock, maxResultBytes);
    };

    // An interest depends on the argument alone: asked once per process, whatever the devices.
    const interestKey = identity.join('\0');
    let interestAnswer = this.interests.get(interestKey);
    if (interestAnswer === undefined) {
      interestAnswer = await this.remembered(['interest', ...identity], () =>
        call('interest', [argument], MAX_INTEREST_BYTES),
      );
      if (this.interests.size >= MAX_REMEMBERED_INTERESTS) this.interests.clear();
      this.interests.set(interestKey, interestAnswer);
    }
    const interest = this.unwrap(plugin, interestAnswer) as WireInterest;
    const offer = buildOffer(db, interest);
    // Room for every offered device with a long reason (JSON escapes included): anything longer is
    // no answer but a flood. Reasons over the message limit are cut before they are kept.
    const maxChoicesBytes = 2 + offer.devices.length * (4 * limits.maxMessageBytes + 32);
    const json = this.unwrap(
      plugin,
      await this.remembered(['select', ...identity, offer.json], async () => {
        const answer = await call('select', [argument, offer.json], maxChoicesBytes);
        return 'ok' in answer ? bounded(answer.ok as string, offer.devices, limits) : answer;
      }),
    ) as string;

    // Checked again: the remembered answer comes from disk.
    const checked = checkChoices(json, offer.devices);
    if ('problem' in checked) throw new PluginError(name, 'invalid-output', checked.problem);
    return checked.choices.map(({ index, reason }) => ({
      device: offer.devices[index] as UdevDevice,
      reason,
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
      void plugin.verified
        .then(() => {
          const key = AnswerMemo.key('interest', ...this.identity(plugin, argument));
          if (this.memo?.get(key) === undefined) return plugin.sandbox().then((s) => s.warm());
        })
        .catch(() => {});
    }
  }

  async close(): Promise<void> {
    for (const plugin of this.loaded.values()) plugin.stop();
    this.loaded.clear();
  }

  private load(name: string): LoadedPlugin {
    const known = this.loaded.get(name);
    if (known) {
      // Cheap (one stat), and what keeps a long-running host from trusting a replaced file.
      if (componentIdentity(known.file) === known.identity) return known;
      this.loaded.delete(name);
      known.stop();
    }
    const entry = this.options.registry.get(name);
    const limits = this.limitsOf(name);
    const file: ComponentFile = {
      plugin: name,
      componentPath: entry.componentPath,
      manifestPath: entry.manifestPath,
      sha256: entry.manifest.sha256,
      maxComponentMiB: limits.maxComponentMiB,
    };
    const identity = componentIdentity(file);
    const stamped = isStamped(file, identity, this.stampDir);
    let preparing: Promise<PreparedComponent> | undefined;
    const prepare = () => {
      preparing ??= this.prepare(file, stamped, limits.memoryMiB, limits.prepareDeadlineMs);
      return preparing;
    };
    let sandbox: Promise<PluginSandbox> | undefined;
    // A failed load is not kept: the next use retries and reports the error again.
    const forget = () => {
      if (this.loaded.get(name) === plugin) this.loaded.delete(name);
    };
    const plugin: LoadedPlugin = {
      entry,
      limits,
      file,
      identity,
      // A valid stamp vouches for the file as it is; otherwise preparing it hashes it.
      verified: stamped ? Promise.resolve() : prepare().then(() => {}),
      sandbox: () => {
        if (!sandbox) {
          sandbox = prepare().then((component) => new PluginSandbox(name, component, limits));
          sandbox.catch(forget);
        }
        return sandbox;
      },
      stop: () => {
        sandbox?.then(
          (running) => running.stop(),
          () => {},
        );
      },
    };
    plugin.verified.catch(forget);
    this.loaded.set(name, plugin);
    return plugin;
  }

  /** The component ready to run: from the cache when it is all there, else by the preparation worker. */
  private async prepare(
    file: ComponentFile,
    stamped: boolean,
    memoryMiB: number,
    prepareDeadlineMs: number,
  ): Promise<PreparedComponent> {
    const cached = stamped
      ? this.transpiled.lookup(file.plugin, file.sha256, memoryMiB)
      : undefined;
    if (cached) return cached;
    return prepareInWorker(
      { file, stamped, stampDir: this.stampDir, cacheDir: this.transpiled.dir, memoryMiB },
      prepareDeadlineMs,
      this.transpiled,
    );
  }

  private limitsOf(name: string): PluginLimits {
    return { ...DEFAULT_LIMITS, ...this.options.limits, ...this.options.limitsFor?.(name) };
  }

  /**
   * What determines a plugin's answer besides the offered devices; the digest is the manifest's,
   * which the component is verified to have before anything keyed by it is used.
   */
  private identity(plugin: LoadedPlugin, argument: string): string[] {
    return [plugin.file.sha256, String(plugin.limits.memoryMiB), argument];
  }

  private async answer(
    plugin: LoadedPlugin,
    sandbox: PluginSandbox,
    operation: Operation,
    args: string[],
    clock: SelectionClock,
    maxResultBytes: number,
  ): Promise<Answer> {
    const message = await sandbox.call(operation, args, clock, maxResultBytes);
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
    const { name } = plugin.entry.manifest;
    if ('ok' in answer) return answer.ok;
    if ('invalid' in answer) throw new PluginError(name, 'invalid-output', answer.invalid);
    // The worker cut the plugin's text to maxMessageBytes already.
    const { err } = answer;
    if (err.tag === 'invalid-argument') {
      const column = Math.max(1, err.val.column);
      throw new PluginError(
        name,
        'invalid-argument',
        `${err.val.message} (column ${column})`,
        column,
      );
    }
    throw new PluginError(name, 'failed', err.val);
  }
}

/**
 * A `select` answer as it is kept: checked against the offer, every reason cut to
 * `maxMessageBytes`, or the reason it breaks the contract.
 */
function bounded(json: string, offered: readonly UdevDevice[], limits: PluginLimits): Answer {
  const checked = checkChoices(json, offered);
  if ('problem' in checked) return { invalid: checked.problem };
  return {
    ok: JSON.stringify(
      checked.choices.flatMap(({ index, reason }) => [
        index,
        boundMessage(reason, limits.maxMessageBytes),
      ]),
    ),
  };
}
