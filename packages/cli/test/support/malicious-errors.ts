/**
 * What the plugin host reports for each way a plugin of the malicious suite
 * (packages/plugin-host/test/malicious) misbehaves: one table for the CLI's malicious-plugin tests
 * and the lab's malicious-plugin scenario.
 */
import { DEFAULT_LIMITS, type PluginLimits } from '@devbinder/plugin-host';
import type { MaliciousPlugin } from '../../../plugin-host/test/malicious/build.js';

export interface Misbehaviour {
  plugin: MaliciousPlugin;
  /** The argument that makes it misbehave. */
  argument: string;
  /**
   * The time limit that bounds how long the plugin takes to fail once its component is prepared:
   * a call ends by `deadlineMs` at the latest (if nothing stops it first: the memory cap, a trap, a
   * bad answer), a load by `loadDeadlineMs`. `none`: refused before anything of it runs.
   */
  endsWithin: 'deadlineMs' | 'loadDeadlineMs' | 'none';
  /** What the host's error says after `plugin "<name>": `, under `limits`. */
  says: (limits: PluginLimits) => RegExp;
}

export const MISBEHAVIOURS: readonly Misbehaviour[] = [
  {
    plugin: 'loop',
    argument: 'select',
    endsWithin: 'deadlineMs',
    says: ({ deadlineMs }) =>
      new RegExp(`did not answer within its deadline of ${deadlineMs} ms \\(deadlineMs\\)`),
  },
  {
    plugin: 'loop',
    argument: 'interest',
    endsWithin: 'deadlineMs',
    says: ({ deadlineMs }) =>
      new RegExp(`did not answer within its deadline of ${deadlineMs} ms \\(deadlineMs\\)`),
  },
  {
    plugin: 'slow-start',
    argument: 'x',
    endsWithin: 'loadDeadlineMs',
    says: ({ loadDeadlineMs }) =>
      new RegExp(`did not load within its deadline of ${loadDeadlineMs} ms \\(loadDeadlineMs\\)`),
  },
  {
    plugin: 'memory-bomb',
    argument: 'forever',
    endsWithin: 'deadlineMs',
    says: ({ memoryMiB }) =>
      new RegExp(`ran out of memory: .* of its ${memoryMiB} MiB cap \\(memoryMiB\\)`),
  },
  {
    plugin: 'two-memories',
    argument: 'x',
    endsWithin: 'deadlineMs',
    says: () => /ran out of memory: its 2 wasm memories reached [\d.]+ MiB together/,
  },
  {
    plugin: 'table-bomb',
    argument: 'x',
    endsWithin: 'deadlineMs',
    says: () => /ran out of memory: its 8 tables reached 1000000 entries together/,
  },
  {
    plugin: 'forbidden-imports',
    argument: 'x',
    endsWithin: 'none',
    says: () =>
      /a selector must import nothing from the host, but this component imports: .*wasi:filesystem\/types/,
  },
  {
    plugin: 'bad-output',
    argument: 'out-of-range',
    endsWithin: 'deadlineMs',
    says: () => /chose device #\d+, but only #0 to #\d+ were offered/,
  },
  {
    plugin: 'bad-output',
    argument: 'duplicate',
    endsWithin: 'deadlineMs',
    says: () => /chose device #0 \(\/sys\/\S+\) twice/,
  },
  {
    plugin: 'bad-output',
    argument: 'not-json',
    endsWithin: 'deadlineMs',
    says: () => /answered with text that is not JSON/,
  },
  {
    plugin: 'bad-output',
    argument: 'oversized',
    endsWithin: 'deadlineMs',
    says: () => /answered select with \d+ bytes, more than the \d+ its input allows/,
  },
  {
    plugin: 'bad-output',
    argument: 'throw-number',
    endsWithin: 'deadlineMs',
    says: () => /trapped: wasm trap/,
  },
  {
    plugin: 'errors',
    argument: 'megabyte',
    endsWithin: 'deadlineMs',
    says: ({ maxMessageBytes }) =>
      new RegExp(
        `x{${maxMessageBytes}}… \\(cut at ${maxMessageBytes} of 1048576 bytes, maxMessageBytes\\)`,
      ),
  },
  {
    plugin: 'errors',
    argument: 'bug',
    endsWithin: 'deadlineMs',
    says: () => /can't access property "device", missing is null/,
  },
];

/** The table's entry for `plugin` misbehaving with `argument`; throws when it has none. */
export function misbehaviour(plugin: MaliciousPlugin, argument: string): Misbehaviour {
  const found = MISBEHAVIOURS.find((m) => m.plugin === plugin && m.argument === argument);
  if (found === undefined)
    throw new Error(`no misbehaviour of plugin "${plugin}" with "${argument}"`);
  return found;
}

/** The error as the host reports it, `plugin "<name>": …`; by default under the default limits. */
export function reportedError(
  { plugin, says }: Misbehaviour,
  limits: PluginLimits = DEFAULT_LIMITS,
): RegExp {
  return new RegExp(`plugin "${plugin}": ${says(limits).source}`);
}
