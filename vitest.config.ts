import { defineConfig } from 'vitest/config';

// One run covers the whole workspace so CI gets a single report (`pnpm test`; `turbo run test`
// runs each package's share of the unit project instead).
//   unit:        pure code, file parsing (memfs, fixtures) and the built command; runs anywhere,
//                no root.
//   integration: real udevd, real Podman, real kernel uevents; needs root and fails loudly without it.
// The lab (nested Podman hosts driven by testcontainers) is not a project here: it has its own
// config, lab/vitest.config.ts, and runs with `pnpm lab` (see lab/README.md).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'packages/*/test/**/*.test.ts',
            'plugins/*/test/**/*.test.ts',
            'lab/test/**/*.test.ts',
          ],
          exclude: ['**/*.integration.test.ts', '**/node_modules/**'],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'packages/*/test/**/*.integration.test.ts',
            'plugins/*/test/**/*.integration.test.ts',
          ],
          globalSetup: ['./test-support/integration-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
