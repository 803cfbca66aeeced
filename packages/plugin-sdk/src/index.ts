export { compileGlob, type GlobMatcher, globToRegExp, isGlob, matchGlob } from './glob.js';
export {
  isSupportedWit,
  MANIFEST_FILE,
  ManifestError,
  type PluginManifest,
  parseManifest,
  SELECTOR_NAME,
} from './manifest.js';
export * from './wire.js';
