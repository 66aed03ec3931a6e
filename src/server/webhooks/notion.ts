/**
 * POST /webhooks/notion: Notion's integration webhooks.
 *
 * 1. The handshake: when a subscription is created Notion POSTs `{"verification_token": "secret_…"}`.
 *    The token is stored (sync_state `notion_webhook_verification_token`) and handed to the
 *    operator, who pastes it into Notion to verify the subscription and sets
 *    NOTION_WEBHOOK_VERIFICATION_TOKEN to it.
 * 2. Every event carries `X-Notion-Signature: sha256=<HMAC-SHA256 of the raw body keyed by that
 *    token>`, checked in constant time (the SDK's verifyWebhookSignature) → 401 otherwise.
 * 3. Page events are signals, not data: the page's dataset is found from `data.parent` (its
 *    database or data source) and the page is synced by id after the settle window.
 *
 * A forged handshake can at worst replace a stored (not configured) token; events only ever make
 * jarvis-sync re-read pages from Notion itself, so a forged event cannot inject data.
 */
import { verifyWebhookSignature } from '@notionhq/client';
import { z } from 'zod';
import type { Config } from '../../config/index.ts';
import type { NotionConnector } from '../../connectors/notion/types.ts';
import { resolveDataSourceId } from '../../engine/dataSource.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { readState, stateKeys, writeState } from '../../store/index.ts';
import type { Sql } from '../../store/types.ts';
import type { WebhookDispatcher } from './dispatcher.ts';

/** Events that can change a synced row. (page.locked/unlocked, comments, schema and view events cannot.) */
export const PAGE_EVENTS = new Set(['page.created', 'page.properties_updated', 'page.content_updated', 'page.deleted', 'page.undeleted', 'page.moved']);

const DISCOVERY_INTERVAL_MS = 5 * 60_000;
const REREAD_INTERVAL_MS = 60_000;
const SEEN_EVENTS = 1000;

const handshakeSchema = z.object({ verification_token: z.string().min(1).max(500) });
const idSchema = z.string().min(1).max(100);
const eventSchema = z.object({
  id: idSchema,
  type: z.string().min(1).max(100),
  /** When the change happened in Notion (what the lag is measured from). */
  timestamp: z.string().max(100).optional(),
  authors: z.array(z.object({ id: idSchema, type: z.string() })).optional(),
  entity: z.object({ id: idSchema, type: z.string() }),
  data: z
    .object({
      parent: z.object({ id: idSchema, type: z.string().optional(), data_source_id: idSchema.optional() }).optional(),
    })
    .optional(),
});
export type NotionWebhookEvent = z.infer<typeof eventSchema>;

export interface NotionWebhookDeps {
  store: Sql;
  config: Config;
  notion: NotionConnector;
  dispatcher: WebhookDispatcher;
  logger: Logger;
  clock: Clock;
  /** Shows a handshake's token to the operator (the serve command prints it on stdout). */
  onVerificationToken?: (token: string) => void;
}

export interface WebhookAnswer {
  status: 200 | 400 | 401 | 503;
  body: Record<string, unknown>;
}

const normalize = (id: string) => id.toLowerCase().replace(/-/g, '');

export class NotionWebhooks {
  private storedToken: string | null | undefined;
  private readonly seen = new Set<string>();
  private readonly routing = new Set<Promise<void>>();
  private parents: Map<string, string> | null = null;
  /** Datasets whose data source id is known (from the engine's cache). */
  private discovered = new Set<string>();
  private lastDiscovery = -Infinity;
  private lastRead = -Infinity;
  private botId: Promise<string | null> | null = null;
  private botIdAt = -Infinity;

  constructor(private readonly deps: NotionWebhookDeps) {}

  async receive(raw: Uint8Array, signature: string | undefined): Promise<WebhookAnswer> {
    let body: unknown;
    try {
      body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch {
      return { status: 400, body: { error: 'the body is not JSON' } };
    }
    const isEvent = typeof body === 'object' && body !== null && 'type' in body;
    const handshake = isEvent ? null : handshakeSchema.safeParse(body);
    if (handshake?.success) return this.handshake(handshake.data.verification_token);

    const token = await this.verificationToken();
    if (!token) {
      this.deps.logger.warn('webhooks: a Notion event arrived before any verification token is known; create the subscription again so Notion sends its verification request');
      return { status: 401, body: { error: 'no verification token yet: complete the webhook verification first' } };
    }
    if (!(await verifyWebhookSignature({ body: raw, signature, verificationToken: token }))) {
      this.deps.logger.warn({ hasSignature: Boolean(signature) }, 'webhooks: rejected a Notion event with a missing or invalid X-Notion-Signature');
      return { status: 401, body: { error: 'invalid X-Notion-Signature' } };
    }
    const parsed = eventSchema.safeParse(body);
    if (!parsed.success) return { status: 400, body: { error: 'not a Notion webhook event (expected id, type, entity)' } };
    const event = parsed.data;
    if (this.seen.has(event.id)) return { status: 200, body: { ok: true, duplicate: true } };
    this.remember(event.id);
    // Answer now; finding the dataset may take a database read (or, once, a Notion request).
    const p = this.route(event)
      .catch((e: unknown) => this.deps.logger.error({ event: event.type, err: (e as Error).message }, 'webhooks: could not route a Notion event'))
      .finally(() => this.routing.delete(p));
    this.routing.add(p);
    return { status: 200, body: { ok: true } };
  }

  /** Resolves when every accepted event has been routed to the dispatcher. */
  async routed(): Promise<void> {
    while (this.routing.size) await Promise.allSettled([...this.routing]);
  }

  private async handshake(token: string): Promise<WebhookAnswer> {
    const configured = this.deps.config.webhooks.notionVerificationToken;
    try {
      await writeState(this.deps.store, stateKeys.notionWebhookVerificationToken, token);
    } catch (e) {
      this.deps.logger.error({ err: (e as Error).message }, 'webhooks: could not store the Notion verification token');
      return { status: 503, body: { error: 'the database is unavailable; Notion will retry' } };
    }
    const replaced = this.storedToken !== undefined && this.storedToken !== null && this.storedToken !== token;
    this.storedToken = token;
    this.deps.logger.warn(
      { stateKey: stateKeys.notionWebhookVerificationToken, replaced },
      `webhooks: Notion sent a verification token. Paste it into the integration's Webhooks tab to verify the subscription, then set NOTION_WEBHOOK_VERIFICATION_TOKEN to it${
        configured ? ' (NOTION_WEBHOOK_VERIFICATION_TOKEN is set to a different subscription\'s token: events are checked against that one until you change it)' : ' (until then it is read from sync_state)'
      }. The token is printed on stdout and stored in sync_state "${stateKeys.notionWebhookVerificationToken}".`,
    );
    this.deps.onVerificationToken?.(token);
    return { status: 200, body: { ok: true } };
  }

  private async verificationToken(): Promise<string | null> {
    const configured = this.deps.config.webhooks.notionVerificationToken;
    if (configured) return configured;
    if (!this.storedToken) this.storedToken = await readState(this.deps.store, stateKeys.notionWebhookVerificationToken);
    return this.storedToken;
  }

  private remember(id: string): void {
    this.seen.add(id);
    if (this.seen.size > SEEN_EVENTS) this.seen.delete(this.seen.values().next().value!);
  }

  private async route(event: NotionWebhookEvent): Promise<void> {
    const log = this.deps.logger;
    if (!PAGE_EVENTS.has(event.type) || event.entity.type !== 'page') {
      log.debug({ event: event.type }, `webhooks: ignored a Notion ${event.type} event (it cannot change a synced row)`);
      return;
    }
    if (await this.isOwnWrite(event)) {
      log.debug({ event: event.type, page: event.entity.id }, 'webhooks: ignored the echo of a write jarvis-sync made itself');
      return;
    }
    const parent = event.data?.parent;
    const candidates = [parent?.data_source_id, parent?.id].filter((x): x is string => Boolean(x));
    const dataset = candidates.length ? await this.datasetOf(candidates) : null;
    if (!dataset) {
      log.info(
        { event: event.type, page: event.entity.id, parent: parent?.id ?? null },
        'webhooks: ignored a Notion event for a page outside the configured databases',
      );
      return;
    }
    // Made when Notion says (never later than now: a clock ahead of ours would shorten the lag).
    const now = this.deps.clock.now();
    const at = Date.parse(event.timestamp ?? '');
    this.deps.dispatcher.touchPage(dataset, event.entity.id, 'webhook', Number.isFinite(at) ? Math.min(at, now) : now);
  }

  /**
   * An event whose every author is our own integration: a write a run made, already in sync (a
   * change by anyone else lists them as an author too). Asking Notion who we are costs one
   * request, made only when such an event arrives, then remembered.
   */
  private async isOwnWrite(event: NotionWebhookEvent): Promise<boolean> {
    const authors = event.authors ?? [];
    if (!authors.length || authors.some((a) => a.type !== 'bot')) return false;
    const now = this.deps.clock.now();
    if (!this.botId || (now - this.botIdAt >= DISCOVERY_INTERVAL_MS && (await this.botId) === null)) {
      this.botIdAt = now;
      this.botId = this.deps.notion.whoami().then(
        (me) => (me.type === 'bot' ? normalize(me.id) : null),
        (e: unknown) => {
          this.deps.logger.warn({ err: (e as Error).message }, 'webhooks: could not ask Notion for our bot id; echoes of our own writes will be synced (harmlessly)');
          return null;
        },
      );
    }
    const me = await this.botId;
    return me !== null && authors.every((a) => normalize(a.id) === me);
  }

  /**
   * The dataset whose database or data source is one of `ids`. The map is re-read at most once a
   * minute (events for pages outside the synced databases must not cost queries each), and on a
   * miss the data sources not discovered yet are looked up in Notion, at most every 5 minutes.
   */
  private async datasetOf(ids: string[]): Promise<string | null> {
    const find = (m: Map<string, string>) => ids.map((id) => m.get(normalize(id))).find(Boolean) ?? null;
    const now = this.deps.clock.now();
    if (!this.parents || now - this.lastRead >= REREAD_INTERVAL_MS) {
      this.parents = await this.readParents();
      this.lastRead = now;
    }
    const hit = find(this.parents);
    if (hit || now - this.lastDiscovery < DISCOVERY_INTERVAL_MS) return hit;
    const undiscovered = this.notionDatasets().filter((ds) => !this.discovered.has(ds.name));
    if (!undiscovered.length) return null;
    this.lastDiscovery = now;
    for (const ds of undiscovered) {
      try {
        await resolveDataSourceId(this.deps.store, this.deps.notion, ds, true);
      } catch (e) {
        this.deps.logger.warn({ dataset: ds.name, err: (e as Error).message }, `webhooks: could not look up the data source of ${ds.name}`);
      }
    }
    this.parents = await this.readParents();
    return find(this.parents);
  }

  private notionDatasets() {
    return this.deps.config.datasets.filter((d) => d.enabled && d.databaseId && (d.pattern === 'one-way' || d.pattern === 'two-way'));
  }

  /** Configured ids, plus the data source ids the engine discovered (sync_state `notion_data_source_<dataset>`). */
  private async readParents(): Promise<Map<string, string>> {
    const map = new Map<string, string>();
    this.discovered = new Set();
    for (const ds of this.notionDatasets()) {
      map.set(normalize(ds.databaseId!), ds.name);
      const cached = await readState(this.deps.store, stateKeys.notionDataSource(ds.name));
      if (!cached) continue;
      try {
        const parsed = JSON.parse(cached) as { configuredId?: string; dataSourceId?: string };
        if (parsed.configuredId === ds.databaseId && parsed.dataSourceId) {
          map.set(normalize(parsed.dataSourceId), ds.name);
          this.discovered.add(ds.name);
        }
      } catch {
        // A malformed cache entry is the engine's to rewrite; the configured id still maps.
      }
    }
    return map;
  }
}
