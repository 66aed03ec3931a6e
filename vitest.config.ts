import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // A temp dir of the run's own, removed at the end; the run fails if anything is left elsewhere.
    globalSetup: ['test/globalSetup.ts'],
    // PGlite instances are large (~750 MB); two workers on a 2-core machine keep memory in check.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
