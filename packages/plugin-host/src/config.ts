import { readFileSync } from 'node:fs';
import { SELECTOR_NAME } from '@devbinder/plugin-sdk';
import {
  DEFAULT_LIMITS,
  HOOK_TIMEOUT_MS,
  PLUGIN_TIME_BUDGET_MS,
  type PluginLimits,
} from './limits.js';

/** Where an administrator sets plugin limits; `--config FILE` points elsewhere. */
export const DEFAULT_CONFIG_FILE = '/etc/devbinder/config.json';

/**
 * The plugin limits of a config file: defaults for every plugin, then overrides per plugin.
 *
 *   {
 *     "limits": { "deadlineMs": 2000, "memoryMiB": 256 },
 *     "plugins": { "match": { "limits": { "deadlineMs": 5000 } } }
 *   }
 */
export interface HostConfig {
  limits: Partial<PluginLimits>;
  plugins: Record<string, { limits: Partial<PluginLimits> }>;
}

export class HostConfigError extends Error {
  override name = 'HostConfigError';
}

/** Each limit with the range that makes sense for it: what the host can honour and a hook can wait for. */
const LIMIT_RANGES: Record<keyof PluginLimits, { min: number; max: number; unit: string }> = {
  // Together they must also fit the hook's time (checkTimeBudget).
  deadlineMs: { min: 10, max: PLUGIN_TIME_BUDGET_MS, unit: 'milliseconds' },
  loadDeadlineMs: { min: 100, max: PLUGIN_TIME_BUDGET_MS, unit: 'milliseconds' },
  prepareDeadlineMs: { min: 100, max: PLUGIN_TIME_BUDGET_MS, unit: 'milliseconds' },
  maxComponentMiB: { min: 1, max: 1024, unit: 'MiB' },
  // wasm32 memories cannot exceed 4 GiB.
  memoryMiB: { min: 16, max: 4096, unit: 'MiB' },
  maxArgumentBytes: { min: 16, max: 1024 * 1024, unit: 'bytes' },
  maxMessageBytes: { min: 16, max: 1024 * 1024, unit: 'bytes' },
};

/**
 * Reads a config file. A missing file is the empty config unless `required` (the user named it
 * with --config); anything else wrong is a HostConfigError naming the file and the field.
 */
export function readHostConfig(file: string, options: { required: boolean }): HostConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.required) {
      return { limits: {}, plugins: {} };
    }
    throw new HostConfigError(`cannot read ${file}: ${(error as Error).message}`);
  }
  return parseHostConfig(text, file);
}

export function parseHostConfig(text: string, file: string): HostConfig {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new HostConfigError(
      `${file}: not valid JSON: ${withLineAndColumn(error as Error, text)}`,
    );
  }
  const root = object(value, file, 'the file');
  only(root, ['limits', 'plugins'], file, '');
  const plugins: HostConfig['plugins'] = {};
  if (root.plugins !== undefined) {
    for (const [name, entry] of Object.entries(object(root.plugins, file, '"plugins"'))) {
      const where = `plugins.${name}`;
      if (!SELECTOR_NAME.test(name)) {
        throw new HostConfigError(`${file}: "${where}": not a selector name (${SELECTOR_NAME})`);
      }
      const section = object(entry, file, `"${where}"`);
      only(section, ['limits'], file, `${where}.`);
      plugins[name] = { limits: parseLimits(section.limits, file, `${where}.limits`) };
    }
  }
  const limits = parseLimits(root.limits, file, 'limits');
  checkTimeBudget({ ...DEFAULT_LIMITS, ...limits }, file, '"limits"');
  for (const [name, plugin] of Object.entries(plugins)) {
    checkTimeBudget(
      { ...DEFAULT_LIMITS, ...limits, ...plugin.limits },
      file,
      `plugin "${name}" ("limits" with "plugins.${name}.limits")`,
    );
  }
  return { limits, plugins };
}

/**
 * A selection can take its plugin's prepare, load and call deadlines one after the other; Podman
 * stops the hook at HOOK_TIMEOUT_MS, so together they must leave the hook time to answer.
 */
function checkTimeBudget(limits: PluginLimits, file: string, what: string): void {
  const { prepareDeadlineMs, loadDeadlineMs, deadlineMs } = limits;
  const total = prepareDeadlineMs + loadDeadlineMs + deadlineMs;
  if (total <= PLUGIN_TIME_BUDGET_MS) return;
  throw new HostConfigError(
    `${file}: ${what}: prepareDeadlineMs + loadDeadlineMs + deadlineMs come to ${total} ms (${prepareDeadlineMs} + ${loadDeadlineMs} + ${deadlineMs}), more than the ${PLUGIN_TIME_BUDGET_MS} ms a plugin may take of the hook's ${HOOK_TIMEOUT_MS / 1000} s (Podman stops the hook then)`,
  );
}

/** The options PluginHost takes, from a config. */
export function hostLimits(config: HostConfig): {
  limits: Partial<PluginLimits>;
  limitsFor: (plugin: string) => Partial<PluginLimits> | undefined;
} {
  return {
    limits: config.limits,
    limitsFor: (plugin) =>
      Object.hasOwn(config.plugins, plugin) ? config.plugins[plugin]?.limits : undefined,
  };
}

function parseLimits(value: unknown, file: string, where: string): Partial<PluginLimits> {
  if (value === undefined) return {};
  const section = object(value, file, `"${where}"`);
  const names = Object.keys(LIMIT_RANGES) as Array<keyof PluginLimits>;
  only(section, names, file, `${where}.`);
  const limits: Partial<PluginLimits> = {};
  for (const name of names) {
    const given = section[name];
    if (given === undefined) continue;
    const { min, max, unit } = LIMIT_RANGES[name];
    if (typeof given !== 'number' || !Number.isInteger(given) || given < min || given > max) {
      throw new HostConfigError(
        `${file}: "${where}.${name}" must be a whole number of ${unit} from ${min} to ${max}, got ${JSON.stringify(given)}`,
      );
    }
    limits[name] = given;
  }
  return limits;
}

function object(value: unknown, file: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HostConfigError(`${file}: ${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

/** Unknown keys are refused: a misspelt limit must not silently leave the default in force. */
function only(
  section: Record<string, unknown>,
  known: readonly string[],
  file: string,
  prefix: string,
): void {
  for (const key of Object.keys(section)) {
    if (!known.includes(key)) {
      throw new HostConfigError(
        `${file}: unknown setting "${prefix}${key}" (known here: ${known.join(', ')})`,
      );
    }
  }
}

/** V8 says where JSON broke as a character offset; people count lines. */
function withLineAndColumn(error: Error, text: string): string {
  const match = / at position (\d+)/.exec(error.message);
  if (!match) return error.message;
  const before = text.slice(0, Number(match[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${error.message.replace(match[0], '')} (line ${line}, column ${column})`;
}
