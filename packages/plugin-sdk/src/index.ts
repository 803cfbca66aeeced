export {
  isSupportedWit,
  MANIFEST_FILE,
  ManifestError,
  type PluginManifest,
  parseManifest,
  SELECTOR_NAME,
} from './manifest.js';
export * from './wire.js';
