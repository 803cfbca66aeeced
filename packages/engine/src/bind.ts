import {
  addDevices,
  allowMajors,
  type JsonObject,
  parseConfigDocument,
  type RuntimeConfig,
  readRuntimeConfig,
  refuseToStart,
  serializeConfig,
  uncheckedAnnotations,
} from '@devbinder/oci';
import type { UdevDatabase } from '@devbinder/udev';
import {
  type DeviceRequest,
  parseAnnotations,
  requestsDevices,
  type SelectorRequest,
} from './annotations.js';
import { type NodePlan, planNodes, type StatNode } from './nodes.js';
import { type Problem, type Selection, type SelectorRunner, selectDevices } from './selection.js';

export interface BindDependencies {
  /** Reads the udev database; called only when the container asks for devices. */
  readDatabase(): UdevDatabase;
  runner: SelectorRunner;
  stat: StatNode;
  /** Told the selector requests before the database is read, so plugins can load meanwhile. */
  warm?(requests: readonly SelectorRequest[]): void;
}

/** Everything decided for one container, for `explain` and for the hook's stderr. */
export interface Binding {
  request: DeviceRequest;
  selection: Selection;
  plan: NodePlan;
}

/** How a refusal reads, for the user who ran `podman run`: every problem with its annotation. */
export function refusalMessage(problems: readonly Problem[]): string {
  const reasons = problems.map(({ annotation, message }) => `${annotation}: ${message}`).join('; ');
  return `devbinder refused to start this container: ${reasons}`;
}

/** Decides the devices for a set of annotations: the shared core of the hook, explain and daemon. */
export async function decideBinding(
  annotations: Readonly<Record<string, string>>,
  deps: BindDependencies,
): Promise<Binding> {
  const { request, problems } = parseAnnotations(annotations);
  deps.warm?.(request.selectors);
  const db = deps.readDatabase();
  const selection = await selectDevices(request, problems, db, deps.runner);
  const plan = planNodes(selection.devices, { symlinks: request.symlinks }, deps.stat);
  return { request, selection, plan };
}

export interface HookResult {
  /**
   * The config to print: the input itself when the container asks for no devices; with devices
   * added; or, when policy refuses the container, one whose command is the refusal (see
   * `refuseToStart`: the only way a precreate hook's words reach the user).
   */
  output: string;
  /** Undefined when the container asks for no devices. */
  binding: Binding | undefined;
  /** The refusal message when the container must not start. */
  refusal: string | undefined;
}

/**
 * The config as the hook reads it: undefined when its annotations give the hook nothing to do
 * (requestsDevices), and then nothing beyond the annotations' keys is looked at, since the config
 * passes through as it came; otherwise checked whole. Throws `ConfigError`.
 */
export function readHookConfig(document: JsonObject, origin: string): RuntimeConfig | undefined {
  if (!requestsDevices(uncheckedAnnotations(document))) return undefined;
  return readRuntimeConfig(document, origin);
}

/**
 * The precreate hook as a function: config text in, config text out. Throws `ConfigError` for
 * text that is no JSON object, or for a bad config the hook has work for.
 */
export async function bindDevices(input: string, deps: BindDependencies): Promise<HookResult> {
  const origin = 'config on stdin';
  const config = readHookConfig(parseConfigDocument(input, origin), origin);
  if (config === undefined) return { output: input, binding: undefined, refusal: undefined };
  const binding = await decideBinding(config.annotations, deps);
  if (binding.selection.fatal) {
    const refusal = refusalMessage(binding.selection.problems);
    return { output: serializeConfig(refuseToStart(config, refusal)), binding, refusal };
  }
  // Majors first: a device of a pre-authorized major then needs no rule of its own.
  const edits = addDevices(
    allowMajors(config, binding.request.hotplugMajors),
    binding.plan.nodes.map(({ node }) => node),
  );
  return { output: serializeConfig(edits.document), binding, refusal: undefined };
}
