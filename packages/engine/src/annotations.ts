/** The annotation grammar: `io.dev-binder.udev.<selector>[.<label>]=<argument>` plus options. */

export const NAMESPACE = 'io.dev-binder.';
export const SELECTOR_PREFIX = `${NAMESPACE}udev.`;
export const POLICY_ANNOTATION = `${NAMESPACE}policy`;
export const SYMLINKS_ANNOTATION = `${NAMESPACE}symlinks`;
export const HOTPLUG_ANNOTATION = `${NAMESPACE}hotplug`;

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
}

/** Something wrong with one annotation. `fatal` problems fail the container whatever the policy. */
export interface AnnotationProblem {
  annotation: string;
  message: string;
  fatal: boolean;
}

/** True when the container asks for devices at all; without that the hook passes the config through. */
export function requestsDevices(annotations: Readonly<Record<string, string>>): boolean {
  return Object.keys(annotations).some((key) => key.startsWith(SELECTOR_PREFIX));
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

  for (const [annotation, value] of Object.entries(annotations).sort(([a], [b]) =>
    a.localeCompare(b),
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
        message: `unknown devbinder annotation (known: ${SELECTOR_PREFIX}<selector>, ${POLICY_ANNOTATION}, ${SYMLINKS_ANNOTATION}, ${HOTPLUG_ANNOTATION})`,
        fatal: false,
      });
    }
  }
  return { request: { selectors, policy, symlinks, hotplug }, problems };
}

function parseFlag(value: string): boolean | undefined {
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}
