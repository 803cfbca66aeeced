import { resolve } from 'node:path';
import { askDaemon } from './daemon-client.js';
import type { ExitCode } from './exit-codes.js';
import { type HookOptions, MAX_CONFIG_BYTES } from './hook-fast-path.js';
import { readStdin, writeOutcome } from './io.js';

/**
 * `devbinder hook`, as the entry runs it: ask the hot-plug daemon, which has the plugins loaded and
 * the database in memory, and do the work here only when it does not answer. This module loads
 * nothing beyond node:net and node:fs; the engine, plugin host and udev reader are a separate
 * bundle (hook-full.cjs), loaded only for that fallback.
 */
export async function runHookCommand(options: HookOptions): Promise<ExitCode> {
  const input = readStdin(MAX_CONFIG_BYTES);
  // A --root tree is not what the daemon reads: only the hook can answer for it.
  if (options.daemon && options.root === undefined) {
    const answer = await askDaemon(options.daemonSocket, {
      config: input,
      pluginDirs: options.pluginDir.map((dir) => resolve(dir)),
      ...(options.config === undefined ? {} : { hostConfig: resolve(options.config) }),
    });
    if (answer) {
      writeOutcome(answer);
      return answer.exitCode as ExitCode;
    }
  }
  // A CommonJS bundle, loaded with require (hook.cjs has Node's own; the ES module bundles make one):
  // its node: imports then skip the ES module wrappers, whose building loads modules the hook never
  // uses (fs streams, fs/promises). ~6 ms less at each container start the daemon does not answer.
  const { runHook } = require('./hook-full.cjs') as typeof import('./hook-full.js');
  return runHook(options, input);
}
