export { compileGlob, type GlobMatcher, globToRegExp, isGlob, matchGlob } from '../glob.js';
// What the exports answer, so a plugin's declaration files can name the types.
export type { WireDeviceFilter, WireInterest, WireSelectorError } from '../wire.js';
export type { Device } from './device.js';
export { type ArgumentItem, splitItems } from './items.js';
export {
  ArgumentError,
  type Choice,
  type DeviceFilter,
  defineSelector,
  type Interest,
  type SelectorDefinition,
  type SelectorExports,
} from './selector.js';
