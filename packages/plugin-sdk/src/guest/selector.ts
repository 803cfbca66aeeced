import type { WireChoice, WireInterest, WireSelectorError } from '../wire.js';
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

/** A device is offered when every field that is set holds. */
export interface DeviceFilter {
  subsystem?: string;
  devtype?: string;
  /** Property name and exact value. */
  property?: readonly [string, string];
  tag?: string;
  hasNode?: boolean;
}

/**
 * Which devices the host should offer for an argument. The host may offer more, never less, so
 * `select` must still check what it chooses.
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
export interface SelectorExports {
  interest(argument: string): WireInterest;
  select(argument: string, devices: string): WireChoice[];
}

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
        return Array.from(
          definition.select(parsed, decodeDevices(devices)),
          ({ device, reason }) => ({
            device: device.index,
            reason,
          }),
        );
      }),
  };
}

function toWireInterest(interest: Interest): WireInterest {
  return {
    filters: (interest.filters ?? []).map((filter) => ({
      subsystem: filter.subsystem,
      devtype: filter.devtype,
      property: filter.property ? [filter.property[0], filter.property[1]] : undefined,
      tag: filter.tag,
      hasNode: filter.hasNode ?? false,
    })),
    ancestors: interest.ancestors ?? false,
    descendants: interest.descendants ?? false,
    properties: interest.properties ? [...interest.properties] : undefined,
  };
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
