import { WIT_PACKAGE } from './wire.js';

/** `plugin.json`: what a built selector plugin says about itself. */
export interface PluginManifest {
  /** The selector name used in annotations: `io.dev-binder.udev.<name>=…`. */
  name: string;
  version: string;
  /** WIT package the component implements, e.g. `devbinder:selector@0.1.0`. */
  wit: string;
  description: string;
  /** The argument's syntax and at least one example, as an annotation value. */
  argument: { syntax: string; examples: string[] };
  /** Who wrote it: the plugin project's package.json `author`, e.g. `Ada <ada@example.org>`. */
  author: string;
  /** Component file, relative to the manifest. */
  component: string;
  /** Hex sha256 of the component file. */
  sha256: string;
}

export const MANIFEST_FILE = 'plugin.json';
export const SELECTOR_NAME = /^[a-z0-9][a-z0-9-]*$/;

export class ManifestError extends Error {
  constructor(
    readonly file: string,
    /** What is wrong, without the file. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'ManifestError';
  }
}

/** Parses and validates a manifest; every error names the file and the field. */
export function parseManifest(text: string, file: string): PluginManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (!isObject(value)) throw new ManifestError(file, 'must be a JSON object');
  const field = (name: string): string => {
    const v = value[name];
    if (typeof v !== 'string' || v === '') {
      throw new ManifestError(file, `"${name}" must be a non-empty string`);
    }
    return v;
  };
  const name = field('name');
  if (!SELECTOR_NAME.test(name)) {
    throw new ManifestError(file, `"name" ${JSON.stringify(name)} must match ${SELECTOR_NAME}`);
  }
  const sha256 = field('sha256');
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    throw new ManifestError(file, '"sha256" must be 64 lowercase hex digits');
  }
  const component = field('component');
  if (component.includes('/') || component.startsWith('.')) {
    throw new ManifestError(file, '"component" must be a file name next to the manifest');
  }
  const argument = value.argument;
  if (
    !isObject(argument) ||
    typeof argument.syntax !== 'string' ||
    !Array.isArray(argument.examples) ||
    !argument.examples.every((example) => typeof example === 'string')
  ) {
    throw new ManifestError(file, '"argument" must be { "syntax": string, "examples": string[] }');
  }
  if (argument.examples.length === 0) {
    throw new ManifestError(file, '"argument.examples" must give at least one example');
  }
  return {
    name,
    version: field('version'),
    wit: field('wit'),
    description: field('description'),
    argument: { syntax: argument.syntax, examples: argument.examples as string[] },
    author: field('author'),
    component,
    sha256,
  };
}

/** The host speaks one WIT package; a plugin built for another cannot be called safely. */
export function isSupportedWit(wit: string): boolean {
  return wit === WIT_PACKAGE;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
