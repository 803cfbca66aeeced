import { realpath } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { misbehaviour, reportedError } from '../../packages/cli/test/support/malicious-errors.js';
import { maliciousPluginDir } from '../../packages/plugin-host/test/malicious/build.js';
import { useLabHost } from '../src/lab.js';

// A malicious plugin installed on the host, the way an administrator installs any plugin: its
// directory (plugin.json and component) under /etc/devbinder/plugins. The components are the
// plugin host's malicious suite (packages/plugin-host/test/malicious), built by its own build
// helper: one that never answers, one that eats memory, one whose answer breaks the contract and
// one that imports from the host. Containers asking for them must still start (best-effort) with
// everything else they asked for, or be refused (required); the daemon must survive them.
const lab = useLabHost({ disk: { seat: 'seat1' } });

const PLUGINS = ['loop', 'memory-bomb', 'bad-output', 'forbidden-imports'] as const;
type Plugin = (typeof PLUGINS)[number];
const SEAT = { 'io.dev-binder.udev.seat': 'seat1' };
/** Each plugin with an argument that makes it misbehave. */
const MISBEHAVING: Record<Plugin, string> = {
  loop: 'select',
  'memory-bomb': 'forever',
  'bad-output': 'out-of-range',
  'forbidden-imports': 'x',
};

/**
 * `devbinder explain` of a container asking for the plugin with its misbehaving argument. Policy
 * best-effort: the container would start, so it exits 0 whatever the plugin does (1 would be a
 * refusal, 2 or 70 a failure of devbinder's own).
 */
async function explainMisbehaving(name: Plugin): Promise<string> {
  const result = await lab().exec(
    `devbinder explain -a io.dev-binder.udev.${name}=${MISBEHAVING[name]}`,
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `devbinder explain with plugin ${name} exited ${result.exitCode}, not 0:\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

beforeAll(async () => {
  const built = await maliciousPluginDir();
  for (const name of PLUGINS) {
    // No warm-up: the containers below meet each plugin's first use (its preparation), which the
    // plugin host keeps off its own thread and never charges to any plugin's deadline.
    await lab().copyIn(await realpath(join(built, name)), `/etc/devbinder/plugins/${name}`);
  }
});

describe('a malicious plugin installed on the host', () => {
  it('is listed by devbinder plugin list; inspect refuses the one that imports from the host', async () => {
    const list = await lab().exec('devbinder plugin list');
    for (const name of PLUGINS) expect(list.stdout + list.stderr).toContain(name);
    const inspect = await lab().exec('devbinder plugin inspect forbidden-imports');
    expect(inspect.exitCode).toBe(2);
    expect(inspect.stderr + inspect.stdout).toMatch(/import/);
  });

  it.each(PLUGINS)(
    '%s: a best-effort container starts with the other devices it asked for',
    async (name) => {
      const view = await lab().run({ ...SEAT, [`io.dev-binder.udev.${name}`]: MISBEHAVING[name] });
      expect(view.access).toEqual({ disk: 'granted' });
      expect(view.added).toEqual(lab().expectedNodes(['disk']));
    },
  );

  it.each(PLUGINS)('%s: devbinder explain reports what it did, naming it', async (name) => {
    const report = await explainMisbehaving(name);
    const problem = report.split('\n').find((line) => line.includes(`plugin "${name}": `));
    expect(problem).toContain(`io.dev-binder.udev.${name}: plugin "${name}": `);
    // The lab host has no config file: every plugin runs under the default limits.
    expect(problem).toMatch(reportedError(misbehaviour(name, MISBEHAVING[name])));
  });

  it('refuses a required container whose plugin never answers, naming its annotation', async () => {
    const result = await lab().tryRun(
      { ...SEAT, 'io.dev-binder.udev.loop': 'select', 'io.dev-binder.policy': 'required' },
      'echo started',
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toContain('started');
    expect(result.stderr).toContain(
      'devbinder refused to start this container: io.dev-binder.udev.loop',
    );
  });

  it('leaves the daemon running and answering after it ran them for hooks', async () => {
    await lab().startDaemon();
    for (const name of ['loop', 'memory-bomb'] as const) {
      const id = await lab().startContainer({
        ...SEAT,
        [`io.dev-binder.udev.${name}`]: MISBEHAVING[name],
      });
      expect((await lab().probe(id)).access).toEqual({ disk: 'granted' });
    }
    const status = await lab().daemonStatus();
    expect(status.counters.hookAnswers).toBeGreaterThanOrEqual(2);
    expect((await lab().run(SEAT)).access).toEqual({ disk: 'granted' });
  });
});
