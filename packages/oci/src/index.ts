export {
  ConfigError,
  type DeviceCgroupRule,
  type JsonObject,
  type LinuxDevice,
  parseConfigDocument,
  parseRuntimeConfig,
  type RuntimeConfig,
  readRuntimeConfig,
  serializeConfig,
  uncheckedAnnotations,
} from './config.js';
export {
  addDevices,
  allowMajors,
  type DeviceEdits,
  type DeviceMajor,
  rulesAllow,
} from './edits.js';
export { deviceMajor, deviceMinor, statDeviceNode } from './node.js';
export { refuseToStart } from './refusal.js';
