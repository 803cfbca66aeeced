import { fileURLToPath } from 'node:url';

/**
 * Where the shipped files are. scripts/bundle.mjs puts the entry, the command line program, the
 * plugin worker and the bundled plugins in one directory: each finds the others next to itself.
 */
const dist = new URL('.', import.meta.url);

/** The CLI entry, as Podman must run it: an absolute path (hooks run with no PATH). */
export const cliScript = fileURLToPath(new URL('devbinder.js', dist));

/** Selector plugins that ship with devbinder: seat, subsystem, usb. */
export const bundledPluginsDir = fileURLToPath(new URL('plugins/', dist));
