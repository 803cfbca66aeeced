import { type BindDependencies, type Binding, bindDevices } from '@devbinder/engine';
import { ConfigError } from '@devbinder/oci';
import { ExitCode } from '../exit-codes.js';
import type { HookOptions } from '../hook-fast-path.js';
import { printError, writeOutcome } from '../io.js';
import { createPluginHost, databaseReader, nodeStat, selectorRunner } from '../runtime.js';

/** Everything the hook prints and its exit code, decided before anything is printed. */
export interface HookOutcome {
  exitCode: ExitCode;
  stdout: string;
  stderr: string;
}

/**
 * The hook's answer to a config: the one function both the hook and the hot-plug daemon answer
 * with, so the two cannot differ. `dependencies` gets the function that collects warnings.
 *
 * A refusal (policy `required`) also exits 0: its config carries the reason as the container's
 * command, because Podman shows neither a hook's stderr nor more than its exit status.
 */
export async function answerHook(
  input: string,
  dependencies: (warn: (message: string) => void) => BindDependencies,
): Promise<HookOutcome> {
  let stderr = '';
  const warn = (message: string) => {
    stderr += `devbinder hook: ${message}\n`;
  };
  try {
    const result = await bindDevices(input, dependencies(warn));
    if (result.refusal !== undefined) warn(result.refusal);
    else if (result.binding) reportWarnings(result.binding, warn);
    return { exitCode: ExitCode.ok, stdout: result.output, stderr };
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    warn(error.message);
    return { exitCode: ExitCode.badInput, stdout: '', stderr };
  }
}

/** `devbinder hook` doing the work itself: config on stdin (already read), config on stdout. */
export async function runHook(options: HookOptions, input: string): Promise<ExitCode> {
  const host = createPluginHost(options, (message) => printError('hook', message), {
    shortLived: true,
  });
  try {
    const outcome = await answerHook(input, (warn) => ({
      readDatabase: databaseReader(options, warn),
      runner: selectorRunner(host),
      stat: nodeStat(options),
      warm: (selectors) => host.warm(selectors),
    }));
    writeOutcome(outcome);
    return outcome.exitCode;
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
