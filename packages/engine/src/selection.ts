import type { UdevDatabase, UdevDevice } from '@devbinder/udev';
import type { AnnotationProblem, DeviceRequest, SelectorRequest } from './annotations.js';

/** Runs one selector; the plugin host implements this. Throws with a message for the user. */
export interface SelectorRunner {
  select(
    selector: string,
    argument: string,
    db: UdevDatabase,
  ): Promise<Array<{ device: UdevDevice; reason: string }>>;
}

/** Why a device is in the set: which annotation chose it, and the selector's reason. */
export interface SelectionReason {
  annotation: string;
  selector: string;
  reason: string;
}

export interface SelectedDevice {
  device: UdevDevice;
  selectedBy: SelectionReason[];
}

export interface Problem {
  /** The annotation at fault. */
  annotation: string;
  message: string;
}

export interface Selection {
  /** Devices with a node, in database order. */
  devices: SelectedDevice[];
  /** Devices a selector chose that have no node to give (e.g. a USB interface). */
  withoutNode: SelectedDevice[];
  problems: Problem[];
  /** True when the container must not start: policy `required` and any problem, or a fatal one. */
  fatal: boolean;
}

/**
 * Runs every selector (concurrently: each plugin has its own worker) and unions what they chose.
 * Under best-effort a failing selector costs only its own devices; under required, any problem
 * or a selector that chose nothing fails the container.
 */
export async function selectDevices(
  request: DeviceRequest,
  annotationProblems: readonly AnnotationProblem[],
  db: UdevDatabase,
  runner: SelectorRunner,
): Promise<Selection> {
  const problems: Problem[] = annotationProblems.map(({ annotation, message }) => ({
    annotation,
    message,
  }));
  let fatal = annotationProblems.some((problem) => problem.fatal);
  const required = request.policy === 'required';

  const outcomes = await Promise.all(
    request.selectors.map(async (selector) => {
      try {
        return { selector, chosen: await runner.select(selector.selector, selector.argument, db) };
      } catch (error) {
        return { selector, error: error as Error };
      }
    }),
  );

  const byDevpath = new Map<string, SelectedDevice>();
  for (const outcome of outcomes) {
    const { selector } = outcome;
    if ('error' in outcome) {
      problems.push({ annotation: selector.annotation, message: outcome.error.message });
      continue;
    }
    if (required && !outcome.chosen.some(({ device }) => device.devnode !== undefined)) {
      problems.push({ annotation: selector.annotation, message: emptyMessage(selector) });
    }
    for (const { device, reason } of outcome.chosen) {
      let entry = byDevpath.get(device.devpath);
      if (!entry) {
        entry = { device, selectedBy: [] };
        byDevpath.set(device.devpath, entry);
      }
      entry.selectedBy.push({
        annotation: selector.annotation,
        selector: selector.selector,
        reason,
      });
    }
  }
  if (required && problems.length > 0) fatal = true;

  const order = new Map(db.devices.map((device, index) => [device.devpath, index]));
  const all = [...byDevpath.values()].sort(
    (a, b) => (order.get(a.device.devpath) ?? 0) - (order.get(b.device.devpath) ?? 0),
  );
  return {
    devices: all.filter(({ device }) => device.devnode !== undefined),
    withoutNode: all.filter(({ device }) => device.devnode === undefined),
    problems,
    fatal,
  };
}

function emptyMessage(selector: SelectorRequest): string {
  return `selected no devices for ${JSON.stringify(selector.argument)}, but io.dev-binder.policy=required expects at least one`;
}
