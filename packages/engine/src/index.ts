export {
  type AnnotationProblem,
  type DeviceRequest,
  HOTPLUG_ANNOTATION,
  HOTPLUG_MAJORS_ANNOTATION,
  NAMESPACE,
  POLICY_ANNOTATION,
  type Policy,
  parseAnnotations,
  parseMajors,
  requestsDevices,
  SELECTOR_KEY_PATTERN,
  SELECTOR_PREFIX,
  type SelectorRequest,
  SYMLINKS_ANNOTATION,
} from './annotations.js';
export {
  type BindDependencies,
  type Binding,
  bindDevices,
  decideBinding,
  type HookResult,
  readHookConfig,
  refusalMessage,
} from './bind.js';
export { type NodePlan, type PlannedNode, planNodes, type StatNode } from './nodes.js';
export {
  type Problem,
  type SelectedDevice,
  type Selection,
  type SelectionReason,
  type SelectorRunner,
  selectDevices,
} from './selection.js';
