/**
 * `pnpm bench` for the plugin path: `devbinder explain` with all four bundled selectors over a
 * generated 10,000-device `udevadm info --export-db` capture.
 *
 *   - cold: a new `devbinder explain` process per run, against `node -e 0` measured alongside;
 *     once with nothing remembered (every plugin loads and runs), once with remembered answers.
 *   - warm: plugins loaded in one process (as in the daemon), nothing remembered, against the
 *     floor: the same four selections written directly against the database in TypeScript
 *     (native-selections.ts). Between the two, each plugin's own TypeScript source run natively
 *     through the same offers and answers: what the sandbox alone costs.
 *
 * Reports; asserts nothing. Needs no root.
 */

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideBinding, type SelectorRunner } from '@devbinder/engine';
import { buildOffer, PluginHost, PluginRegistry } from '@devbinder/plugin-host';
import type { WireChoices, WireExports } from '@devbinder/plugin-sdk';
import { parseExportDb, type UdevDatabase } from '@devbinder/udev';
import * as match from '../../../plugins/match/src/index.js';
import * as seat from '../../../plugins/seat/src/index.js';
import * as subsystem from '../../../plugins/subsystem/src/index.js';
import * as usb from '../../../plugins/usb/src/index.js';
import { generateExport } from './generate-export.js';
import {
  type Case,
  markdownTable,
  measure,
  type Result,
  summarize,
  writeResults,
} from './measure.js';
import { directRunner } from './native-selections.js';

const node = process.execPath;
const cli = fileURLToPath(new URL('../dist/devbinder.js', import.meta.url));
const bundledPlugins = fileURLToPath(new URL('../dist/plugins', import.meta.url));
const resultsDir = fileURLToPath(new URL('./results', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 20);
const DEVICES = 10_000;

/** One annotation per bundled selector, each choosing something in the generated desktop. */
const ANNOTATIONS = {
  'io.dev-binder.udev.seat': 'seat1',
  'io.dev-binder.udev.subsystem': 'tty:ttyUSB1*',
  'io.dev-binder.udev.usb': '1002:2002',
  'io.dev-binder.udev.match': 'SUBSYSTEM=="input",KERNEL=="event*",PARENT{ID_INPUT_KEYBOARD}=="1"',
};

/** Each selector's own TypeScript, run by V8 through the same offers and answers, no sandbox. */
const NATIVE: Record<string, WireExports> = { seat, subsystem, usb, match };
const nativeRunner: SelectorRunner = {
  async select(selector, argument, db) {
    const plugin = NATIVE[selector];
    if (!plugin) throw new Error(`no native ${selector}`);
    const offer = buildOffer(db, plugin.interest(argument));
    const devices = new TextEncoder().encode(offer.json);
    const answer = JSON.parse(
      new TextDecoder().decode(plugin.select(argument, devices)),
    ) as WireChoices;
    const chosen = [];
    for (let at = 0; at < answer.length; at += 2) {
      const device = offer.devices[answer[at] as number];
      if (device) chosen.push({ device, reason: answer[at + 1] as string });
    }
    return chosen;
  },
};

const work = mkdtempSync(join(tmpdir(), 'devbinder-bench-explain-'));
const loadBefore = loadavg();
try {
  const generated = generateExport(DEVICES);
  const exportFile = join(work, 'export-db.txt');
  writeFileSync(exportFile, generated.text);
  const [warmCache, coldCache] = ['remembered', 'cold'].map((name) => {
    const dir = join(work, `cache-${name}`);
    mkdirSync(dir, { mode: 0o700 });
    return dir;
  }) as [string, string];

  const explain = (cacheDir: string) => [
    node,
    cli,
    'explain',
    '--udev-export',
    exportFile,
    '--cache-dir',
    cacheDir,
    '--json',
    ...Object.entries(ANNOTATIONS).flatMap(([key, value]) => ['-a', `${key}=${value}`]),
  ];
  const cold: Case[] = [
    { name: 'node -e 0 (baseline)', command: [node, '-e', '0'] },
    {
      name: 'explain, 4 selectors, 10,000 devices, cold, nothing remembered',
      command: explain(coldCache),
      // The transpiled components stay (install.sh prepares them); the answers go.
      before: () => rmSync(join(coldCache, 'answers'), { recursive: true, force: true }),
    },
    {
      name: 'explain, 4 selectors, 10,000 devices, cold, answers remembered',
      command: explain(warmCache),
    },
  ];
  const coldResults = measure(cold, { runs, warmup: 2 });

  // In one process: the plugin host with its plugins loaded, and the native floor.
  const text = readFileSync(exportFile, 'utf8');
  const db = parseExportDb(text, exportFile);
  const host = new PluginHost({
    registry: new PluginRegistry([bundledPlugins]),
    cacheDir: join(work, 'cache-in-process'),
  });
  const pluginRunner: SelectorRunner = {
    select: (selector, argument, database) => host.select(selector, argument, database),
  };
  const selection = (runner: SelectorRunner, database: () => UdevDatabase) => () =>
    decideBinding(ANNOTATIONS, {
      readDatabase: database,
      runner,
      stat: (device, _devnode, path) =>
        device.devnum && { path, ...device.devnum, fileMode: 0o660, uid: 0, gid: 0 },
    });
  const warm = await inProcess(
    [
      ['selection, plain TypeScript on the database (floor)', selection(directRunner, () => db)],
      ["selection, the selectors' own code, no sandbox", selection(nativeRunner, () => db)],
      ['selection, plugins loaded (warm)', selection(pluginRunner, () => db)],
      [
        'explain incl. export parse, plain TypeScript (floor)',
        selection(directRunner, () => parseExportDb(text, exportFile)),
      ],
      [
        'explain incl. export parse, plugins loaded (warm)',
        selection(pluginRunner, () => parseExportDb(text, exportFile)),
      ],
    ],
    { runs, warmup: 3 },
  );
  // The floor must choose what the plugins choose, or the ratio means nothing.
  const [direct, plugins] = await Promise.all([
    selection(directRunner, () => db)(),
    selection(pluginRunner, () => db)(),
  ]);
  const nodesOf = (binding: typeof direct) => binding.plan.nodes.map(({ node }) => node.path);
  if (JSON.stringify(nodesOf(direct)) !== JSON.stringify(nodesOf(plugins))) {
    throw new Error('the native floor chooses other devices than the plugins');
  }
  await host.close();
  const chosen = direct.plan.nodes.length;

  const tables = [
    '**Cold** (a new process per run; ratio to `node -e 0`)',
    '',
    markdownTable(coldResults),
    '',
    '**Warm** (one process; ratio to the native floor of the same kind)',
    '',
    markdownTable([...ratioTo(warm.slice(0, 3), warm[0]), ...ratioTo(warm.slice(3, 5), warm[3])]),
  ].join('\n');
  const report = {
    benchmark: 'explain',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runs,
    devices: generated.devices,
    deviceNodes: generated.nodes,
    annotations: ANNOTATIONS,
    nodesChosen: chosen,
    cold: coldResults,
    warm,
  };
  const [written] = writeResults(resultsDir, 'explain', report, { table: tables, loadBefore });
  console.log(tables);
  console.log(
    `\nload average (1, 5, 15 min) before ${loadBefore.map((value) => value.toFixed(1)).join(' ')}, after ${loadavg()
      .map((value) => value.toFixed(1))
      .join(' ')}`,
  );
  console.log(`\n${chosen} device nodes chosen; wrote ${written}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Runs each case `runs` times, round robin, timing each run in this process. */
async function inProcess(
  cases: ReadonlyArray<readonly [string, () => Promise<unknown>]>,
  options: { runs: number; warmup: number },
): Promise<Array<Omit<Result, 'ratio'>>> {
  const samples = cases.map((): number[] => []);
  for (let round = 0; round < options.warmup + options.runs; round++) {
    for (const [index, [, run]] of cases.entries()) {
      const started = performance.now();
      await run();
      if (round >= options.warmup) samples[index]?.push(performance.now() - started);
    }
  }
  return cases.map(([name], index) => summarize(name, samples[index] ?? []));
}

function ratioTo(
  results: ReadonlyArray<Omit<Result, 'ratio'>>,
  floor: Omit<Result, 'ratio'> | undefined,
): Result[] {
  const base = floor?.medianMs ?? 1;
  return results.map((result) => ({
    ...result,
    ratio: Math.round((result.medianMs / base) * 100) / 100,
  }));
}
