/**
 * The data that crosses the component boundary, shared by host and guest.
 *
 * The WIT world (`wit/selector.wit`) passes devices as one JSON string: lifting one string is
 * ~8x cheaper than lifting thousands of records. These types describe that JSON and the WIT
 * values exactly as jco maps them (camelCase fields, `undefined` for `none`).
 */

/** The WIT package this SDK implements; a manifest records it and the host checks it. */
export const WIT_PACKAGE = 'devbinder:selector@0.1.0';
export const WIT_VERSION = '0.1.0';

/** One offered device in the `devices` JSON array. */
export interface WireDevice {
  syspath: string;
  sysname: string;
  subsystem?: string;
  devtype?: string;
  driver?: string;
  devnode?: string;
  properties: Record<string, string>;
  tags: string[];
  symlinks: string[];
  /** Index of the parent in the same array, when the parent is offered. */
  parent?: number;
}

export interface WireChoice {
  device: number;
  reason: string;
}

export interface WireDeviceFilter {
  subsystem: string | undefined;
  devtype: string | undefined;
  property: [string, string] | undefined;
  tag: string | undefined;
  hasNode: boolean;
}

export interface WireInterest {
  filters: WireDeviceFilter[];
  ancestors: boolean;
  descendants: boolean;
  properties: string[] | undefined;
}

export type WireSelectorError =
  | { tag: 'invalid-argument'; val: { message: string; column: number } }
  | { tag: 'failed'; val: string };
