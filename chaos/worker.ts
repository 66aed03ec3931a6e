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
 * - CHAOS_WRITE_LOG=<file>: the process logs its leases and writes there (chaos/writeLog.ts), the
 *   evidence of the lock oracle ("0 overlapping runs").
 * - The lock campaigns (chaos/locks.ts): CHAOS_LEASE_TTL_MS sets the lease ttl (the heartbeat is a
 *   third of it), so a killed holder's lease expires in seconds; CHAOS_REMOTE_IDENTITY=1 makes the
 *   process look as if it ran on another machine (no process key: its death cannot be proven from
 *   here, so a successor must wait out the ttl); CHAOS_START_GATE=<file> holds the run after READY
 *   until that file exists (two processes start their runs at the same instant).
 * - TEST ONLY: CHAOS_LEASE_OFF=1 makes the leases exclude nothing (chaos/writeLog.ts), and
 *   CHAOS_WRITE_DELAY_MS slows each Notion write; test/chaos/locks.test.ts uses them to prove that
 *   the oracle sees two runs writing at once.
 *
 * stdout: `READY` once the store is open (the campaign's random kills start counting there),
 * `LEASE <name> <token>` at each lease taken, then the `--json` summary line.
 */
import { existsSync, writeSync } from 'node:fs';
import { openMigratedStore } from '../src/cli/app.ts';
import { resultsToJson } from '../src/engine/result.ts';
import { loadConfig } from '../src/config/index.ts';
import { createGoogleConnector } from '../src/connectors/google/index.ts';
import { createNotionConnector } from '../src/connectors/notion/index.ts';
import type { RunContext } from '../src/engine/context.ts';
import { runAll } from '../src/engine/runAll.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createLogger } from '../src/lib/logger.ts';
import { now, recordingContext, RunLog } from './writeLog.ts';

const config = loadConfig();
if (process.env.CHAOS_VALVE_MINIMUM) config.sync.deletionValveMinimum = Number(process.env.CHAOS_VALVE_MINIMUM);
const logger = createLogger({ level: config.logLevel, destination: process.stderr });
const timeoutMs = Number(process.env.CHAOS_TIMEOUT_MS ?? 1000);
const fast = { retryBaseDelayMs: 20, retryMaxDelayMs: 300, timeoutMs };
const store = await openMigratedStore(config, logger);
const credentials = config.google.credentials;
let ctx: RunContext = {
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
const leaseTtlMs = Number(process.env.CHAOS_LEASE_TTL_MS ?? 0);
if (leaseTtlMs > 0 || process.env.CHAOS_REMOTE_IDENTITY === '1') {
  ctx.lease = {
    ...(leaseTtlMs > 0 ? { ttlMs: leaseTtlMs } : {}),
    ...(process.env.CHAOS_REMOTE_IDENTITY === '1' ? { identity: { owner: `chaos-remote-machine pid ${process.pid}`, process: null } } : {}),
  };
}
const runLog = process.env.CHAOS_WRITE_LOG ? new RunLog(process.env.CHAOS_WRITE_LOG) : null;
if (runLog) {
  ctx = recordingContext(ctx, runLog, {
    leaseOff: process.env.CHAOS_LEASE_OFF === '1',
    writeDelayMs: Number(process.env.CHAOS_WRITE_DELAY_MS ?? 0),
    onAcquired: (lease, token) => writeSync(1, `LEASE ${lease} ${token}\n`),
  });
}
const point = process.env.CHAOS_FAILPOINT;
if (point) {
  let hits = 0;
  const nth = Number(process.env.CHAOS_FAILPOINT_NTH ?? 1);
  ctx.failpoint = (name) => {
    if (name === point && ++hits === nth) {
      writeSync(1, `KILLED at ${name}\n`);
      runLog?.append({ ev: 'killed', at: now() });
      process.kill(process.pid, 'SIGKILL');
    }
  };
}
writeSync(1, 'READY\n');
const gate = process.env.CHAOS_START_GATE;
if (gate) while (!existsSync(gate)) await new Promise((r) => setTimeout(r, 5));
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
