export { compileGlob, type GlobMatcher, globToRegExp, isGlob, matchGlob } from '../glob.js';
export type { Device } from './device.js';
export {
  ArgumentError,
  type Choice,
  type DeviceFilter,
  defineSelector,
  type Interest,
  type SelectorDefinition,
  type SelectorExports,
} from './selector.js';
