import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import LabReporter from './src/report.js';

// `pnpm lab`: the scenarios in scenarios/*.lab.ts, one lab host each, one file at a time (they
// share the machine's kernel: loop and zram devices, uevents). See README.md.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'lab',
    include: ['scenarios/**/*.lab.ts'],
    globalSetup: ['./src/setup.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
    reporters: ['default', 'json', new LabReporter()],
    // .ci/run counts the lab's tests from this file, as it does for `pnpm test`.
    outputFile: { json: '../reports/lab/vitest.json' },
  },
});
