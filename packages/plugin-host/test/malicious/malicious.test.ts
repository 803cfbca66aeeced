/**
 * The malicious-plugin suite against the host itself: real components (built by ./build.ts) that
 * loop, never load, exhaust memory, import WASI, lie in their answers or fail untidily. Each must
 * end in its own error, naming the plugin and the limit, within the time its limits allow, and
 * leave the host able to serve the next call.
 * (The same plugins through `devbinder hook` and `explain`: packages/cli/test.)
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import {
  DEFAULT_LIMITS,
  type PluginError,
  PluginHost,
  type PluginLimits,
  PluginRegistry,
} from '@devbinder/plugin-host';
import { fixtureDatabase } from '@devbinder/udev/fixtures';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { maliciousPluginDir } from './build.js';

let pluginDir: string;
beforeAll(async () => {
  pluginDir = await maliciousPluginDir();
}, 600_000);

const db = fixtureDatabase({
  '/devices/pci0000:00/usb1': { subsystem: 'usb', devnode: '/dev/bus/usb/001/001' },
  '/devices/virtual/block/loop0': { subsystem: 'block', devnode: '/dev/loop0' },
  '/devices/virtual/block/loop1': { subsystem: 'block', devnode: '/dev/loop1' },
  '/devices/virtual/tty/tty0': { subsystem: 'tty', devnode: '/dev/tty0' },
});

/** Beyond a plugin's own limits: starting a worker for the next call, a busy CI machine. */
const SLACK_MS = 3000;

interface TestHost {
  host: PluginHost;
  cacheDir: string;
  /** The limits a plugin runs under in this host. */
  limitsOf(plugin: string): PluginLimits;
}

const freshCache = () => mkdtempSync(join(tmpdir(), 'devbinder-malicious-'));

const hosts: PluginHost[] = [];
/**
 * A host under `limits`, or under them for one plugin (the misbehaving one) when `only` names it.
 * Other calls get a long deadline: a busy CI machine must not fail a well-behaved plugin.
 */
function host(
  limits: Partial<PluginLimits> = {},
  only?: string,
  cacheDir = freshCache(),
): TestHost {
  const everyone = { deadlineMs: 10_000, ...(only === undefined ? limits : {}) };
  const created = new PluginHost({
    registry: new PluginRegistry([pluginDir]),
    cacheDir,
    limits: everyone,
    limitsFor: (plugin) => (plugin === only ? limits : undefined),
    shortLived: true,
  });
  hosts.push(created);
  return {
    host: created,
    cacheDir,
    limitsOf: (plugin) => ({
      ...DEFAULT_LIMITS,
      ...everyone,
      ...(plugin === only ? limits : {}),
    }),
  };
}
afterEach(async () => {
  for (const created of hosts.splice(0)) await created.close();
});

/**
 * The error a selection ends in, which it must reach within its plugin's time limits: preparing,
 * loading and running it, plus slack.
 */
async function failure(on: TestHost, plugin: string, argument: string): Promise<PluginError> {
  const started = performance.now();
  const outcome = await on.host.select(plugin, argument, db).then(
    (chosen) => new Error(`expected ${plugin} ${argument} to fail, it chose ${chosen.length}`),
    (error: PluginError) => error,
  );
  const elapsed = performance.now() - started;
  if (!('kind' in outcome)) throw outcome;
  const { prepareDeadlineMs, loadDeadlineMs, deadlineMs } = on.limitsOf(plugin);
  expect(elapsed, outcome.message).toBeLessThan(
    prepareDeadlineMs + loadDeadlineMs + deadlineMs + SLACK_MS,
  );
  return outcome;
}

/** The host is healthy when it still answers a well-behaved call, and the same plugin again. */
async function expectHealthy(after: TestHost): Promise<void> {
  const chosen = await after.host.select('everything', 'block', db);
  expect(chosen.map(({ device }) => device.devnode)).toEqual(['/dev/loop0', '/dev/loop1']);
}

describe('a plugin that never answers', () => {
  it.each(['select', 'interest'])('is stopped at its deadline (looping in %s)', async (where) => {
    const victim = host({ deadlineMs: 500 }, 'loop');
    expect(await failure(victim, 'loop', where)).toMatchObject({
      plugin: 'loop',
      kind: 'deadline',
      message: 'plugin "loop": did not answer within its deadline of 500 ms (deadlineMs)',
    });
    await expectHealthy(victim);
  });
});

describe('several selections for one plugin (labelled annotations)', () => {
  it('each has its own deadline: one overrunning fails alone, the others run on a fresh worker', async () => {
    const victim = host({ deadlineMs: 500 }, 'loop');
    // All three share the plugin's worker, one call at a time; the two queued behind the runaway
    // wait longer than the deadline, which is not theirs to pay.
    const [runaway, ...others] = await Promise.allSettled([
      victim.host.select('loop', 'select', db),
      victim.host.select('loop', 'answer-1', db),
      victim.host.select('loop', 'answer-2', db),
    ]);
    expect(runaway).toMatchObject({
      status: 'rejected',
      reason: { kind: 'deadline', message: expect.stringContaining('(deadlineMs)') },
    });
    expect(others).toEqual([
      { status: 'fulfilled', value: [] },
      { status: 'fulfilled', value: [] },
    ]);
  });

  it('all end within the load and call deadlines, however many there are', async () => {
    const limits = { deadlineMs: 200, loadDeadlineMs: 5000 };
    const victim = host(limits, 'loop');
    const started = performance.now();
    // More runaways than can each run out their deadline in that time, even on fresh workers.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 40 }, (_, n) =>
        victim.host.select('loop', 'interest', db).then(() => n),
      ),
    );
    const elapsed = performance.now() - started;
    const { prepareDeadlineMs } = victim.limitsOf('loop');
    expect(elapsed).toBeLessThan(
      prepareDeadlineMs + limits.loadDeadlineMs + limits.deadlineMs + SLACK_MS,
    );
    const messages = outcomes.map((outcome) =>
      outcome.status === 'rejected' ? (outcome.reason as PluginError).message : 'answered',
    );
    expect(new Set(messages)).toEqual(
      new Set([
        'plugin "loop": did not answer within its deadline of 200 ms (deadlineMs)',
        'plugin "loop": did not answer within 5200 ms in all (loadDeadlineMs + deadlineMs), its loading and its other calls included',
      ]),
    );
    await expectHealthy(victim);
  });
});

describe('a plugin that does not load in time', () => {
  it('is stopped at its load deadline: its start code never ends', async () => {
    const victim = host({ loadDeadlineMs: 1000 }, 'slow-start');
    expect(await failure(victim, 'slow-start', 'x')).toMatchObject({
      plugin: 'slow-start',
      kind: 'deadline',
      message: 'plugin "slow-start": did not load within its deadline of 1000 ms (loadDeadlineMs)',
    });
    await expectHealthy(victim);
  });

  it('loads again, given time to', async () => {
    const cacheDir = freshCache();
    const hurried = host({ loadDeadlineMs: 1 }, 'memory-bomb', cacheDir);
    await expect(failure(hurried, 'memory-bomb', '1')).resolves.toMatchObject({
      message: 'plugin "memory-bomb": did not load within its deadline of 1 ms (loadDeadlineMs)',
    });
    await expect(
      host({}, undefined, cacheDir).host.select('memory-bomb', '1', db),
    ).resolves.toEqual([]);
  });
});

describe("the host's own work on a new component", () => {
  it('is not charged to any plugin, and holds up no other plugin', async () => {
    const cacheDir = freshCache();
    // bad-output is prepared (verified, transpiled, capped) already; everything is new.
    await host({}, undefined, cacheDir).host.select('bad-output', 'fine', db);
    const tight = { deadlineMs: 500, loadDeadlineMs: 3000 };
    const both = host(tight, undefined, cacheDir);
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const [prepared, ready] = await Promise.all([
      both.host.select('everything', 'block', db),
      both.host.select('bad-output', 'fine', db),
    ]);
    delay.disable();
    expect(prepared.map(({ device }) => device.devnode)).toEqual(['/dev/loop0', '/dev/loop1']);
    expect(ready).toEqual([]);
    // Transpiling 12 MB takes a second or more of CPU: not on this thread.
    expect(delay.max / 1e6).toBeLessThan(500);
  });

  it('has a deadline of its own, naming the plugin, and is done again next time', async () => {
    const victim = host({ prepareDeadlineMs: 1 }, 'everything');
    expect(await failure(victim, 'everything', '')).toMatchObject({
      plugin: 'everything',
      kind: 'deadline',
      message:
        'plugin "everything": the host did not finish preparing its component (verifying, transpiling, capping its memory) within 1 ms (prepareDeadlineMs)',
    });
    await expectHealthy(host({}, undefined, victim.cacheDir));
    // Nothing half-written is left in the cache.
    const components = join(victim.cacheDir, 'components');
    expect(readdirSync(components).filter((name) => name.startsWith('.'))).toEqual([]);
  });

  it('refuses a component larger than the limit before reading it', async () => {
    const victim = host({ maxComponentMiB: 1 }, 'everything');
    const error = await failure(victim, 'everything', '');
    expect(error).toMatchObject({ plugin: 'everything', kind: 'load-failed' });
    expect(error.message).toMatch(
      /everything\.wasm is [\d.]+ MiB, more than the 1 MiB a component may have \(maxComponentMiB\)$/,
    );
  });
});

describe('a plugin that exhausts memory', () => {
  it('is stopped at the memory cap, which is what stops it', async () => {
    const victim = host({ deadlineMs: 20_000 }, 'memory-bomb');
    const error = await failure(victim, 'memory-bomb', 'forever');
    expect(error).toMatchObject({ plugin: 'memory-bomb', kind: 'memory' });
    const reached = /reached ([\d.]+) MiB of its 256 MiB cap \(memoryMiB\)/.exec(error.message);
    expect(reached, error.message).not.toBeNull();
    expect(Number(reached?.[1])).toBeLessThanOrEqual(256);
    await expectHealthy(victim);
  });

  it('may use memory up to its cap: 100 MiB pass under the default cap and fail under 64 MiB', async () => {
    await expect(host().host.select('memory-bomb', '100', db)).resolves.toEqual([]);
    const capped = host({ memoryMiB: 64, deadlineMs: 20_000 }, 'memory-bomb');
    expect(await failure(capped, 'memory-bomb', '100')).toMatchObject({
      kind: 'memory',
      message: expect.stringContaining('of its 64 MiB cap (memoryMiB)'),
    });
    await expectHealthy(capped);
  });

  it('cannot even load under a cap below what its engine needs at start', async () => {
    // StarlingMonkey declares ~9 MiB; the config file allows no cap that low, the API does.
    const victim = host({ memoryMiB: 8 });
    expect(await failure(victim, 'memory-bomb', '1')).toMatchObject({
      kind: 'memory',
      message: expect.stringMatching(
        /needs [\d.]+ MiB of memory at start, more than the cap of 8 MiB \(memoryMiB\)$/,
      ),
    });
  });

  it('has one cap for all its memories: two memories share it', async () => {
    const victim = host({ memoryMiB: 64 }, 'two-memories');
    const error = await failure(victim, 'two-memories', 'x');
    expect(error).toMatchObject({ plugin: 'two-memories', kind: 'memory' });
    const reached = /its 2 wasm memories reached ([\d.]+) MiB together of its 64 MiB cap/.exec(
      error.message,
    );
    expect(reached, error.message).not.toBeNull();
    // Each grew as far as its half allowed (31 of 32 MiB, in steps of 1 MiB), no further.
    expect(Number(reached?.[1])).toBeGreaterThan(60);
    expect(Number(reached?.[1])).toBeLessThanOrEqual(64);
    await expectHealthy(victim);
  });

  it('cannot instantiate more memories than the cap was divided among', async () => {
    const cacheDir = freshCache();
    await failure(host({ memoryMiB: 64 }, 'two-memories', cacheDir), 'two-memories', 'x');
    // As if the host had counted one memory too few: the worker counts them again, as they come.
    const components = join(cacheDir, 'components');
    const [entry] = readdirSync(components).filter((name) => {
      const plan = join(components, name, 'memories.json');
      return statSync(plan, { throwIfNoEntry: false }) !== undefined;
    });
    const planFile = join(components, entry as string, 'memories.json');
    const plan = JSON.parse(readFileSync(planFile, 'utf8'));
    for (const file of Object.keys(plan.instantiations)) plan.instantiations[file] = 1;
    writeFileSync(planFile, JSON.stringify(plan));
    const victim = host({ memoryMiB: 64 }, 'two-memories', cacheDir);
    expect(await failure(victim, 'two-memories', 'x')).toMatchObject({
      kind: 'load-failed',
      message: expect.stringContaining(
        'it instantiates more memories than the 1 its memory cap (memoryMiB) was divided among',
      ),
    });
  });

  it('has one cap for all its tables: eight share it', async () => {
    // Uncapped, growing eight tables brought the whole process down: V8 grows a table in one
    // runtime call that the worker's heap limit cannot interrupt.
    const victim = host({}, 'table-bomb');
    expect(await failure(victim, 'table-bomb', 'x')).toMatchObject({
      plugin: 'table-bomb',
      kind: 'memory',
      message: expect.stringMatching(
        /^plugin "table-bomb": ran out of memory: its 8 tables reached 1000000 entries together, all the 1000000 a plugin may have; it then said: /,
      ),
    });
    await expectHealthy(victim);
  });
});

describe('a component that imports from the host', () => {
  it('is refused at load, with the list of its imports', async () => {
    const victim = host();
    const error = await failure(victim, 'forbidden-imports', 'x');
    expect(error).toMatchObject({ plugin: 'forbidden-imports', kind: 'forbidden-imports' });
    for (const name of ['wasi:clocks/monotonic-clock', 'wasi:random/random', 'wasi:cli/stdout'])
      expect(error.message).toContain(name);
    await expectHealthy(victim);
  });
});

describe('a plugin whose answer breaks the contract', () => {
  it.each([
    ['out-of-range', 'invalid-output', 'chose device #4, but only #0 to #3 were offered'],
    ['duplicate', 'invalid-output', 'chose device #0 (/sys/devices/pci0000:00/usb1) twice'],
    ['not-json', 'invalid-output', 'answered with text that is not JSON'],
    [
      'oversized',
      'invalid-output',
      'answered select with 36870 bytes, more than the 16514 its input allows',
    ],
    ['throw-number', 'crashed', 'trapped: wasm trap: wasm `unreachable` instruction executed'],
  ])('%s: %s', async (argument, kind, detail) => {
    const victim = host();
    expect(await failure(victim, 'bad-output', argument)).toMatchObject({
      plugin: 'bad-output',
      kind,
      message: `plugin "bad-output": ${detail}`,
    });
    await expectHealthy(victim);
  });
});

describe('a plugin that fails untidily', () => {
  it('has a megabyte error message cut to the message limit, in the worker already', async () => {
    const cacheDir = freshCache();
    const memoDir = join(cacheDir, 'answers');
    const warnings: string[] = [];
    // Every message a worker posts, as the host's side of the worker boundary receives it.
    const received = vi.spyOn(Worker.prototype, 'emit');
    try {
      const remembering = new PluginHost({
        registry: new PluginRegistry([pluginDir]),
        cacheDir,
        memoDir,
        limits: { deadlineMs: 10_000 },
        // A host that cannot remember says so here, and nothing below would be remembered.
        warn: (message) => warnings.push(message),
      });
      hosts.push(remembering);
      const error = await remembering.select('errors', 'megabyte', db).catch((caught) => caught);
      const cut = `${'x'.repeat(1024)}… (cut at 1024 of 1048576 bytes, maxMessageBytes)`;
      expect(error).toMatchObject({ plugin: 'errors', kind: 'failed' });
      expect(error.message).toBe(`plugin "errors": ${cut}`);
      // The worker cut it: the plugin's error crossed to the host already at the limit.
      const rejections = received.mock.calls
        .filter(([event, message]) => event === 'message' && message?.type === 'rejected')
        .map(([, message]) => message);
      expect(rejections).toEqual([
        { type: 'rejected', id: expect.any(Number), error: { tag: 'failed', val: cut } },
      ]);

      // What is remembered is the cut message, not the megabyte.
      expect(warnings).toEqual([]);
      const remembered = readdirSync(memoDir).map((file) => join(memoDir, file));
      expect(remembered.map((file) => readFileSync(file, 'utf8'))).toContainEqual(
        expect.stringContaining(cut),
      );
      for (const file of remembered) expect(statSync(file).size).toBeLessThan(4096);
      await expect(remembering.select('errors', 'megabyte', db)).rejects.toThrow(error.message);
    } finally {
      received.mockRestore();
    }
  });

  it('reports a bug in its code as a failure with the exception message', async () => {
    expect(await failure(host(), 'errors', 'bug')).toMatchObject({
      kind: 'failed',
      message: 'plugin "errors": can\'t access property "device", missing is null',
    });
  });
});

describe('a plugin that chooses every device', () => {
  it('gets every device it was offered, and nothing it was not', async () => {
    const greedy = host().host;
    expect((await greedy.select('everything', '', db)).length).toBe(db.devices.length);
    expect(
      (await greedy.select('everything', 'tty', db)).map(({ device }) => device.devnode),
    ).toEqual(['/dev/tty0']);
  });
});
