/**
 * POST /webhooks/google/calendar: Google Calendar push notifications (events.watch channels).
 * Google sends no body, only headers: `X-Goog-Channel-Token` (the token given when the channel was
 * created — it must equal GOOGLE_CALENDAR_WEBHOOK_TOKEN, compared in constant time) and
 * `X-Goog-Resource-State`: `sync` (the channel now exists; nothing changed), `exists` or
 * `not_exists` (something changed: run an incremental calendar sync, after the settle window).
 */
import type { Config } from '../../config/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { secretsMatch } from '../auth.ts';
import type { WebhookDispatcher } from './dispatcher.ts';
import type { WebhookAnswer } from './notion.ts';

export const CALENDAR_DATASET = 'calendar';

export interface GoogleWebhookDeps {
  config: Config;
  dispatcher: WebhookDispatcher;
  logger: Logger;
}

export function receiveCalendarPush(deps: GoogleWebhookDeps, header: (name: string) => string | undefined): WebhookAnswer {
  const expected = deps.config.webhooks.googleChannelToken;
  if (!expected) {
    deps.logger.warn('webhooks: a Google Calendar push notification arrived but GOOGLE_CALENDAR_WEBHOOK_TOKEN is not set; refused');
    return { status: 401, body: { error: 'GOOGLE_CALENDAR_WEBHOOK_TOKEN is not set on this server' } };
  }
  const given = header('x-goog-channel-token');
  if (!secretsMatch(given ?? '', expected) || given === undefined) {
    deps.logger.warn({ hasToken: given !== undefined }, 'webhooks: rejected a Google Calendar push notification with a missing or wrong X-Goog-Channel-Token');
    return { status: 401, body: { error: 'invalid X-Goog-Channel-Token' } };
  }
  const state = header('x-goog-resource-state');
  const channel = header('x-goog-channel-id')?.slice(0, 200);
  switch (state) {
    case 'sync':
      deps.logger.info({ channel }, 'webhooks: Google Calendar channel is active');
      return { status: 200, body: { ok: true } };
    case 'exists':
    case 'not_exists': {
      const ds = deps.config.datasets.find((d) => d.name === CALENDAR_DATASET);
      if (!ds?.enabled) {
        deps.logger.info({ channel }, 'webhooks: ignored a Google Calendar notification (the calendar dataset is disabled)');
        return { status: 200, body: { ok: true, ignored: true } };
      }
      deps.dispatcher.touchDataset(CALENDAR_DATASET);
      return { status: 200, body: { ok: true } };
    }
    default:
      return { status: 400, body: { error: 'X-Goog-Resource-State must be sync, exists or not_exists' } };
  }
}
