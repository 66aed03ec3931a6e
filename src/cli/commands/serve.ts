/**
 * `jarvis-sync serve` — the service: the HTTP API (src/server), the scheduler, webhooks and error
 * notifications around one RunManager, until SIGINT/SIGTERM. `jarvis-sync start` (`npm start`)
 * runs it; with no credentials configured it runs it in demo mode: the sample Notion workspace and
 * Google account in the local emulators, whose webhooks (Notion's, Google Calendar's push
 * notifications) are pointed at the service, edited every few seconds as a user would.
 *
 * Shutdown, in order: the scheduler and webhook timers stop; running runs get up to 15 s to finish
 * (new ones are refused with 503); the HTTP server closes; the store closes (releasing the engine's
 * advisory locks with its connections). A second signal exits at once.
 */
import { requireNotionToken, type Config } from '../../config/index.ts';
import { headline } from '../output.ts';
import type { RunOptions } from '../../engine/context.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { systemTimers, type Timers } from '../../lib/timers.ts';
import { createNotifier } from '../../notify/index.ts';
import { createScheduler, type Scheduler } from '../../scheduler/index.ts';
import { startPostgresChanges } from '../../scheduler/postgresChanges.ts';
import { Freshness, startPolling } from '../../scheduler/polling.ts';
import { RunManager, type RunNotifier, type RunRecord } from '../../scheduler/runManager.ts';
import { createApp } from '../../server/app.ts';
import { dashboardRoutes } from '../../server/dashboard/index.ts';
import { assertSafeBind, isLoopback, startHttpServer, type HttpServer } from '../../server/http.ts';
import { Metrics } from '../../server/metrics.ts';
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
/** The channel token of the demo's Google Calendar watch (GOOGLE_CALENDAR_WEBHOOK_TOKEN; loopback only). */
const DEMO_CALENDAR_CHANNEL_TOKEN = 'demo-calendar-channel-token';

export interface ServeOptions {
  /** Demo mode: the sample workspace in a local emulator (what `npm start` runs with nothing configured). */
  demo?: boolean;
  /** Demo mode: seconds between the simulated user's edits (default 10). */
  editIntervalSeconds?: number;
  /** Resolves when the service should stop (default: SIGINT or SIGTERM). */
  until?: Promise<void>;
  /**
   * The service's time (default the system clock and real timers). Tests pass a FakeClock and
   * ManualTimers (src/lib/timers.ts): the demo's edits, the webhook settle windows and the
   * schedule then happen when the test advances them, and no one waits.
   */
  clock?: Clock;
  timers?: Timers;
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
  let demoTimer: unknown;
  try {
    let demo: DemoWorkspace | undefined;
    let config = base;
    const clock = opts.clock ?? systemClock;
    if (opts.demo) {
      demo = await startDemoWorkspace(
        base,
        { NOTION_WEBHOOK_VERIFICATION_TOKEN: DEMO_WEBHOOK_TOKEN, GOOGLE_CALENDAR_WEBHOOK_TOKEN: DEMO_CALENDAR_CHANNEL_TOKEN },
        { clock },
      );
      cleanup.push(() => demo!.close());
      config = demo.config;
    }
    const store: Store = await openMigratedStore(config, logger, demo ? { dataDir: demo.dataDir } : {});
    cleanup.push(() => store.close());
    if (config.database.url) logPooling(config.database.url, logger);
    const ctx = createRunContext(config, store, logger, clock);
    // Counts in the database: they survive a restart and add up with `jarvis-sync sync` from cron.
    const notifier = createNotifier({ config, logger, clock, store });
    // Every finished run counts into what GET /metrics shows.
    const metrics = new Metrics();
    const runs = new RunManager({ context: ctx, logger, clock, notifier: reportingNotifier(notifier, out, clock), timers: opts.timers, metrics });
    // How each dataset's changes arrive and their measured lags: filled in by the webhooks, the
    // pollers and the Postgres change listener below, shown by the dashboard and /metrics.
    const freshness = new Freshness();
    cleanup.push(metrics.watchFreshness(freshness));
    const webhooks = createWebhooks({
      runs,
      store,
      config,
      notion: ctx.notion,
      logger,
      clock,
      timers: opts.timers,
      onVerificationToken: (token) =>
        out(
          `Notion webhook verification token: ${token}\n  Paste it into your integration's Webhooks tab (Verify), then set NOTION_WEBHOOK_VERIFICATION_TOKEN=${token} and restart.`,
        ),
      lags: freshness,
    });
    const dashboard = dashboardRoutes({ store, config, runs, now: () => clock.now(), freshness });
    const app = createApp({ runs, store, config, logger, clock, apiToken, mode: demo ? 'demo' : 'live', webhooks, dashboard, metrics });
    const server: HttpServer = await startHttpServer(app, { host, port });
    cleanup.push(() => server.close());
    cleanup.push(() => runs.drain(DRAIN_TIMEOUT_MS));
    cleanup.push(() => webhooks.close());

    const scheduler: Scheduler = createScheduler({ runs, config, logger, clock, timers: opts.timers });
    scheduler.start();
    cleanup.push(() => scheduler.stop());

    // Polling where no webhook delivers changes: Notion and Google (src/scheduler/polling.ts).
    const polling = await startPolling({ config, store, notion: ctx.notion, google: ctx.google, runs, dispatcher: webhooks.dispatcher, logger, clock, timers: opts.timers ?? systemTimers, freshness });
    cleanup.push(() => polling.stop());

    // Postgres → Notion in seconds: edits to two-way rows start targeted syncs (src/scheduler/postgresChanges.ts).
    const postgresChanges = startPostgresChanges({ runs, store, config, logger, clock, timers: opts.timers ?? systemTimers, freshness });
    cleanup.push(() => postgresChanges.close());

    if (demo) {
      out(`jarvis-sync — DEMO MODE (no credentials are configured): a sample Notion workspace (${demo.contents})`);
      out(`served by the local Notion emulator at ${demo.url},`);
      out(`and a sample Google account (${demo.googleContents}) served by the local Google emulator at ${demo.googleUrl},`);
      out(`synced into the embedded PGlite database at ${demo.dataDir} — all nine datasets, contacts three ways (Notion ⇄ Postgres ⇄ Google).`);
      out(`Notion's webhooks and Google Calendar's push notifications reach this service, so edits arrive within seconds; Gmail and Google Contacts are read by a sync.`);
      out(`Set NOTION_TOKEN and NOTION_<DATASET>_DATABASE_ID, and GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN, to sync your own (see README.md).`);
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
      const self = isLoopback(host) ? server.url : `http://127.0.0.1:${server.port}`;
      demo.emulator.setWebhook({ url: `${self}/webhooks/notion`, verificationToken: DEMO_WEBHOOK_TOKEN });
      demo.google.setCalendarWatch({ url: `${self}/webhooks/google/calendar`, token: DEMO_CALENDAR_CHANNEL_TOKEN });
      const timers = opts.timers ?? systemTimers;
      const interval = (opts.editIntervalSeconds ?? 10) * 1000;
      // A run the demo needs (an edit no webhook announces): started when no run is in its way.
      const syncWhenFree = async (target: string, options: RunOptions) => {
        while (!stopping) {
          const r = runs.start(target, options, 'schedule');
          if (!('conflict' in r)) {
            await r.done;
            return;
          }
          await runs.whenDone(r.conflict);
        }
      };
      let cycle = 0;
      const edit = async () => {
        if (stopping) return;
        cycle++;
        try {
          const done = await editLikeAUser(demo!, store, cycle, clock);
          // Delivered before the line is printed: by then the service has the change in hand.
          await Promise.all([demo!.emulator.flushWebhooks(), demo!.google.flushCalendarPushes()]);
          out(`[${new Date(clock.now()).toISOString()}] demo: ${done.description}`);
          // Notion's and Calendar's edits arrive by webhook; Gmail, Google Contacts, a Postgres edit and a trashed page by a run.
          if (done.sync) {
            syncWhenFree(done.sync.dataset, done.sync.full ? { full: true } : {}).catch((e: unknown) =>
              logger.debug({ err: (e as Error).message }, 'demo: the sync after an edit did not start'),
            );
          }
        } catch (e) {
          logger.warn({ err: (e as Error).message }, 'demo: the simulated edit failed');
        }
        if (!stopping) demoTimer = timers.setTimeout(edit, interval);
      };
      demoTimer = timers.setTimeout(edit, interval);
      cleanup.push(() => {
        timers.clearTimeout(demoTimer);
        demo!.emulator.setWebhook(null);
        demo!.google.setCalendarWatch(null);
      });
    }

    await (opts.until ?? untilSignal(logger));
    stopping = true;
    logger.info('stopping: finishing running syncs');
    out('jarvis-sync: stopping…');
    return 0;
  } finally {
    stopping = true;
    if (demoTimer !== undefined) (opts.timers ?? systemTimers).clearTimeout(demoTimer);
    await runCleanup();
  }
}

/** Prints one line per finished run on stdout (logs carry the details), then hands the run to the notifier. */
function reportingNotifier(notifier: RunNotifier, out: (s: string) => void, clock: Clock): RunNotifier {
  return {
    async recordRun(record: RunRecord) {
      const ran = record.results.filter((r) => r.status !== 'skipped');
      const what = `sync ${record.target}${record.options.pageIds ? ` (${record.options.pageIds.length} page${record.options.pageIds.length > 1 ? 's' : ''})` : ''}, ${record.trigger}`;
      out(`[${record.finishedAt ?? new Date(clock.now()).toISOString()}] ${what}: ${record.status}${record.error ? ` — ${record.error}` : ''}`);
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
