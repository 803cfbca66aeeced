export { type BuildOptions, type BuiltPlugin, buildPlugin } from './build-plugin.js';
export { BundleError } from './bundle.js';
export { ComponentizeError, WASI_FEATURES, type WasiFeature } from './componentize.js';
export { type PluginProject, PluginProjectError, readPluginProject } from './project.js';
