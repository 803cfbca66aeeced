/**
 * The data that crosses the component boundary, shared by host and guest.
 *
 * The records and variants come from the WIT world, as jco generates them (`types/wit/`, made by
 * `pnpm --filter @devbinder/plugin-build generate-sdk-types`): camelCase fields, absent keys for
 * `none`, `{ tag, val }` variants. Devices and choices cross as JSON strings (lifting one string
 * is far cheaper than thousands of records); their shapes are defined here.
 */
import type {
  DeviceFilter,
  Interest,
  SelectorError,
} from '../types/wit/interfaces/devbinder-selector-types.js';
import type * as World from '../types/wit/selector.js';

/** The WIT package this SDK implements; a manifest records it and the host checks it. */
export const WIT_PACKAGE = 'devbinder:selector@0.3.0';

/** The WIT `device-filter` record. */
export interface WireDeviceFilter {
  subsystem?: string;
  devtype?: string;
  sysname?: string;
  property?: [string, string];
  tag?: string;
  hasNode: boolean;
}

/** The WIT `interest` record. */
export interface WireInterest {
  filters: Array<WireDeviceFilter>;
  ancestors: boolean;
  descendants: boolean;
  properties?: Array<string>;
}

/** The WIT `selector-error` variant. */
export type WireSelectorError =
  | { tag: 'invalid-argument'; val: { message: string; column: number } }
  | { tag: 'failed'; val: string };

/** A selector component's exports, in the shapes jco's glue gives them to the host. */
export interface WireExports {
  interest(argument: string): WireInterest;
  /** `devices` and the answer are UTF-8 JSON: `WireDevice[]` in, `WireChoices` out. */
  select(argument: string, devices: Uint8Array): Uint8Array;
}

type Equal<A, B> =
  (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
/**
 * Stops type checking when the WIT world, as jco generates it, drifts from the declarations above.
 * (They are declared here rather than re-exported so plugins' declaration files can name them.)
 */
export type WireFollowsTheWorld = Expect<
  Equal<
    [
      WireDeviceFilter,
      WireInterest,
      WireSelectorError,
      WireExports['interest'],
      WireExports['select'],
    ],
    [DeviceFilter, Interest, SelectorError, typeof World.interest, typeof World.select]
  >
>;

/**
 * One offered device in the `devices` JSON array. Fields a device lacks are left out, empty lists
 * included, to keep the JSON (and the guest's parsing) small.
 */
export interface WireDevice {
  /** Absolute (`/sys/devices/…`); relative to the parent's syspath when `parent` is set. */
  syspath: string;
  sysname: string;
  subsystem?: string;
  devtype?: string;
  driver?: string;
  devnode?: string;
  /** Only the properties the plugin's interest named (all when it named none). */
  properties?: Record<string, string>;
  tags?: string[];
  symlinks?: string[];
  /**
   * Index in the same array of the nearest ancestor that is offered: the parent itself unless the
   * interest left it out. Always before this device.
   */
  parent?: number;
}

/**
 * What `select` returns, as JSON: an index into the offered devices, then the reason for it, and so
 * on: `[3, "ID_SEAT=seat1", 7, "ID_SEAT=seat1 (from input3)"]`. A flat array is the cheapest
 * shape for the guest to build and for the host to check.
 */
export type WireChoices = Array<number | string>;
