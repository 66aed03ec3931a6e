import { defineConfig } from 'vitest/config';

/** Files that replace a module (vi.mock): they need a module graph of their own. */
const ISOLATED = ['test/server/auth.test.ts'];

export default defineConfig({
  test: {
    // A temp dir of the run's own, removed at the end; the run fails if anything is left elsewhere.
    globalSetup: ['test/globalSetup.ts'],
    // PGlite instances are large; two workers on a 2-core machine keep memory in check.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        // Test files run one after another in a worker that keeps its modules: importing the
        // store, engine, SDKs and emulators once per worker instead of once per file saves about a
        // third of the suite's CPU. Files restore what they change (env, timers) in their hooks.
        test: { name: 'shared', include: ['test/**/*.test.ts'], exclude: ISOLATED, isolate: false },
      },
      { extends: true, test: { name: 'isolated', include: ISOLATED, isolate: true } },
    ],
  },
});
