/**
 * `jarvis-sync serve` — the service: the HTTP API (src/server), the scheduler, webhooks and error
 * notifications around one RunManager, until SIGINT/SIGTERM. `jarvis-sync start` (`npm start`)
 * runs it; with no credentials configured it runs it in demo mode: the sample workspace in a local
 * Notion emulator whose webhooks are pointed at the service, edited every few seconds as a user would.
 *
 * Shutdown, in order: the scheduler and webhook timers stop; running runs get up to 15 s to finish
 * (new ones are refused with 503); the HTTP server closes; the store closes (releasing the engine's
 * advisory locks with its connections). A second signal exits at once.
 */
import { requireNotionToken, type Config } from '../../config/index.ts';
import { headline } from '../output.ts';
import { systemClock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { createNotifier } from '../../notify/index.ts';
import { createScheduler, type Scheduler } from '../../scheduler/index.ts';
import { createApp } from '../../server/app.ts';
import { dashboardRoutes } from '../../server/dashboard/index.ts';
import { assertSafeBind, isLoopback, startHttpServer, type HttpServer } from '../../server/http.ts';
import { RunManager, type RunNotifier, type RunRecord } from '../../server/runManager.ts';
import { createWebhooks } from '../../server/webhooks/index.ts';
import type { Store } from '../../store/types.ts';
import { describePooling, detectTransactionPooling } from '../../store/poolerDetect.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { editLikeAUser, startDemoWorkspace, type DemoWorkspace } from './demo.ts';

/** How long running runs may take to finish on shutdown. */
const DRAIN_TIMEOUT_MS = 15_000;
/** The demo's Notion emulator signs its webhooks with this (it is only ever used on loopback). */
const DEMO_WEBHOOK_TOKEN = 'secret_demo_webhook_verification_token';

export interface ServeOptions {
  /** Demo mode: the sample workspace in a local emulator (what `npm start` runs with nothing configured). */
  demo?: boolean;
  /** Demo mode: seconds between the simulated user's edits (default 10). */
  editIntervalSeconds?: number;
  /** Resolves when the service should stop (default: SIGINT or SIGTERM). */
  until?: Promise<void>;
}

export async function serveCommand(cmd: ParsedCommand, base: Config, baseLogger: Logger, out: (s: string) => void, opts: ServeOptions = {}): Promise<number> {
  const host = typeof cmd.flags.host === 'string' ? cmd.flags.host : base.server.host;
  const port = numberFlag(cmd.flags, 'port', { min: 0, max: 65535, integer: true }) ?? base.server.port;
  const apiToken = base.server.apiToken;
  // Before anything is opened: an exposed API without a token is a configuration error.
  assertSafeBind(host, apiToken);
  if (!opts.demo && !base.google.credentials) requireNotionToken(base);

  const logger = opts.demo ? baseLogger.child({ mode: 'demo' }) : baseLogger;
  const cleanup: Array<() => Promise<void> | void> = [];
  const runCleanup = async () => {
    for (const fn of cleanup.reverse()) {
      try {
        await fn();
      } catch (e) {
        logger.error({ err: (e as Error).message }, 'shutdown step failed');
      }
    }
  };

  let stopping = false;
  let demoTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    let demo: DemoWorkspace | undefined;
    let config = base;
    if (opts.demo) {
      demo = await startDemoWorkspace(base, { NOTION_WEBHOOK_VERIFICATION_TOKEN: DEMO_WEBHOOK_TOKEN });
      cleanup.push(() => demo!.close());
      config = demo.config;
    }
    const store: Store = await openMigratedStore(config, logger, demo ? { dataDir: demo.dataDir } : {});
    cleanup.push(() => store.close());
    if (config.database.url) logPooling(config.database.url, logger);
    const clock = systemClock;
    const ctx = createRunContext(config, store, logger, clock);
    const notifier = createNotifier({ config, logger, clock });
    const runs = new RunManager({ context: ctx, logger, clock, notifier: reportingNotifier(notifier, out) });
    const webhooks = createWebhooks({
      runs,
      store,
      config,
      notion: ctx.notion,
      logger,
      clock,
      onVerificationToken: (token) =>
        out(
          `Notion webhook verification token: ${token}\n  Paste it into your integration's Webhooks tab (Verify), then set NOTION_WEBHOOK_VERIFICATION_TOKEN=${token} and restart.`,
        ),
    });
    const dashboard = dashboardRoutes({ store, config, runs, now: () => clock.now() });
    const app = createApp({ runs, store, config, logger, clock, apiToken, mode: demo ? 'demo' : 'live', webhooks, dashboard });
    const server: HttpServer = await startHttpServer(app, { host, port });
    cleanup.push(() => server.close());
    cleanup.push(() => runs.drain(DRAIN_TIMEOUT_MS));
    cleanup.push(() => webhooks.close());

    const scheduler: Scheduler = createScheduler({ runs, config, logger, clock });
    scheduler.start();
    cleanup.push(() => scheduler.stop());

    if (demo) {
      out(`jarvis-sync — DEMO MODE (no credentials are configured): a sample Notion workspace (${demo.contents})`);
      out(`served by the local Notion emulator at ${demo.url}, synced into the embedded PGlite database at ${demo.dataDir}.`);
      out(`The emulator sends its webhooks to this service, so edits reach Postgres within seconds.`);
      out(`Set NOTION_TOKEN and NOTION_<DATASET>_DATABASE_ID to sync your own workspace (see README.md).`);
    }
    out(`jarvis-sync: serving on ${server.url} — dashboard ${server.url}/, health ${server.url}/health; Ctrl-C stops.`);
    if (!apiToken) {
      logger.warn({ host }, `SYNC_API_TOKEN is not set: listening on ${host} only, and the API answers local requests without a token. Set SYNC_API_TOKEN to require one (and to listen on other addresses).`);
    }
    logger.info({ url: server.url, schedule: scheduler.nextRuns().map((r) => `${r.name} ${r.cron}`) }, 'jarvis-sync service started');

    // Sync now, as `start` always has; the scheduler takes it from there.
    const first = runs.start('all', demo ? { full: true } : {}, 'schedule');
    if ('conflict' in first) logger.info({ run: first.conflict }, 'initial sync skipped: a run is already going');

    if (demo) {
      const webhookUrl = `${isLoopback(host) ? server.url : `http://127.0.0.1:${server.port}`}/webhooks/notion`;
      demo.emulator.setWebhook({ url: webhookUrl, verificationToken: DEMO_WEBHOOK_TOKEN });
      const interval = (opts.editIntervalSeconds ?? 10) * 1000;
      let cycle = 0;
      const edit = async () => {
        if (stopping) return;
        cycle++;
        try {
          out(`[${new Date().toISOString()}] demo: ${await editLikeAUser(demo!.emulator, store, demo!.ids, cycle)}`);
          // Notion edits arrive by webhook; a Postgres edit (and a trashed page) is found by a run.
          if (cycle % 3 === 0) {
            const r = runs.start('all', { full: cycle % 6 === 0 }, 'schedule');
            if ('conflict' in r) logger.debug('demo: a sync is already running');
          }
        } catch (e) {
          logger.warn({ err: (e as Error).message }, 'demo: the simulated edit failed');
        }
        if (!stopping) demoTimer = setTimeout(edit, interval);
      };
      demoTimer = setTimeout(edit, interval);
      cleanup.push(() => {
        clearTimeout(demoTimer);
        demo!.emulator.setWebhook(null);
      });
    }

    await (opts.until ?? untilSignal(logger));
    stopping = true;
    logger.info('stopping: finishing running syncs');
    out('jarvis-sync: stopping…');
    return 0;
  } finally {
    stopping = true;
    if (demoTimer) clearTimeout(demoTimer);
    await runCleanup();
  }
}

/** Prints one line per finished run on stdout (logs carry the details), then hands the run to the notifier. */
function reportingNotifier(notifier: RunNotifier, out: (s: string) => void): RunNotifier {
  return {
    async recordRun(record: RunRecord) {
      const ran = record.results.filter((r) => r.status !== 'skipped');
      const what = `sync ${record.target}${record.options.pageIds ? ` (${record.options.pageIds.length} page${record.options.pageIds.length > 1 ? 's' : ''})` : ''}, ${record.trigger}`;
      out(`[${record.finishedAt ?? new Date().toISOString()}] ${what}: ${record.status}${record.error ? ` — ${record.error}` : ''}`);
      for (const r of ran) if (r.status !== 'success' || r.created + r.updated + r.deleted + r.restored + r.errors.length > 0) out(`  ${headline(r)}`);
      await notifier.recordRun(record);
    },
  };
}

function untilSignal(logger: Logger): Promise<void> {
  return new Promise((resolve) => {
    let signalled = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) {
        logger.warn({ signal }, 'second signal: exiting without waiting for running syncs');
        process.exit(130);
      }
      signalled = true;
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** Says at start whether the database is behind a transaction pooler (in the background: never delays the start). */
function logPooling(databaseUrl: string, logger: Logger): void {
  detectTransactionPooling(databaseUrl).then(
    (r) => (r.pooling === 'transaction' ? logger.warn({ pooling: r.pooling }, describePooling(r)) : logger.debug({ pooling: r.pooling }, describePooling(r))),
    (e: unknown) => logger.debug({ err: (e as Error).message }, 'could not check for a transaction pooler'),
  );
}
