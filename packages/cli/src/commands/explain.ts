import { readFileSync } from 'node:fs';
import {
  type Binding,
  decideBinding,
  parseAnnotations,
  readHookConfig,
  SELECTOR_KEY_PATTERN,
} from '@devbinder/engine';
import {
  ConfigError,
  type JsonObject,
  parseConfigDocument,
  type RuntimeConfig,
  uncheckedAnnotations,
} from '@devbinder/oci';
import { CliError, ExitCode } from '../exit-codes.js';
import { writeAllSync } from '../io.js';
import {
  createPluginHost,
  databaseReader,
  nodeStat,
  type RuntimeOptions,
  selectorRunner,
} from '../runtime.js';
import { renderTable } from '../table.js';

export interface ExplainOptions extends RuntimeOptions {
  annotation: string[];
  spec?: string;
  json: boolean;
}

/** The machine-readable answer of `explain --json`. */
export interface ExplainReport {
  devices: Array<{
    path: string;
    type: string;
    major: number;
    minor: number;
    syspath: string;
    symlink: boolean;
    selectedBy: Array<{ annotation: string; selector: string; reason: string }>;
  }>;
  errors: Array<{ annotation: string; message: string }>;
  skipped: Array<{ syspath: string; reason: string }>;
  policy: string;
  /**
   * What the hook would do: start the container with these devices, refuse it, or nothing at all
   * (`pass-through`: no annotation is one hooks.d runs it for, and run anyway it hands the config
   * back unchanged).
   */
  verdict: 'start' | 'refuse' | 'pass-through';
}

/**
 * `devbinder explain`: the hook's decision without a container, on the config the hook would get
 * and through the same gate (readHookConfig). Exits 1 exactly when the hook would refuse, 2 when
 * it would reject the config.
 */
export async function runExplain(options: ExplainOptions): Promise<ExitCode> {
  const document = containerConfig(options);
  const warn = (message: string) => writeAllSync(2, `devbinder explain: ${message}\n`);
  // Before the gate, as in the hook: a bad --config fails it whatever the annotations.
  const host = createPluginHost(options, warn, { shortLived: true });
  let report: ExplainReport;
  try {
    const config = hookConfig(document, options.spec ?? 'the annotations');
    report =
      config === undefined
        ? passThroughReport(document)
        : toReport(
            await decideBinding(config.annotations, {
              readDatabase: databaseReader(options, warn),
              runner: selectorRunner(host),
              stat: nodeStat(options),
              warm: (selectors) => host.warm(selectors),
            }),
          );
  } finally {
    await host.close();
  }
  writeAllSync(1, options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  return report.verdict === 'refuse' ? ExitCode.refused : ExitCode.ok;
}

/** The config the hook would get: the --spec file's, or an empty one, with the flags' annotations over its own. */
function containerConfig(options: ExplainOptions): JsonObject {
  const spec = options.spec === undefined ? {} : readSpec(options.spec);
  return {
    ...spec,
    annotations: { ...uncheckedAnnotations(spec), ...parseAnnotationFlags(options.annotation) },
  };
}

function hookConfig(document: JsonObject, origin: string): RuntimeConfig | undefined {
  try {
    return readHookConfig(document, origin);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, ExitCode.badInput);
    throw error;
  }
}

/** No devices and no refusal; the annotation problems still say why, e.g. a key in capitals. */
function passThroughReport(document: JsonObject): ExplainReport {
  const annotations = Object.fromEntries(
    Object.entries(uncheckedAnnotations(document)).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    ),
  );
  const { request, problems } = parseAnnotations(annotations);
  return {
    devices: [],
    errors: problems.map(({ annotation, message }) => ({ annotation, message })),
    skipped: [],
    policy: request.policy,
    verdict: 'pass-through',
  };
}

function toReport({ request, selection, plan }: Binding): ExplainReport {
  const reasons = new Map(
    selection.devices.map((selected) => [selected.device.devpath, selected.selectedBy]),
  );
  return {
    devices: plan.nodes.map(({ node, device, symlink }) => ({
      path: node.path,
      type: node.type,
      major: node.major,
      minor: node.minor,
      syspath: device.syspath,
      symlink,
      selectedBy: reasons.get(device.devpath) ?? [],
    })),
    errors: selection.problems,
    skipped: [
      ...plan.skipped.map(({ device, reason }) => ({ syspath: device.syspath, reason })),
      ...selection.withoutNode.map(({ device }) => ({
        syspath: device.syspath,
        reason: 'chosen, but it has no device node',
      })),
    ],
    policy: request.policy,
    verdict: selection.fatal ? 'refuse' : 'start',
  };
}

function renderReport(report: ExplainReport): string {
  const rows = report.devices.map((device) => [
    device.path,
    device.type,
    `${device.major}:${device.minor}`,
    device.selectedBy.map(({ annotation }) => annotation).join(', '),
    device.symlink
      ? 'udev symlink of the device above'
      : device.selectedBy.map(({ reason }) => reason).join('; '),
  ]);
  // Blocks separated by a blank line; a container the hook does not run for has no device table.
  const blocks: string[] = [];
  if (report.verdict !== 'pass-through') {
    blocks.push(
      rows.length > 0
        ? renderTable(['DEVICE', 'TYPE', 'NUMBERS', 'SELECTED BY', 'WHY'], rows)
        : 'No devices selected.\n',
    );
  }
  if (report.skipped.length > 0) {
    blocks.push(
      `Skipped:\n${report.skipped.map(({ syspath, reason }) => `  ${syspath}: ${reason}\n`).join('')}`,
    );
  }
  if (report.errors.length > 0) {
    blocks.push(
      `Problems:\n${report.errors.map(({ annotation, message }) => `  ${annotation}: ${message}\n`).join('')}`,
    );
  }
  blocks.push(VERDICTS[report.verdict](report));
  return blocks.join('\n');
}

const VERDICTS: Record<ExplainReport['verdict'], (report: ExplainReport) => string> = {
  start: ({ devices, policy }) =>
    `The hook would start the container with ${devices.length} device node(s) (policy ${policy}).\n`,
  refuse: ({ policy }) => `The hook would refuse to start the container (policy ${policy}).\n`,
  'pass-through': () =>
    `The hook would not run: no annotation key matches ${SELECTOR_KEY_PATTERN}, the pattern its hooks.d file runs it for (run anyway, it hands the config back unchanged). The container would start without devices from devbinder.\n`,
};

function parseAnnotationFlags(flags: readonly string[]): Record<string, string> {
  const annotations: Record<string, string> = {};
  for (const flag of flags) {
    const equals = flag.indexOf('=');
    if (equals <= 0)
      throw new CliError(
        `--annotation ${JSON.stringify(flag)}: expected KEY=VALUE`,
        ExitCode.badInput,
      );
    annotations[flag.slice(0, equals)] = flag.slice(equals + 1);
  }
  return annotations;
}

/** The --spec file: a JSON object; the rest is checked as the hook checks it (readHookConfig). */
function readSpec(spec: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(spec, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${spec}: ${(error as Error).message}`, ExitCode.badInput);
  }
  try {
    return parseConfigDocument(text, spec);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, ExitCode.badInput);
    throw error;
  }
}
