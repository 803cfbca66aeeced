/**
 * `pnpm bench` for the hook: wall time of the hook as its hooks.d file runs it (`hook
 * --print-config`: node, dist/hook.cjs, empty environment) with a seat annotation on generated
 * 100- and 1,000-device databases, against `node -e 0` (the floor for any Node hook) in the same
 * run. Each case is first run once and its output checked: timing a hook that gives the wrong
 * devices would be worthless. Reports; asserts nothing about time. Needs root (the trees hold
 * real device nodes, made with mknod).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLiveDatabase } from '@devbinder/udev';
import { udevSnapshotFile } from '../src/runtime.js';
import { generateTree } from './generate-tree.js';
import { type Case, markdownTable, measure, writeResults } from './measure.js';
import { directRunner } from './native-selections.js';

const node = process.execPath;
const cli = fileURLToPath(new URL('../dist/devbinder.js', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'devbinder-bench-'));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const loadBefore = loadavg();

const config = (annotations: Record<string, string>) =>
  JSON.stringify({
    ociVersion: '1.0.2',
    process: { args: ['sh'] },
    annotations,
    linux: { namespaces: [{ type: 'mount' }] },
  });
const seat0 = config({ 'io.dev-binder.udev.seat': 'seat0' });

/** The command line hooks.d runs, from the hook file devbinder writes, plus the test tree. */
function hooksDCommand(cacheDir: string, root: string): string[] {
  const printed = execFileSync(node, [cli, 'hook', '--print-config', '--cache-dir', cacheDir], {
    encoding: 'utf8',
  });
  const { hook } = JSON.parse(printed) as { hook: { path: string; args: string[] } };
  // args[0] is the program's name (argv0), not an argument.
  return [hook.path, ...hook.args.slice(1), '--root', root];
}

/** The device nodes seat0 holds in a tree, chosen by plain TypeScript, not by the plugin. */
async function seat0Nodes(root: string): Promise<string[]> {
  const db = readLiveDatabase({ root });
  const chosen = await directRunner.select('seat', 'seat0', db);
  return chosen.map(({ device }) => device.devnode ?? '').sort();
}

/** Runs a case once, as measure() will, and fails unless the hook gave what it should. */
function checkOutput(benchCase: Case, expected: string[] | 'unchanged'): void {
  benchCase.before?.();
  const [file, ...args] = benchCase.command as [string, ...string[]];
  const run = spawnSync(file, args, { env: {}, input: benchCase.stdin ?? '', encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${benchCase.name}: exit ${run.status}: ${run.stderr}`);
  if (expected === 'unchanged') {
    if (run.stdout !== benchCase.stdin) throw new Error(`${benchCase.name}: config changed`);
    return;
  }
  const paths = (JSON.parse(run.stdout).linux?.devices ?? [])
    .map(({ path }: { path: string }) => path)
    .sort();
  if (expected.length === 0 || JSON.stringify(paths) !== JSON.stringify(expected)) {
    throw new Error(
      `${benchCase.name}: the hook gave ${paths.length} devices, seat0 has ${expected.length}: ${run.stderr}`,
    );
  }
}

try {
  const trees = Object.fromEntries(
    [100, 1000].map((count) => {
      const root = join(work, `tree-${count}`);
      const made = generateTree(root, count);
      // udevd last touched the database a while ago: a quiet directory, as on a running host.
      const past = new Date(Date.now() - 60_000);
      utimesSync(join(root, 'run/udev/data'), past, past);
      return [count, { root, ...made }];
    }),
  );
  const tree = (count: 100 | 1000) => {
    const found = trees[count];
    if (!found) throw new Error(`no ${count}-device tree`);
    return found;
  };
  // The first-run case forgets what it remembered before each run; it must not make the others forget.
  const [warmCache, coldCache] = ['warm', 'cold'].map((name) => {
    const dir = join(work, `cache-${name}`);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  }) as [string, string];
  // Everything the hook remembers: plugin answers and the udev snapshot. From the second run on
  // the snapshot must be there to delete, or the hook keeps it elsewhere and nothing is forgotten.
  const coldSnapshot = udevSnapshotFile(coldCache, tree(1000).root);
  let forgotten = 0;
  const forget = () => {
    if (forgotten++ > 0 && !existsSync(coldSnapshot)) {
      throw new Error(
        `the hook wrote no udev snapshot at ${coldSnapshot}: forget() forgets nothing`,
      );
    }
    rmSync(join(coldCache, 'answers'), { recursive: true, force: true });
    rmSync(coldSnapshot, { force: true });
  };
  const hook = (count: 100 | 1000, cacheDir = warmCache) =>
    hooksDCommand(cacheDir, tree(count).root);
  const cases: Case[] = [
    { name: 'node -e 0 (baseline)', command: [node, '-e', '0'] },
    { name: 'hook, no devbinder annotation', command: hook(1000), stdin: config({}) },
    { name: 'hook seat0, 100 devices', command: hook(100), stdin: seat0 },
    { name: 'hook seat0, 1,000 devices', command: hook(1000), stdin: seat0 },
    {
      name: 'hook seat0, 1,000 devices, first run (nothing remembered)',
      command: hook(1000, coldCache),
      stdin: seat0,
      before: forget,
    },
  ];
  const [, none, small, large, cold] = cases as [Case, Case, Case, Case, Case];
  checkOutput(none, 'unchanged');
  checkOutput(small, await seat0Nodes(tree(100).root));
  for (const benchCase of [large, cold]) checkOutput(benchCase, await seat0Nodes(tree(1000).root));
  const results = measure(cases, { runs, warmup: 3 });
  const table = markdownTable(results);
  const report = {
    benchmark: 'hook',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runs,
    devices: { 100: tree(100).devices, 1000: tree(1000).devices },
    results,
  };
  const [written] = writeResults(resultsDir, 'hook', report, { table, loadBefore });
  console.log(table);
  console.log(`\nwrote ${written}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
