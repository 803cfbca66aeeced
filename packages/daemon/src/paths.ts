/**
 * Where the daemon and its clients meet by default. Podman runs hooks with an empty environment,
 * so these are fixed paths, never derived from variables. (This module imports nothing: the hook's
 * entry bundles it.)
 */

/** The control socket: the hook and `devbinder daemon status` ask here. */
export const DEFAULT_DAEMON_SOCKET = '/run/devbinder/daemon.sock';

/** Rootful Podman's API socket (podman.socket, or `podman system service`). */
export const DEFAULT_PODMAN_SOCKET = '/run/podman/podman.sock';

/** What the daemon gave each container; a runtime directory, gone at reboot with the containers. */
export const DEFAULT_STATE_DIR = '/run/devbinder/state';
