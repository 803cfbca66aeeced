/** What the host allows one plugin invocation. */
export interface PluginLimits {
  /** Wall time for the calls of one selection (interest and select). */
  deadlineMs: number;
  /**
   * Wall time to load a plugin: start its worker, compile and instantiate the component (which
   * runs its start code). Longer than the call deadline: a busy host needs time to compile 12 MB.
   */
  loadDeadlineMs: number;
  /** Cap on the plugin's WebAssembly linear memory. */
  memoryMiB: number;
  /** Longest argument handed to a plugin. */
  maxArgumentBytes: number;
  /** Longest error message or reason kept from a plugin; longer ones are cut. */
  maxMessageBytes: number;
}

export const DEFAULT_LIMITS: PluginLimits = {
  deadlineMs: 2000,
  loadDeadlineMs: 10_000,
  memoryMiB: 256,
  maxArgumentBytes: 4096,
  maxMessageBytes: 1024,
};

/** Cuts a plugin-supplied message to the limit, saying so, so a megabyte string cannot flood logs. */
export function boundMessage(message: string, maxBytes: number): string {
  if (Buffer.byteLength(message) <= maxBytes) return message;
  const cut = Buffer.from(message)
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}… (cut at ${maxBytes} bytes of ${Buffer.byteLength(message)})`;
}
