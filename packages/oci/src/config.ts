import { isLosslessNumber, parse, stringify } from 'lossless-json';

/** A `linux.devices` entry (OCI runtime spec). */
export interface LinuxDevice {
  path: string;
  type: 'b' | 'c' | 'u' | 'p';
  major: number;
  minor: number;
  /** Permission bits only: the spec wants no file-type bits here. */
  fileMode: number;
  uid: number;
  gid: number;
}

/** A `linux.resources.devices` rule. */
export interface DeviceCgroupRule {
  allow: boolean;
  type: 'a' | 'b' | 'c' | undefined;
  major: number | undefined;
  minor: number | undefined;
  access: string | undefined;
}

/** The runtime config as the hook needs it, next to the untouched document. */
export interface RuntimeConfig {
  /** Every field as it came in; numbers stay lossless. */
  readonly document: JsonObject;
  readonly annotations: Readonly<Record<string, string>>;
  /** Paths already in `linux.devices`. */
  readonly devicePaths: ReadonlySet<string>;
  readonly cgroupRules: readonly DeviceCgroupRule[];
}

export type JsonObject = { [key: string]: unknown };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the config from stdin or a file. Errors name the JSON path that is wrong. */
export function parseRuntimeConfig(text: string, origin = 'config'): RuntimeConfig {
  return readRuntimeConfig(parseConfigDocument(text, origin), origin);
}

/**
 * The first half of parseRuntimeConfig: valid JSON and an object, nothing else checked. A hook
 * that has nothing to do for a config (its annotations say so, see `uncheckedAnnotations`) must
 * hand it back as it came, whatever else is in it.
 */
export function parseConfigDocument(text: string, origin = 'config'): JsonObject {
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new ConfigError(`${origin}: not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(document)) {
    throw new ConfigError(`${origin}: expected a JSON object, got ${describe(document)}`);
  }
  return document;
}

/**
 * The document's annotations as they are, values unchecked; none when `annotations` is missing
 * or not an object. Their keys are what Podman's hooks.d `when.annotations` matches.
 */
export function uncheckedAnnotations(document: JsonObject): Readonly<Record<string, unknown>> {
  return isObject(document.annotations) ? document.annotations : {};
}

/** The second half of parseRuntimeConfig: checks the parts devbinder reads. */
export function readRuntimeConfig(document: JsonObject, origin = 'config'): RuntimeConfig {
  const at = (path: string) => `${origin}: ${path}`;

  const annotations: Record<string, string> = {};
  const rawAnnotations = document.annotations;
  if (rawAnnotations !== undefined && rawAnnotations !== null) {
    if (!isObject(rawAnnotations)) throw new ConfigError(`${at('annotations')} must be an object`);
    for (const [key, value] of Object.entries(rawAnnotations)) {
      if (typeof value !== 'string') {
        throw new ConfigError(
          `${at(`annotations[${JSON.stringify(key)}]`)} must be a string, got ${describe(value)}`,
        );
      }
      annotations[key] = value;
    }
  }

  const linux = optionalObject(document.linux, at('linux'));
  const devicePaths = new Set<string>();
  for (const [index, device] of optionalArray(linux?.devices, at('linux.devices')).entries()) {
    const path = `linux.devices[${index}]`;
    if (!isObject(device) || typeof device.path !== 'string') {
      throw new ConfigError(`${at(path)} must be an object with a string "path"`);
    }
    devicePaths.add(device.path);
  }

  const resources = optionalObject(linux?.resources, at('linux.resources'));
  const cgroupRules = optionalArray(resources?.devices, at('linux.resources.devices')).map(
    (rule, index) => parseRule(rule, at(`linux.resources.devices[${index}]`)),
  );
  return { document, annotations, devicePaths, cgroupRules };
}

/** Serializes the document exactly, including numbers JavaScript could not represent. */
export function serializeConfig(document: JsonObject): string {
  const text = stringify(document);
  if (text === undefined) throw new ConfigError('config could not be serialized');
  return text;
}

function parseRule(rule: unknown, where: string): DeviceCgroupRule {
  if (!isObject(rule) || typeof rule.allow !== 'boolean') {
    throw new ConfigError(`${where} must be an object with a boolean "allow"`);
  }
  const type = rule.type;
  if (type !== undefined && type !== null && type !== 'a' && type !== 'b' && type !== 'c') {
    throw new ConfigError(`${where}.type must be "a", "b" or "c"`);
  }
  const access = rule.access;
  if (access !== undefined && access !== null && typeof access !== 'string') {
    throw new ConfigError(`${where}.access must be a string`);
  }
  return {
    allow: rule.allow,
    type: type ?? undefined,
    major: deviceNumber(rule.major, `${where}.major`),
    minor: deviceNumber(rule.minor, `${where}.minor`),
    access: access ?? undefined,
  };
}

function deviceNumber(value: unknown, where: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const number = isLosslessNumber(value) ? Number(value.value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) {
    throw new ConfigError(`${where} must be an integer`);
  }
  // -1 is the spec's wildcard ("all majors/minors"), as runc reads it.
  return number < 0 ? undefined : number;
}

function optionalObject(value: unknown, where: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value)) throw new ConfigError(`${where} must be an object, got ${describe(value)}`);
  return value;
}

function optionalArray(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value))
    throw new ConfigError(`${where} must be an array, got ${describe(value)}`);
  return value;
}

export function isObject(value: unknown): value is JsonObject {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && !isLosslessNumber(value)
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (isLosslessNumber(value)) return 'a number';
  const type = typeof value;
  return type === 'object' || type === 'undefined' ? `an ${type}` : `a ${type}`;
}
