export { type HostHasDevice, hostHasDevice, staleCreationDevices } from './adopt.js';
export {
  type AccessHandling,
  Applier,
  type CgroupAccessMode,
  type Outcome,
  type Target,
} from './apply.js';
export {
  allowsEverything,
  CgroupError,
  type DeviceRule,
  DevicesCgroupV1,
  grants,
  hasExactRule,
  type ProcessCgroups,
  parseDevicesList,
  parseProcCgroup,
} from './cgroup-v1.js';
export {
  ContainerGone,
  ContainerProcess,
  DevTree,
  devRelative,
  NodeMaker,
  type NodeState,
  type NodeToMake,
  UnsafePath,
} from './container-fs.js';
export { ControlError, ControlServer, parseControlRequest, requestStatus } from './control.js';
export { Daemon, type DaemonOptions, type DaemonStatus } from './daemon.js';
export { type DatabaseView, LiveDatabase } from './database.js';
export { type Decision, decide, decisionKey, isManaged, notPreauthorized } from './decide.js';
export { createLogger, type LogFormat, type Logger } from './log.js';
export { DEFAULT_DAEMON_SOCKET, DEFAULT_PODMAN_SOCKET, DEFAULT_STATE_DIR } from './paths.js';
export {
  type Access,
  type ActualState,
  type Changes,
  planChanges,
  type WantedNode,
} from './plan.js';
export {
  type CurrentPlugins,
  type PluginLoad,
  pathsFingerprint,
  ReloadingPlugins,
  type ReloadingPluginsOptions,
  type Selectors,
} from './plugins.js';
export {
  type ContainerEvent,
  type ContainerInfo,
  PodmanClient,
  PodmanError,
  parseContainerEvent,
  parseContainerInspect,
  parseContainerList,
} from './podman.js';
export {
  type ControlRequest,
  type Declined,
  type HookAnswer,
  type HookReply,
  type HookRequest,
  PROTOCOL_VERSION,
  parseHookReply,
  type StatusRequest,
  socketTrustProblem,
} from './protocol.js';
export { SelectionCache } from './selection-cache.js';
export {
  type ContainerState,
  type GivenNode,
  parseState,
  STATE_FILE,
  StateStore,
} from './state.js';
export { MonitorParser, type MonitorRecord, type UdevEvent, UdevMonitor } from './udev-monitor.js';
