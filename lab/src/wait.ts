/**
 * Polls until `probe` returns a value (not undefined or false), or fails after `timeoutMs` naming
 * what it was waiting for. For things that happen on their own time: the daemon reacting to a
 * uevent, a restart converging. A probe that throws ends the wait at once: that is a failure,
 * not a "not yet".
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
