// world devbinder:selector/selector@0.3.0
export type SelectorError = import('./interfaces/devbinder-selector-types.js').SelectorError;
export type Interest = import('./interfaces/devbinder-selector-types.js').Interest;
export type * as DevbinderSelectorTypes030 from './interfaces/devbinder-selector-types.js'; // import devbinder:selector/types@0.3.0
/**
 * Checks the argument and says which devices the host should offer for it.
 */
export function interest(argument: string): Interest;
/**
 * Chooses among `devices`, a JSON array of `WireDevice` records. The answer is a JSON array
 * that alternates an index into `devices` and a short reason for humans:
 * `[3, "ID_SEAT=seat1", 7, "ID_SEAT=seat1 (from input3)"]`.
 */
export function select(argument: string, devices: Uint8Array): Uint8Array;
export type Result<T, E> = { tag: 'ok'; val: T } | { tag: 'err'; val: E };
