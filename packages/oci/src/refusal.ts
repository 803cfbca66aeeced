import { isObject, type JsonObject, type RuntimeConfig } from './config.js';

/**
 * A config that makes the runtime refuse to start the container and say why.
 *
 * A precreate hook cannot tell the user anything itself: Podman discards its stderr (up to and
 * including 5.x, unless the container carries `run.oci.hooks.stderr`, which 4.3 ignores) and
 * reports a failing hook only as "exit status 1". The runtime, though, reports a command it cannot
 * execute verbatim: `exec: "<message>": executable file not found`. So the refusal becomes the
 * container's command; nothing else changes and no device is added.
 */
export function refuseToStart(config: RuntimeConfig, message: string): JsonObject {
  const process = isObject(config.document.process) ? config.document.process : {};
  return { ...config.document, process: { ...process, args: [message] } };
}
