export {
  ConfigError,
  type DeviceCgroupRule,
  type JsonObject,
  type LinuxDevice,
  parseRuntimeConfig,
  type RuntimeConfig,
  serializeConfig,
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
