/** The annotation grammar: `io.dev-binder.udev.<selector>[.<label>]=<argument>` plus options. */

import type { DeviceMajor } from '@devbinder/oci';

export const NAMESPACE = 'io.dev-binder.';
export const SELECTOR_PREFIX = `${NAMESPACE}udev.`;
export const POLICY_ANNOTATION = `${NAMESPACE}policy`;
export const SYMLINKS_ANNOTATION = `${NAMESPACE}symlinks`;
export const HOTPLUG_ANNOTATION = `${NAMESPACE}hotplug`;
export const HOTPLUG_MAJORS_ANNOTATION = `${NAMESPACE}hotplug.majors`;

/** What Podman's hooks.d `when.annotations` matches; anchored because Podman's regexes are not. */
export const SELECTOR_KEY_PATTERN = '^io\\.dev-binder\\.udev\\.[a-z0-9][a-z0-9.-]*$';

const SELECTOR_KEY = /^io\.dev-binder\.udev\.([a-z0-9][a-z0-9-]*)(?:\.([a-z0-9][a-z0-9.-]*))?$/;

export type Policy = 'required' | 'best-effort';

/** One `io.dev-binder.udev.*` annotation. */
export interface SelectorRequest {
  /** The full annotation key, for messages. */
  annotation: string;
  selector: string;
  label: string | undefined;
  argument: string;
}

export interface DeviceRequest {
  selectors: SelectorRequest[];
  policy: Policy;
  symlinks: boolean;
  hotplug: boolean;
  /**
   * Majors whose devices may come and go while the container runs: the hook allows each whole
   * major at creation, so the hot-plug daemon only has to make and remove nodes. Never implied.
   */
  hotplugMajors: DeviceMajor[];
}

/** Something wrong with one annotation. `fatal` problems fail the container whatever the policy. */
export interface AnnotationProblem {
  annotation: string;
  message: string;
  fatal: boolean;
}

const HOOK_TRIGGER = new RegExp(SELECTOR_KEY_PATTERN);

/**
 * True when the hook has work for a container with these annotations: when a key matches
 * SELECTOR_KEY_PATTERN, the pattern hooks.d runs the hook for. Without one Podman never runs the
 * hook, and the hook run anyway passes the config through, so both end alike (`explain` reports
 * it so). Only keys count, as for Podman; `io.dev-binder.udev.Seat` alone runs nothing.
 */
export function requestsDevices(annotations: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(annotations).some((key) => HOOK_TRIGGER.test(key));
}

export function parseAnnotations(annotations: Readonly<Record<string, string>>): {
  request: DeviceRequest;
  problems: AnnotationProblem[];
} {
  const problems: AnnotationProblem[] = [];
  const selectors: SelectorRequest[] = [];
  let policy: Policy = 'best-effort';
  let symlinks = false;
  let hotplug = true;
  let hotplugMajors: DeviceMajor[] = [];

  // Code-unit order, not localeCompare: its first call loads ICU collation, ~6 ms of every hook.
  for (const [annotation, value] of Object.entries(annotations).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    if (!annotation.startsWith(NAMESPACE)) continue;
    if (annotation.startsWith(SELECTOR_PREFIX)) {
      const match = SELECTOR_KEY.exec(annotation);
      if (!match?.[1]) {
        problems.push({
          annotation,
          message: `not a selector annotation: expected ${SELECTOR_PREFIX}<selector>[.<label>] with lowercase letters, digits and "-"`,
          fatal: false,
        });
        continue;
      }
      selectors.push({ annotation, selector: match[1], label: match[2], argument: value });
    } else if (annotation === POLICY_ANNOTATION) {
      if (value === 'required' || value === 'best-effort') policy = value;
      else {
        // A misspelt policy must not quietly downgrade "required" to best-effort.
        problems.push({
          annotation,
          message: `expected "required" or "best-effort", got ${JSON.stringify(value)}`,
          fatal: true,
        });
      }
    } else if (annotation === HOTPLUG_MAJORS_ANNOTATION) {
      const majors = parseMajors(value);
      if (typeof majors === 'string') problems.push({ annotation, message: majors, fatal: false });
      else hotplugMajors = majors;
    } else if (annotation === SYMLINKS_ANNOTATION || annotation === HOTPLUG_ANNOTATION) {
      const flag = parseFlag(value);
      if (flag === undefined) {
        problems.push({
          annotation,
          message: `expected "true" or "false", got ${JSON.stringify(value)}`,
          fatal: false,
        });
      } else if (annotation === SYMLINKS_ANNOTATION) symlinks = flag;
      else hotplug = flag;
    } else {
      problems.push({
        annotation,
        message: `unknown devbinder annotation (known: ${SELECTOR_PREFIX}<selector>, ${POLICY_ANNOTATION}, ${SYMLINKS_ANNOTATION}, ${HOTPLUG_ANNOTATION}, ${HOTPLUG_MAJORS_ANNOTATION})`,
        fatal: false,
      });
    }
  }
  return { request: { selectors, policy, symlinks, hotplug, hotplugMajors }, problems };
}

/** Linux device numbers keep 12 bits for the major. */
const MAX_MAJOR = 4095;
const MAJOR_ITEM = /^([bc]):(0|[1-9][0-9]*)$/;

/**
 * `b:253,c:188`: block or character, a colon, a decimal major. Items are separated by "," or ";"
 * (Podman 4 splits an `--annotation` value at commas unless it is quoted, so ";" is the form that
 * needs no quoting there); spaces around an item are ignored, a repeated major counts once. Any
 * bad item voids the whole list: a container gets exactly the majors it asked for, or none. A
 * string is the message naming every bad item.
 */
export function parseMajors(value: string): DeviceMajor[] | string {
  const items = value.split(/[,;]/).map((item) => item.trim());
  const majors = new Map<string, DeviceMajor>();
  const bad: string[] = [];
  for (const item of items) {
    const match = MAJOR_ITEM.exec(item);
    const major = Number(match?.[2]);
    if (!match || major > MAX_MAJOR) {
      bad.push(JSON.stringify(item));
      continue;
    }
    const type = match[1] as DeviceMajor['type'];
    majors.set(item, { type, major });
  }
  if (bad.length > 0) {
    return `expected b:<major> or c:<major> separated by "," or ";" (a decimal major from 0 to ${MAX_MAJOR}, e.g. b:253;c:188), got ${bad.join(', ')}; no major is allowed`;
  }
  return [...majors.values()];
}

function parseFlag(value: string): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
