/**
 * One `sync all` in its own process, for the fault campaign (chaos/run.ts), which SIGKILLs it at
 * random points and restarts it. It is the CLI's `sync all --json`, wired the same way
 * (configuration from the environment and JARVIS_CONFIG, the migrated store, the engine's runAll),
 * with three differences the campaign needs:
 *
 * - CHAOS_FAILPOINT=<step> maps the engine's failpoint hook to a real crash: when the run reaches
 *   that step (e.g. create:notion-accepted — Notion has the page, Postgres does not know yet) the
 *   process SIGKILLs itself, leaving everything exactly as a power cut would.
 * - Retries back off from 20 ms instead of 1 s, and requests time out after CHAOS_TIMEOUT_MS
 *   (the campaign's proxy holds some responses past it): a campaign is a day of failures in minutes.
 * - CHAOS_FULL=1 runs a full sync; CHAOS_VALVE_MINIMUM overrides the deletion valve's minimum.
 *
 * stdout: `READY` once the store is open (the campaign's random kills start counting there), then
 * the `--json` summary line.
 */
import { writeSync } from 'node:fs';
import { openMigratedStore } from '../src/cli/app.ts';
import { resultsToJson } from '../src/cli/output.ts';
import { loadConfig } from '../src/config/index.ts';
import { createGoogleConnector } from '../src/connectors/google/index.ts';
import { createNotionConnector } from '../src/connectors/notion/index.ts';
import type { RunContext } from '../src/engine/context.ts';
import { runAll } from '../src/engine/runAll.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createLogger } from '../src/lib/logger.ts';

const config = loadConfig();
if (process.env.CHAOS_VALVE_MINIMUM) config.sync.deletionValveMinimum = Number(process.env.CHAOS_VALVE_MINIMUM);
const logger = createLogger({ level: config.logLevel, destination: process.stderr });
const timeoutMs = Number(process.env.CHAOS_TIMEOUT_MS ?? 1000);
const fast = { retryBaseDelayMs: 20, retryMaxDelayMs: 300, timeoutMs };
const store = await openMigratedStore(config, logger);
const credentials = config.google.credentials;
const ctx: RunContext = {
  store,
  notion: createNotionConnector({
    token: config.notion.token!,
    baseUrl: config.notion.baseUrl,
    requestsPerSecond: config.notion.requestsPerSecond,
    burst: config.notion.burst,
    maxRetries: config.notion.maxRetries,
    clock: systemClock,
    logger,
    ...fast,
  }),
  google: credentials ? createGoogleConnector({ ...credentials, apiRoot: config.google.apiRoot, requestsPerSecond: config.google.requestsPerSecond, clock: systemClock, logger, ...fast }) : undefined,
  config,
  clock: systemClock,
  logger,
};
const point = process.env.CHAOS_FAILPOINT;
if (point) {
  let hits = 0;
  const nth = Number(process.env.CHAOS_FAILPOINT_NTH ?? 1);
  ctx.failpoint = (name) => {
    if (name === point && ++hits === nth) {
      writeSync(1, `KILLED at ${name}\n`);
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
writeSync(1, 'READY\n');
try {
  const results = await runAll(ctx, { full: process.env.CHAOS_FULL === '1' });
  writeSync(1, JSON.stringify(resultsToJson(results)) + '\n');
} catch (e) {
  // As the CLI does: one line, a failed exit (the campaign records the run as failed, not crashed).
  process.stderr.write(`run failed: ${(e as Error).name}: ${(e as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await store.close().catch(() => undefined);
}
