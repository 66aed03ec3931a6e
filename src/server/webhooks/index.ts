import type { Config } from '../../config/index.ts';
import type { NotionConnector } from '../../connectors/notion/types.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { systemTimers, type Timers } from '../../lib/timers.ts';
import type { RunManager } from '../../scheduler/runManager.ts';
import type { Sql } from '../../store/types.ts';
import { WebhookDispatcher, type WebhookLagSink } from './dispatcher.ts';
import { NotionWebhooks } from './notion.ts';

export { WebhookDispatcher, MAX_TARGETED_PAGES, type ChangeOrigin, type WebhookLagSink } from './dispatcher.ts';
export { NotionWebhooks, PAGE_EVENTS, type NotionWebhookEvent, type WebhookAnswer } from './notion.ts';
export { receiveCalendarPush, CALENDAR_DATASET } from './google.ts';

/** The webhook side of the service: receivers plus the dispatcher turning their signals into runs. */
export interface Webhooks {
  dispatcher: WebhookDispatcher;
  notion: NotionWebhooks;
  /** Resolves when accepted events have been routed and the runs they started have finished. */
  idle(): Promise<void>;
  /** Stops the settle timers (pending changes are left to the next regular run). */
  close(): void;
}

export function createWebhooks(deps: {
  runs: RunManager;
  store: Sql;
  config: Config;
  notion: NotionConnector;
  logger: Logger;
  clock: Clock;
  timers?: Timers;
  onVerificationToken?: (token: string) => void;
  /** Where the lag of each change a webhook announced goes (the service's Freshness registry). */
  lags?: WebhookLagSink;
}): Webhooks {
  const dispatcher = new WebhookDispatcher({
    runs: deps.runs,
    timers: deps.timers ?? systemTimers,
    settleMs: deps.config.webhooks.settleSeconds * 1000,
    logger: deps.logger,
    lags: deps.lags,
    now: () => deps.clock.now(),
  });
  const notion = new NotionWebhooks({
    store: deps.store,
    config: deps.config,
    notion: deps.notion,
    dispatcher,
    logger: deps.logger,
    clock: deps.clock,
    onVerificationToken: deps.onVerificationToken,
  });
  return {
    dispatcher,
    notion,
    async idle() {
      await notion.routed();
      await dispatcher.idle();
    },
    close: () => dispatcher.close(),
  };
}
