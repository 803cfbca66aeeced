import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SELECTOR_NAME } from '@devbinder/plugin-sdk';

/** What a plugin's package.json says, under its `devbinder` key. */
export interface PluginProject {
  dir: string;
  /** Selector name (annotation segment). */
  name: string;
  version: string;
  description: string;
  /** package.json's `author`: a string, or `{ name, email }` as npm also writes it. */
  author: string;
  /** Absolute path of the entry module. */
  entry: string;
  argument: { syntax: string; examples: string[] };
}

export class PluginProjectError extends Error {
  override name = 'PluginProjectError';
}

export async function readPluginProject(dir: string): Promise<PluginProject> {
  const file = join(dir, 'package.json');
  let pkg: Record<string, unknown>;
  try {
    pkg = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new PluginProjectError(`${file}: ${(error as Error).message}`);
  }
  const config = pkg.devbinder as Record<string, unknown> | undefined;
  if (typeof config !== 'object' || config === null) {
    throw new PluginProjectError(`${file}: no "devbinder" section; is this a selector plugin?`);
  }
  const text = (value: unknown, field: string): string => {
    if (typeof value !== 'string' || value === '') {
      throw new PluginProjectError(`${file}: "${field}" must be a non-empty string`);
    }
    return value;
  };
  const name = text(config.selector, 'devbinder.selector');
  if (!SELECTOR_NAME.test(name)) {
    throw new PluginProjectError(
      `${file}: "devbinder.selector" ${JSON.stringify(name)} must match ${SELECTOR_NAME}`,
    );
  }
  const argument = config.argument as { syntax?: unknown; examples?: unknown } | undefined;
  const examples = argument?.examples;
  if (
    typeof argument?.syntax !== 'string' ||
    !Array.isArray(examples) ||
    !examples.every((example): example is string => typeof example === 'string')
  ) {
    throw new PluginProjectError(
      `${file}: "devbinder.argument" must be { "syntax": string, "examples": string[] }`,
    );
  }
  if (examples.length === 0) {
    throw new PluginProjectError(
      `${file}: "devbinder.argument.examples" must give at least one example (plugin inspect shows them as annotations)`,
    );
  }
  return {
    dir,
    name,
    version: text(pkg.version, 'version'),
    description: text(pkg.description, 'description'),
    author: authorOf(pkg.author, file),
    entry: join(dir, typeof config.entry === 'string' ? config.entry : 'src/index.ts'),
    argument: { syntax: argument.syntax, examples },
  };
}

/** npm takes `"Ada <ada@example.org>"` or `{ "name": "Ada", "email": "ada@example.org" }`. */
function authorOf(author: unknown, file: string): string {
  if (typeof author === 'string' && author.trim() !== '') return author.trim();
  if (typeof author === 'object' && author !== null) {
    const { name, email } = author as { name?: unknown; email?: unknown };
    if (typeof name === 'string' && name.trim() !== '') {
      return typeof email === 'string' && email !== '' ? `${name.trim()} <${email}>` : name.trim();
    }
  }
  throw new PluginProjectError(
    `${file}: "author" must say who wrote the plugin, e.g. "Ada Lovelace <ada@example.org>" (npm pkg set author=…)`,
  );
}
