import { type Binding, bindDevices } from '@devbinder/engine';
import { ConfigError } from '@devbinder/oci';
import { CliError, ExitCode } from '../exit-codes.js';
import { printError, readStdin, writeAllSync } from '../io.js';
import {
  createPluginHost,
  databaseReader,
  nodeStat,
  type RuntimeOptions,
  selectorRunner,
} from '../runtime.js';

/** Podman hands us the proposed config; anything this large is not one. */
const MAX_CONFIG_BYTES = 16 * 2 ** 20;

/**
 * `devbinder hook`: the precreate hook. Config on stdin, config on stdout, problems on stderr.
 * A refusal (policy `required`) also exits 0: its config carries the reason as the container's
 * command, because Podman shows neither a hook's stderr nor more than its exit status.
 */
export async function runHook(options: RuntimeOptions): Promise<ExitCode> {
  const warn = (message: string) => printError('hook', message);
  const input = readStdin(MAX_CONFIG_BYTES);
  const host = createPluginHost(options, warn);
  try {
    const result = await bindDevices(input, {
      readDatabase: databaseReader(options, warn),
      runner: selectorRunner(host),
      stat: nodeStat(options),
      warm: (selectors) => host.warm(selectors),
    });
    if (result.refusal !== undefined) warn(result.refusal);
    else if (result.binding) reportWarnings(result.binding, warn);
    writeAllSync(1, result.output);
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message, ExitCode.badInput);
    throw error;
  } finally {
    await host.close();
  }
}

/** Best-effort problems do not stop the container, but the operator should hear of them. */
function reportWarnings(binding: Binding, warn: (message: string) => void): void {
  for (const { annotation, message } of binding.selection.problems)
    warn(`${annotation}: ${message} (best-effort: continuing)`);
  for (const { device, reason } of binding.plan.skipped)
    warn(`skipped ${device.syspath}: ${reason}`);
}
