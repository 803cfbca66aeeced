export {
  DEFAULT_CONFIG_FILE,
  type HostConfig,
  HostConfigError,
  hostLimits,
  parseHostConfig,
  readHostConfig,
} from './config.js';
export { digestMismatch } from './digest.js';
export { PluginError, type PluginErrorKind } from './errors.js';
export { type ChosenDevice, PluginHost, type PluginHostOptions } from './host.js';
export { type ComponentSummary, inspectComponent } from './inspect.js';
export {
  boundMessage,
  DEFAULT_LIMITS,
  HOOK_TIMEOUT_MS,
  PLUGIN_TIME_BUDGET_MS,
  type PluginLimits,
} from './limits.js';
export { capModule, MemoryCapError, type ModuleCaps } from './memory-cap.js';
export { buildOffer, type Offer } from './offer.js';
export { privateDirProblem } from './private-dir.js';
export { type PluginEntry, type PluginProblem, PluginRegistry } from './registry.js';
