/** What the host allows one plugin. */
export interface PluginLimits {
  /**
   * Time the plugin may run for one selection (its `interest` and `select` calls together),
   * counted while its worker runs them: waiting behind the plugin's other calls is not its own time.
   */
  deadlineMs: number;
  /**
   * Wall time to load a plugin: start its worker, compile and instantiate the component (which
   * runs its start code). Longer than the call deadline: a busy host needs time to compile 12 MB.
   */
  loadDeadlineMs: number;
  /**
   * Wall time for the host's own work on a component it has not seen before: reading and hashing
   * it, transpiling it and capping its memories. Done once per component (then cached), in a worker
   * of its own so that other plugins' calls and deadlines never wait for it.
   */
  prepareDeadlineMs: number;
  /** Largest component the host reads and prepares. */
  maxComponentMiB: number;
  /** Cap on all the plugin's WebAssembly linear memories together. */
  memoryMiB: number;
  /** Longest argument handed to a plugin. */
  maxArgumentBytes: number;
  /** Longest error message or reason kept from a plugin; longer ones are cut. */
  maxMessageBytes: number;
}

export const DEFAULT_LIMITS: PluginLimits = {
  deadlineMs: 2000,
  loadDeadlineMs: 10_000,
  prepareDeadlineMs: 10_000,
  maxComponentMiB: 64,
  memoryMiB: 256,
  maxArgumentBytes: 4096,
  maxMessageBytes: 1024,
};

/**
 * Podman stops a hook after this long: the `timeout` of the hooks.d entry devbinder writes
 * (packages/cli, hook-config.ts).
 */
export const HOOK_TIMEOUT_MS = 30_000;

/**
 * What one plugin's time limits may add up to (prepare + load + deadline): the longest a selection
 * can take. The rest of the hook's time is for starting node, reading udev and answering.
 */
export const PLUGIN_TIME_BUDGET_MS = HOOK_TIMEOUT_MS - 5000;

/**
 * Cuts a plugin-supplied message to `maxMessageBytes`, saying so, so a megabyte string cannot flood
 * logs, the remembered answers or the host's memory.
 */
export function boundMessage(message: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(message);
  if (bytes <= maxBytes) return message;
  const cut = Buffer.from(message)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}… (cut at ${maxBytes} of ${bytes} bytes, maxMessageBytes)`;
}
