/** @module Interface devbinder:selector/types@0.3.0 **/
/**
 * The annotation's argument does not parse. `column` is 1-based within the argument.
 */
export interface ArgumentError {
  message: string;
  column: number;
}
export type SelectorError = SelectorErrorInvalidArgument | SelectorErrorFailed;
export interface SelectorErrorInvalidArgument {
  tag: 'invalid-argument';
  val: ArgumentError;
}
/**
 * Anything else; the message is shown to the user as it is.
 */
export interface SelectorErrorFailed {
  tag: 'failed';
  val: string;
}
/**
 * A device is offered when every field that is set holds. Strings are udev globs (`*`, `?`,
 * `[a-z]`, `[!a-z]`, alternatives separated by `|`), matched by the host in linear time.
 */
export interface DeviceFilter {
  subsystem?: string;
  devtype?: string;
  /**
   * The kernel name (`ttyUSB0`, `event3`, `1-1`).
   */
  sysname?: string;
  /**
   * A property name (exact) and a glob its value must match.
   */
  property?: [string, string];
  tag?: string;
  /**
   * Only devices that have a device node.
   */
  hasNode: boolean;
}
/**
 * Which devices and which of their properties the host should offer for an argument. The host
 * may offer more than asked (a plugin must still check what it chooses), never less.
 */
export interface Interest {
  /**
   * Offer devices that match at least one filter; an empty list offers every device.
   */
  filters: Array<DeviceFilter>;
  /**
   * Also offer the ancestors of every matching device (for context, e.g. a parent's tags).
   */
  ancestors: boolean;
  /**
   * Also offer the descendants of every matching device (e.g. the tty under a USB device).
   */
  descendants: boolean;
  /**
   * Properties each offered device carries; `none` carries all of them.
   */
  properties?: Array<string>;
}
