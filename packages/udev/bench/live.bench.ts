/**
 * `pnpm bench` for the live reader: reading a 1,000-device tree (and this machine's database)
 * with `readLiveDatabase`, directly and through a snapshot, against the floor of any reader: the
 * same files read raw (every database file and uevent, every link resolved), in the same run.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLiveDatabase } from '../src/index.js';
import { writeFakeTree } from '../test/support/fake-tree.js';
import { thousandDevices } from '../test/support/thousand-devices.js';

const runs = Number(process.env.BENCH_RUNS ?? 50);
const work = mkdtempSync(
  join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'devbinder-udev-bench-'),
);

/** What any reader must at least do: read each database file and uevent, resolve each link. */
function rawReads(root: string): void {
  const data = join(root, 'run/udev/data');
  for (const name of readdirSync(data)) {
    readFileSync(join(data, name));
    if (name[0] === 'b' || name[0] === 'c') {
      const link = join(root, 'sys/dev', name[0] === 'b' ? 'block' : 'char', name.slice(1));
      try {
        const target = readlinkSync(link);
        const dir = join(root, 'sys/dev', name[0] === 'b' ? 'block' : 'char', target);
        readFileSync(join(dir, 'uevent'));
        readlinkSync(join(dir, 'subsystem'));
      } catch {
        // Devices without sysfs in the tree are skipped by the reader too.
      }
    }
  }
}

function median(fn: () => void): number {
  const times: number[] = [];
  for (let run = 0; run < 3 + runs; run++) {
    const started = performance.now();
    fn();
    if (run >= 3) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1] ?? 0;
}

try {
  const tree = join(work, 'tree');
  writeFakeTree(tree, thousandDevices());
  const past = new Date(Date.now() - 60_000);
  utimesSync(join(tree, 'run/udev/data'), past, past);
  const snapshot = join(work, 'snapshot.json');
  const rows: Array<{ case: string; medianMs: number; ratio: number }> = [];
  for (const [label, root] of [
    ['1,000-device tree', tree],
    ['this machine', '/'],
  ] as const) {
    const floor = median(() => rawReads(root));
    const direct = median(() => readLiveDatabase({ root }));
    rmSync(snapshot, { force: true });
    readLiveDatabase({ root, snapshot });
    const snapshotted = existsSync(snapshot)
      ? median(() => readLiveDatabase({ root, snapshot }))
      : Number.NaN;
    rows.push({ case: `${label}: raw reads (floor)`, medianMs: floor, ratio: 1 });
    rows.push({ case: `${label}: readLiveDatabase`, medianMs: direct, ratio: direct / floor });
    rows.push({
      case: `${label}: readLiveDatabase via snapshot`,
      medianMs: snapshotted,
      ratio: snapshotted / floor,
    });
  }
  const table = [
    '| case | median ms | × floor |',
    '| --- | ---: | ---: |',
    ...rows.map((row) => `| ${row.case} | ${row.medianMs.toFixed(2)} | ${row.ratio.toFixed(2)}× |`),
  ].join('\n');
  const results = fileURLToPath(new URL('./results', import.meta.url));
  mkdirSync(results, { recursive: true });
  writeFileSync(
    join(results, 'live.json'),
    `${JSON.stringify({ benchmark: 'udev-live', date: new Date().toISOString(), node: process.version, runs, rows }, null, 2)}\n`,
  );
  console.log(table);
} finally {
  rmSync(work, { recursive: true, force: true });
}
