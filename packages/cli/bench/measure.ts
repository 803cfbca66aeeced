import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { join } from 'node:path';

/** One command of a benchmark: what runs, and what must happen before each run (not timed). */
export interface Case {
  name: string;
  command: readonly string[];
  stdin?: string;
  before?: () => void;
}

export interface Result {
  name: string;
  runs: number;
  medianMs: number;
  p90Ms: number;
  meanMs: number;
  /** Median over the baseline's median, measured in the same session. */
  ratio: number;
  /** Every measured run's wall time, in the order run. */
  samplesMs: number[];
}

/**
 * Runs every case `runs` times, round robin, with an empty environment as Podman runs hooks, and
 * reports wall times. Interleaving spreads the machine's load drift over all cases alike; the first
 * case is the baseline the ratios refer to.
 */
export function measure(
  cases: readonly Case[],
  options: { runs: number; warmup: number },
): Result[] {
  const samples = new Map<string, number[]>(cases.map(({ name }) => [name, []]));
  for (let round = 0; round < options.warmup + options.runs; round++) {
    for (const benchCase of cases) {
      benchCase.before?.();
      const [file, ...args] = benchCase.command as [string, ...string[]];
      const started = process.hrtime.bigint();
      const run = spawnSync(file, args, {
        env: {},
        input: benchCase.stdin ?? '',
        stdio: ['pipe', 'ignore', 'pipe'],
      });
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      if (run.status !== 0) {
        throw new Error(`${benchCase.name}: exit ${run.status}: ${run.stderr?.toString().trim()}`);
      }
      if (round >= options.warmup) samples.get(benchCase.name)?.push(elapsed);
    }
  }
  const stats = cases.map(({ name }) => summarize(name, samples.get(name) ?? []));
  const baseline = stats[0]?.medianMs ?? 1;
  // Two decimals: a target such as 1.3× must not pass by rounding.
  return stats.map((stat) => ({
    ...stat,
    ratio: Math.round((stat.medianMs / baseline) * 100) / 100,
  }));
}

export function summarize(name: string, values: number[]): Omit<Result, 'ratio'> {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return {
    name,
    runs: values.length,
    medianMs: round(at(0.5)),
    p90Ms: round(at(0.9)),
    meanMs: round(values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length)),
    samplesMs: values.map(round),
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export function markdownTable(results: readonly Result[]): string {
  const rows = results.map(
    ({ name, medianMs, p90Ms, ratio }) =>
      `| ${name} | ${medianMs} | ${p90Ms} | ${ratio.toFixed(2)}× |`,
  );
  return [
    '| case | median ms | p90 ms | × baseline |',
    '| --- | ---: | ---: | ---: |',
    ...rows,
  ].join('\n');
}

/**
 * Writes a benchmark's results as `<name>.json` (with the machine's load average, which stretches
 * every case) and, given a table, `<name>.md`, laid out as the repository's formatter wants them, so
 * a recorded run is committed as written.
 */
export function writeResults(
  dir: string,
  name: string,
  report: Record<string, unknown>,
  options: { table?: string; loadBefore: number[] },
): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [join(dir, `${name}.json`)];
  const loadAverage = { before: options.loadBefore, after: loadavg() };
  writeFileSync(files[0] as string, `${JSON.stringify({ ...report, loadAverage }, null, 2)}\n`);
  if (options.table !== undefined) {
    files.push(join(dir, `${name}.md`));
    writeFileSync(files[1] as string, `${options.table}\n`);
  }
  const biome = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');
  const formatted = spawnSync(process.execPath, [biome, 'format', '--write', ...files]);
  if (formatted.status !== 0) throw new Error(`biome format: ${formatted.stderr.toString()}`);
  return files;
}
