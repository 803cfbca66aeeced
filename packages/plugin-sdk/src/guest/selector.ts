import type {
  WireChoices,
  WireDeviceFilter,
  WireExports,
  WireInterest,
  WireSelectorError,
} from '../wire.js';
import { type Device, decodeDevices } from './device.js';

/** Thrown by a selector when its argument does not parse; `column` is 1-based. */
export class ArgumentError extends Error {
  constructor(
    message: string,
    readonly column = 1,
  ) {
    super(message);
    this.name = 'ArgumentError';
  }
}

/**
 * A device is offered when every field that is set holds. Strings are udev globs (`tty*`,
 * `ttyUSB[0-9]`, `sound|input`), matched by the host.
 */
export interface DeviceFilter {
  subsystem?: string;
  devtype?: string;
  /** The kernel name (`ttyUSB0`, `event3`). */
  sysname?: string;
  /** Property name (exact) and a glob its value must match. */
  property?: readonly [string, string];
  tag?: string;
  hasNode?: boolean;
}

/**
 * Which devices the host should offer for an argument. The host may offer more, never less, so
 * `select` must still check what it chooses. The narrower the interest, the faster the plugin:
 * the host filters natively, the plugin runs in an interpreter.
 */
export interface Interest {
  /** Offer devices matching any filter; omitted or empty offers every device. */
  filters?: readonly DeviceFilter[];
  ancestors?: boolean;
  descendants?: boolean;
  /** Properties to carry; omitted carries all. */
  properties?: readonly string[];
}

export interface Choice {
  device: Device;
  /** Shown by `devbinder explain`: say why, in a few words. */
  reason: string;
}

export interface SelectorDefinition<Argument> {
  /** Parses the annotation's argument; throw `ArgumentError` to reject it. */
  parse(argument: string): Argument;
  /** Which devices the host should offer; defaults to every device with all properties. */
  interest?(argument: Argument): Interest;
  select(argument: Argument, devices: readonly Device[]): Iterable<Choice>;
}

/** The functions a selector component exports, in the shapes jco expects. */
export type SelectorExports = WireExports;

/**
 * Adapts a typed selector to the WIT world. A plugin's entry module does:
 *
 *   export const { interest, select } = defineSelector({ parse, interest, select });
 */
export function defineSelector<Argument>(
  definition: SelectorDefinition<Argument>,
): SelectorExports {
  return {
    interest: (argument) =>
      guarded(() => toWireInterest(definition.interest?.(definition.parse(argument)) ?? {})),
    select: (argument, devices) =>
      guarded(() => {
        const parsed = definition.parse(argument);
        const offered = decodeDevices(new TextDecoder().decode(devices));
        const choices: WireChoices = [];
        for (const { device, reason } of definition.select(parsed, offered)) {
          choices.push(device.index, reason);
        }
        return new TextEncoder().encode(JSON.stringify(choices));
      }),
  };
}

function toWireInterest(interest: Interest): WireInterest {
  const wire: WireInterest = {
    filters: (interest.filters ?? []).map(toWireFilter),
    ancestors: interest.ancestors ?? false,
    descendants: interest.descendants ?? false,
  };
  if (interest.properties) wire.properties = [...interest.properties];
  return wire;
}

/** Absent keys, not `undefined` values: that is how jco reads `none`. */
function toWireFilter(filter: DeviceFilter): WireDeviceFilter {
  const wire: WireDeviceFilter = { hasNode: filter.hasNode ?? false };
  if (filter.subsystem !== undefined) wire.subsystem = filter.subsystem;
  if (filter.devtype !== undefined) wire.devtype = filter.devtype;
  if (filter.sysname !== undefined) wire.sysname = filter.sysname;
  if (filter.property !== undefined) wire.property = [filter.property[0], filter.property[1]];
  if (filter.tag !== undefined) wire.tag = filter.tag;
  return wire;
}

/** componentize-js turns a thrown value into the `err` case of the WIT result. */
function guarded<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw toWireError(error);
  }
}

function toWireError(error: unknown): WireSelectorError {
  if (error instanceof ArgumentError) {
    return { tag: 'invalid-argument', val: { message: error.message, column: error.column } };
  }
  return { tag: 'failed', val: error instanceof Error ? error.message : String(error) };
}
