/**
 * The service's polling, in one call (serve.ts): the Notion poller (notionPoller.ts) and the
 * Google poller (googlePoller.ts) feeding the webhook dispatcher, and Freshness — per dataset, how
 * changes arrive and the last measured lag — for the dashboard and /metrics.
 *
 * `polling.enabled: false` turns both off: changes then arrive by webhook where one is set up, else
 * by the schedule.
 */
import type { Config } from '../config/index.ts';
import type { GoogleConnector } from '../connectors/google/types.ts';
import type { NotionConnector } from '../connectors/notion/types.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { readState, stateKeys } from '../store/index.ts';
import type { Sql } from '../store/types.ts';
import { Freshness } from './freshness.ts';
import { GooglePoller, googlePollFeeds } from './googlePoller.ts';
import type { Timers } from './index.ts';
import { LagTracker, type RunsView } from './lagTracker.ts';
import { NotionPoller, notionPollDatasets, type ChangeSink } from './notionPoller.ts';

export { Freshness, type ChangeArrival, type ChangeSource, type DatasetFreshness, type LagListener } from './freshness.ts';


export interface PollingDeps {
  config: Config;
  store: Sql;
  notion: NotionConnector | null;
  google?: GoogleConnector;
  runs: RunsView;
  dispatcher: ChangeSink;
  logger: Logger;
  clock: Clock;
  timers: Timers;
  /** The registry to report into (serve hands the dashboard's and /metrics' one); default a new one. */
  freshness?: Freshness;
}

export interface Polling {
  freshness: Freshness;
  notion: NotionPoller | null;
  google: GooglePoller | null;
  /** Stops both pollers; resolves once a poll in progress has finished. */
  stop(): Promise<void>;
}

/** Whether Notion webhooks are set up: the verification token configured, or left by a handshake. */
export async function notionWebhooksActive(config: Config, store: Sql): Promise<boolean> {
  if (config.webhooks.notionVerificationToken) return true;
  return (await readState(store, stateKeys.notionWebhookVerificationToken)) !== null;
}

export async function startPolling(deps: PollingDeps): Promise<Polling> {
  const { config, store, logger } = deps;
  const freshness = deps.freshness ?? new Freshness();
  const lags = new LagTracker(freshness);
  const common = { config, store, runs: deps.runs, dispatcher: deps.dispatcher, freshness, lags, logger, clock: deps.clock, timers: deps.timers };

  if (!config.polling.enabled) {
    // Declared all the same, so the dashboard can say how changes arrive.
    const webhooks = await notionWebhooksActive(config, store).catch(() => Boolean(config.webhooks.notionVerificationToken));
    for (const ds of notionPollDatasets(config)) freshness.set(ds.name, 'notion', webhooks ? 'webhook' : 'schedule', null);
    for (const { feed, ds } of googlePollFeeds(config)) freshness.set(ds.name, 'google', feed === 'calendar' && config.webhooks.googleChannelToken ? 'webhook' : 'schedule', null);
    logger.info('polling is off (polling.enabled: false): changes arrive by webhook where one is set up, else by the schedule');
    return { freshness, notion: null, google: null, stop: async () => undefined };
  }

  const notion =
    deps.notion && config.notion.token && notionPollDatasets(config).length
      ? new NotionPoller({ ...common, notion: deps.notion, webhooksActive: () => notionWebhooksActive(config, store) })
      : null;
  const google = deps.google && googlePollFeeds(config).length ? new GooglePoller({ ...common, google: deps.google }) : null;
  await notion?.start();
  google?.start();
  return {
    freshness,
    notion,
    google,
    async stop() {
      await Promise.all([notion?.stop(), google?.stop()]);
    },
  };
}
