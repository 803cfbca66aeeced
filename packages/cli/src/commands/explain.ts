import { readFileSync } from 'node:fs';
import { type Binding, decideBinding } from '@devbinder/engine';
import { ConfigError, parseRuntimeConfig } from '@devbinder/oci';
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
  /** What the hook would do: start the container with these devices, or refuse it. */
  verdict: 'start' | 'refuse';
}

/** `devbinder explain`: the hook's decision without a container. Exits 1 exactly when the hook would refuse. */
export async function runExplain(options: ExplainOptions): Promise<ExitCode> {
  const annotations = {
    ...specAnnotations(options.spec),
    ...parseAnnotationFlags(options.annotation),
  };
  const warn = (message: string) => writeAllSync(2, `devbinder explain: ${message}\n`);
  const host = createPluginHost(options, warn, { shortLived: true });
  let binding: Binding;
  try {
    binding = await decideBinding(annotations, {
      readDatabase: databaseReader(options, warn),
      runner: selectorRunner(host),
      stat: nodeStat(options),
      warm: (selectors) => host.warm(selectors),
    });
  } finally {
    await host.close();
  }
  const report = toReport(binding);
  writeAllSync(1, options.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report));
  return report.verdict === 'refuse' ? ExitCode.refused : ExitCode.ok;
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
  let out =
    rows.length > 0
      ? renderTable(['DEVICE', 'TYPE', 'NUMBERS', 'SELECTED BY', 'WHY'], rows)
      : 'No devices selected.\n';
  if (report.skipped.length > 0) {
    out += `\nSkipped:\n${report.skipped.map(({ syspath, reason }) => `  ${syspath}: ${reason}\n`).join('')}`;
  }
  if (report.errors.length > 0) {
    out += `\nProblems:\n${report.errors.map(({ annotation, message }) => `  ${annotation}: ${message}\n`).join('')}`;
  }
  out +=
    report.verdict === 'refuse'
      ? `\nThe hook would refuse to start the container (policy ${report.policy}).\n`
      : `\nThe hook would start the container with ${report.devices.length} device node(s) (policy ${report.policy}).\n`;
  return out;
}

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

function specAnnotations(spec: string | undefined): Readonly<Record<string, string>> {
  if (spec === undefined) return {};
  try {
    return parseRuntimeConfig(readFileSync(spec, 'utf8'), spec).annotations;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, ExitCode.badInput);
    throw new CliError(`cannot read ${spec}: ${(error as Error).message}`, ExitCode.badInput);
  }
}
