/**
 * The files `devbinder plugin new` writes: a selector that already builds and passes its tests
 * (device nodes by kernel-name glob), for the author to change into their own.
 */

/** Versions the new project installs from npm: the ones devbinder itself is built and tested with. */
const NPM_DEPENDENCIES = {
  '@types/node': '20.19.43',
  typescript: '5.9.3',
  vitest: '4.1.12',
};

export interface TemplateInput {
  name: string;
  /** package.json's `author`, which the manifest and `plugin inspect` show. */
  author: string;
  /** Package name -> tarball path relative to the project, for every devbinder package. */
  sdk: Readonly<Record<string, string>>;
}

export function templateFiles({ name, sdk, author }: TemplateInput): Record<string, string> {
  const devDependencies = Object.fromEntries(
    [
      ...Object.entries(sdk).map(([pkg, tarball]) => [pkg, `file:${tarball}`]),
      ...Object.entries(NPM_DEPENDENCIES),
    ].sort(([a], [b]) => (a as string).localeCompare(b as string)),
  );
  const packageJson = {
    name: `devbinder-selector-${name}`,
    version: '0.1.0',
    description: `Device nodes whose kernel name matches a glob (the ${name} selector; describe yours here)`,
    author,
    private: true,
    type: 'module',
    scripts: {
      build: 'devbinder plugin build',
      test: 'vitest run',
      typecheck: 'tsc',
    },
    devbinder: {
      selector: name,
      entry: 'src/index.ts',
      argument: { syntax: '<kernel-name-glob>', examples: ['ttyUSB*', 'video[0-9]'] },
    },
    devDependencies,
    overrides: { '@napi-rs/lzma': '1.4.5' },
    '//': {
      '@devbinder/*':
        'The plugin SDK, build and test kit that came with your devbinder (vendor/devbinder), so the plugin is built and tested against the host that will run it.',
      overrides:
        'componentize-js needs @napi-rs/lzma, whose 1.5 line requires Node 22; 1.4.5 works on Node 20.',
    },
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'tsconfig.json': `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    '.gitignore': 'node_modules/\ndist/\n',
    'src/index.ts': indexTs(name),
    [`test/${name}.test.ts`]: testTs(name),
    'README.md': readme(name),
  };
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  },
  include: ['src', 'test'],
};

function indexTs(name: string): string {
  return `import { ArgumentError, defineSelector, matchGlob } from '@devbinder/plugin-sdk/guest';

/**
 * io.dev-binder.udev.${name}=<kernel-name-glob>: every device node whose kernel name matches the
 * glob (udev's: *, ?, [a-z], alternatives separated by |).
 *
 * A selector runs sandboxed: it sees only the devices the host offers and answers which of them
 * the container gets, with a reason for each. Make it yours: parse your argument, say which
 * devices you need to see, choose.
 */
export const { interest, select } = defineSelector({
  /** Check the argument once; an ArgumentError points at the column of the mistake. */
  parse(argument) {
    const glob = argument.trim();
    if (glob === '') throw new ArgumentError('expected a kernel-name glob, e.g. ttyUSB*', 1);
    return glob;
  },

  /**
   * Which devices to offer. The host filters natively before the plugin runs, so the narrower
   * this is, the faster the plugin. Ask for ancestors or descendants, and name the properties
   * you read (none here).
   */
  interest: (glob) => ({ filters: [{ sysname: glob, hasNode: true }], properties: [] }),

  /** Choose among the offered devices; the host may offer more than asked, so check. */
  *select(glob, devices) {
    for (const device of devices) {
      if (device.devnode && matchGlob(glob, device.sysname)) {
        yield { device, reason: \`kernel name matches \${glob}\` };
      }
    }
  },
});
`;
}

function testTs(name: string): string {
  return `import { fixtureDatabase, useSelector } from '@devbinder/plugin-testkit';
import { describe, expect, it } from 'vitest';

// The component \`npm run build\` made, run as devbinder runs it: verified, sandboxed, under limits.
const selector = useSelector(new URL('../dist', import.meta.url));

// Devices are linked to their parents by devpath; give each only the fields the test is about.
const db = fixtureDatabase({
  '/devices/pci0000:00/usb1/1-1': { subsystem: 'usb', properties: { ID_VENDOR_ID: '0403' } },
  '/devices/pci0000:00/usb1/1-1/1-1:1.0/ttyUSB0/tty/ttyUSB0': {
    subsystem: 'tty',
    devnode: '/dev/ttyUSB0',
  },
  '/devices/pnp0/00:01/tty/ttyS0': { subsystem: 'tty', devnode: '/dev/ttyS0' },
});

describe('${name} selector', () => {
  it('chooses the device nodes whose kernel name matches', async () => {
    expect(await selector.nodes('ttyUSB*', db)).toEqual(['/dev/ttyUSB0']);
    expect(await selector.nodes('tty*', db)).toEqual(['/dev/ttyS0', '/dev/ttyUSB0']);
  });

  it('says why it chose each device', async () => {
    expect(await selector.reasons('ttyS?', db)).toEqual({
      '/dev/ttyS0': 'kernel name matches ttyS?',
    });
  });

  it('refuses an empty argument, pointing at its column', async () => {
    await expect(selector.select(' ', db)).rejects.toMatchObject({
      kind: 'invalid-argument',
      column: 1,
    });
  });
});
`;
}

function readme(name: string): string {
  return `# ${name} selector

A devbinder selector plugin: \`io.dev-binder.udev.${name}=<kernel-name-glob>\`
gives a container every device node whose kernel name matches the glob.

\`\`\`sh
npm install                 # the SDK and test kit from vendor/devbinder, vitest and TypeScript from npm
npm run build               # devbinder plugin build: dist/${name}.wasm and dist/plugin.json
npm test                    # vitest: the built component on device fixtures
sudo mkdir -p /etc/devbinder/plugins/${name} && sudo cp dist/* /etc/devbinder/plugins/${name}/
devbinder plugin inspect ${name}
devbinder explain -a 'io.dev-binder.udev.${name}=ttyUSB*'
\`\`\`

\`src/index.ts\` is the selector, \`test/${name}.test.ts\` its tests. The argument's syntax and
examples in \`package.json\` (\`devbinder.argument\`) are what \`devbinder plugin inspect\` shows.
`;
}
