/**
 * `pnpm bench` for the hook: wall time of `devbinder hook` with a seat annotation on generated
 * 100- and 1,000-device databases, against `node -e 0` (the floor for any Node hook) in the same
 * run. Reports; asserts nothing. Needs root (the trees hold real device nodes, made with mknod).
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateTree } from './generate-tree.js';
import { type Case, markdownTable, measure } from './measure.js';

const node = process.execPath;
const cli = fileURLToPath(new URL('../dist/devbinder.js', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'devbinder-bench-'));
const runs = Number(process.env.BENCH_RUNS ?? 30);

const config = (annotations: Record<string, string>) =>
  JSON.stringify({
    ociVersion: '1.0.2',
    process: { args: ['sh'] },
    annotations,
    linux: { namespaces: [{ type: 'mount' }] },
  });
const seat0 = config({ 'io.dev-binder.udev.seat': 'seat0' });

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
  // The first-run case forgets what it remembered before each run; it must not make the others forget.
  const [warmCache, coldCache] = ['warm', 'cold'].map((name) => {
    const dir = join(work, `cache-${name}`);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  }) as [string, string];
  const hook = (root: string, cacheDir = warmCache) => [
    node,
    cli,
    'hook',
    '--root',
    root,
    '--cache-dir',
    cacheDir,
  ];
  const forget = () => {
    rmSync(join(coldCache, 'answers'), { recursive: true, force: true });
    rmSync(join(coldCache, 'udev-snapshot.json'), { force: true });
  };
  const tree = (count: 100 | 1000) => {
    const found = trees[count];
    if (!found) throw new Error(`no ${count}-device tree`);
    return found;
  };
  const cases: Case[] = [
    { name: 'node -e 0 (baseline)', command: [node, '-e', '0'] },
    { name: 'hook, no devbinder annotation', command: hook(tree(1000).root), stdin: config({}) },
    { name: 'hook seat0, 100 devices', command: hook(tree(100).root), stdin: seat0 },
    { name: 'hook seat0, 1,000 devices', command: hook(tree(1000).root), stdin: seat0 },
    {
      name: 'hook seat0, 1,000 devices, first run (nothing remembered)',
      command: hook(tree(1000).root, coldCache),
      stdin: seat0,
      before: forget,
    },
  ];
  const results = measure(cases, { runs, warmup: 3 });
  const table = markdownTable(results);
  const report = {
    benchmark: 'hook',
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import('node:os')).cpus().length,
    runs,
    devices: { 100: tree(100).devices, 1000: tree(1000).devices },
    results,
  };
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(join(resultsDir, 'hook.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(join(resultsDir, 'hook.md'), `${table}\n`);
  console.log(table);
  console.log(`\nwrote ${join(resultsDir, 'hook.json')}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
