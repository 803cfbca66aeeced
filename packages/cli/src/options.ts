/**
 * Options shared by the commands that select devices, declared once: commander builds --help from
 * them, and the hook's fast path parses them with node:util (see devbinder.ts).
 */
export const RUNTIME_OPTIONS = {
  root: {
    type: 'string',
    placeholder: '<dir>',
    description: 'read /run/udev, /sys and /dev under DIR (a captured or generated tree)',
  },
  'plugin-dir': {
    type: 'string',
    multiple: true,
    placeholder: '<dir>',
    description: 'also load selector plugins from DIR (repeatable; overrides same-named plugins)',
  },
  'cache-dir': {
    type: 'string',
    placeholder: '<dir>',
    description:
      'where transpiled plugins and remembered answers live (default: /var/cache/devbinder as root, else ~/.cache/devbinder)',
  },
  config: {
    type: 'string',
    placeholder: '<file>',
    description:
      'plugin limits, globally and per plugin (default: /etc/devbinder/config.json when it exists)',
  },
} as const;

/** Options of `devbinder hook` beyond the runtime options: where the hot-plug daemon listens. */
export const HOOK_DAEMON_OPTIONS = {
  'daemon-socket': {
    type: 'string',
    placeholder: '<path>',
    description:
      'ask the hot-plug daemon listening here first; the hook does the work itself when it does not answer within 1 s',
  },
  'no-daemon': {
    type: 'boolean',
    description: 'do the work without asking the hot-plug daemon',
  },
} as const;
