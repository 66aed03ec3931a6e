/**
 * Public types of the Notion emulator. Response objects are kept loose on purpose (like the
 * connector's NotionPage): the SDK's own types lack `has_more` on relation values.
 */
import type { Clock } from '../../src/lib/clock.ts';
import type { ResponseRecorder } from '../shared/recorder.ts';

/** A property schema entry in the create-data-source config shape, e.g. `{ type: 'select', select: { options: [...] } }`. */
export interface SeedPropertyConfig {
  type: string;
  description?: string | null;
  [config: string]: any;
}

export interface SeedPage {
  id?: string;
  created_time?: string;
  last_edited_time?: string;
  in_trash?: boolean;
  /** Values in the pages.create write shape, keyed by property name. */
  properties?: Record<string, any>;
}

export interface SeedDatabase {
  id?: string;
  dataSourceId?: string;
  title: string;
  /**
   * Property name → config. Relations name their target with `relation.data_source_id`, which in a
   * seed may also be the target's database id or database title (resolved order-independently).
   */
  // `undefined` entries are skipped: TypeScript widens an array of differently shaped literal
  // databases to optional `undefined` keys, and such seeds should still type-check.
  properties: Record<string, SeedPropertyConfig | undefined>;
  pages?: SeedPage[];
}

export interface SeedFile {
  databases: SeedDatabase[];
}

export interface RateLimit {
  requestsPerSecond: number;
  /** Bucket size; defaults to max(1, requestsPerSecond). */
  burst?: number;
}

export interface FaultConfig {
  /** Probability (0..1) that a matching request fails. */
  rate: number;
  /** Statuses to pick from (uniformly): 409, 429, 500, 502, 503, 504, 529. Default [500, 503]. */
  statuses?: number[];
  /** Also destroy sockets (one more equally likely outcome next to the statuses). */
  drop?: boolean;
  /** Added delay (on the emulator clock) for every matching request, faulted or not. */
  latencyMs?: number;
  /** Only requests whose endpoint key (e.g. "POST /v1/pages") matches are affected. */
  only?: RegExp;
  /** A faulted write is applied first and then answered with the failure ("committed, then timed out"). */
  commitThenFail?: boolean;
}

export type QueryOverride = 'empty' | { truncateTo: number } | null;

export interface NotionEmulatorOptions {
  /** Default systemClock; timestamps and the rate limiter use it. */
  clock?: Clock;
  /** Reports every response sent over HTTP (status and JSON body); the official-types test records with it. */
  recorder?: ResponseRecorder;
  /** Accepted bearer tokens; default: any non-empty token. */
  tokens?: string[];
  /** The integration's bot user id (last_edited_by of API writes). */
  botId?: string;
  /** Default null (off). */
  rateLimit?: RateLimit | null;
  /** Rows one query (one filter + sort) may return before it reports incomplete; default 10000. */
  queryResultCap?: number;
  seed?: SeedFile;
  /** Seeded RNG for fault injection; default a PRNG seeded with 1. */
  random?: () => number;
  /** How webhook deliveries are sent; default the global fetch. */
  webhookFetch?: typeof fetch;
  /**
   * Wake webhook deliveries when they fall due (e.g. ManualTimers on the test's FakeClock). Default:
   * real timers with the system clock; with another clock, events fall due when flushWebhooks() is
   * called or a request arrives, at the clock's time.
   */
  timers?: Timers;
  webhookTiming?: WebhookTiming;
}

export interface WebhookSubscription {
  /** Where events are POSTed, e.g. http://127.0.0.1:8787/webhooks/notion. */
  url: string;
  /** Bodies are signed with it: `X-Notion-Signature: sha256=<HMAC-SHA256(raw body, token)>`. */
  verificationToken: string;
  /** Event types to send (default: every type the emulator produces). */
  events?: string[];
  /** The payloads' api_version (default 2025-09-03); 2022-06-28 gets database.* instead of data_source.* events. */
  apiVersion?: '2022-06-28' | '2025-09-03' | '2026-03-11';
}

/** setTimeout/clearTimeout on the emulator's clock (same shape as src/lib/timers.ts's Timers). */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface WebhookTiming {
  /** Delay of page.created, page.deleted, … and of a quiet page's first page.properties_updated (default 2000). */
  delayMs?: number;
  /** Later property edits (and content edits) within this window are combined into one event (default 60000). */
  windowMs?: number;
}

export interface WebhookDelivery {
  id: string;
  type: string;
  entityId: string;
  /** HTTP status of the last attempt, or 'error' (network failure). */
  status: number | 'error';
  attempts: number;
}

export interface UserRef {
  object: 'user';
  id: string;
}

/** A page in the API read shape (see the SDK's PageObjectResponse). */
export interface PageObject {
  object: 'page';
  id: string;
  created_time: string;
  last_edited_time: string;
  created_by: UserRef;
  last_edited_by: UserRef;
  cover: any;
  icon: any;
  parent: Record<string, any>;
  in_trash: boolean;
  archived?: boolean;
  is_archived?: boolean;
  is_locked: boolean;
  properties: Record<string, { id: string; type: string; has_more?: boolean; [k: string]: any }>;
  url: string;
  public_url: string | null;
}

export interface NotionEmulator {
  /** Resolves to the base URL, e.g. http://127.0.0.1:PORT (no /v1). Port 0 (default) picks a free one. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** The base URL; throws before listen(). */
  readonly url: string;
  /** The request handler, usable inside another http server. */
  handle(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void;

  // Workspace control: acts as a person in the Notion UI (last_edited_by = a person user).
  seed(seed: SeedFile): void;
  createDatabase(def: SeedDatabase): { databaseId: string; dataSourceId: string };
  createPage(dataSourceId: string, properties: Record<string, any>, opts?: { id?: string; createdTime?: string }): PageObject;
  updatePage(pageId: string, properties: Record<string, any>): PageObject;
  trashPage(pageId: string, inTrash?: boolean): PageObject;
  getPage(pageId: string): PageObject | undefined;
  listPages(dataSourceId: string, opts?: { includeTrashed?: boolean }): PageObject[];

  // Webhooks: page changes (API or control) are POSTed, signed, to the subscription's URL.
  /** Subscribes (or, with null, unsubscribes) a webhook endpoint. */
  setWebhook(sub: WebhookSubscription | null): void;
  /** The handshake: POSTs `{"verification_token": …}` to `url` (token: the given one, else the subscription's, else a new one). */
  sendVerification(url: string, verificationToken?: string): Promise<{ status: number; verificationToken: string }>;
  /** A person edits the page's body (page.content_updated; the emulator keeps no blocks). */
  editPageContent(pageId: string): PageObject;
  /** A person moves the row to another data source (page.moved); same-named, same-typed values move along. */
  movePage(pageId: string, dataSourceId: string): PageObject;
  /** A person edits the schema, in the PATCH /v1/data_sources/:id `properties` shape (data_source.schema_updated). */
  updateSchema(dataSourceId: string, properties: Record<string, any>): void;
  /** Holds deliveries back (events still queue) until resumeWebhooks() or flushWebhooks(). */
  pauseWebhooks(): void;
  resumeWebhooks(): void;
  /**
   * Resolves once every event due by now on the emulator clock has been delivered or given up on
   * (resumes paused delivery). Events still in their delay or aggregation window stay scheduled:
   * advance the clock (or the timers) first.
   */
  flushWebhooks(): Promise<void>;
  /** Events scheduled or queued, not yet delivered. */
  readonly pendingWebhooks: number;
  /** The last 1,000 deliveries, oldest first. */
  readonly webhookDeliveries: WebhookDelivery[];

  // Test controls.
  setRateLimit(limit: RateLimit | null): void;
  setFaults(f: FaultConfig | null): void;
  setQueryOverride(dataSourceId: string, mode: QueryOverride): void;
  /** Requests received per endpoint key, e.g. "POST /v1/data_sources/:id/query". */
  readonly requestCounts: Record<string, number>;
  totalRequests(): number;
  resetCounts(): void;
  readonly faultsInjected: number;
  /** The bot user id API writes are attributed to. */
  readonly botId: string;
  /** The person user id control edits are attributed to. */
  readonly personId: string;
}
