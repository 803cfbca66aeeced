import { fileURLToPath } from 'node:url';

/**
 * Where the shipped files are. scripts/bundle.mjs puts the entry, the command line program, the
 * plugin worker and the bundled plugins in one directory: each finds the others next to itself.
 */
const dist = new URL('.', import.meta.url);

/**
 * The entry as hooks.d runs it: an absolute path (hooks run with no PATH), and the CommonJS build
 * of the entry, which Node starts faster (see devbinder.ts).
 */
export const hookScript = fileURLToPath(new URL('hook.cjs', dist));

/** Selector plugins that ship with devbinder: seat, subsystem, usb, match. */
export const bundledPluginsDir = fileURLToPath(new URL('plugins/', dist));

/** The plugin SDK packages (npm tarballs) that `devbinder plugin new` puts into a new project. */
export const sdkDir = fileURLToPath(new URL('sdk/', dist));
