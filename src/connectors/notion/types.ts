/**
 * Contract of the Notion connector (connectors/notion). It wraps the official @notionhq/client;
 * it knows nothing about datasets or Postgres.
 */
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';

/** The closed error vocabulary every Notion failure is normalized into, once. */
export type NotionErrorKind = 'rate_limited' | 'not_found' | 'conflict' | 'auth' | 'validation' | 'transient';

/** A Notion page as the API returns it (full page object). Kept loose on purpose: the SDK's types lack relation has_more. */
export interface NotionPage {
  object: 'page';
  id: string;
  created_time: string;
  last_edited_time: string;
  in_trash: boolean;
  archived?: boolean;
  parent: Record<string, any>;
  properties: Record<string, NotionPropertyValue>;
  url?: string;
  last_edited_by?: { object: 'user'; id: string };
  [k: string]: unknown;
}

/** A page property value in read shape: { id, type, [type]: value } (+ has_more on relations). */
export interface NotionPropertyValue {
  id: string;
  type: string;
  has_more?: boolean;
  [k: string]: any;
}

export interface DataSourceInfo {
  dataSourceId: string;
  databaseId: string | null;
  title: string;
  /** Schema: property name → { id, type, ... } */
  properties: Record<string, { id: string; name: string; type: string; [k: string]: any }>;
  /** Every data source of the database, when it was resolved from a database id (the first one is the one used). */
  dataSources?: Array<{ id: string; name: string }>;
}

/** Who a token acts as: the integration's bot user and its workspace. */
export interface NotionIdentity {
  id: string;
  /** 'bot' for an integration token. */
  type: string;
  name: string | null;
  workspaceName: string | null;
}

export interface QueryOptions {
  /** Only pages with last_edited_time on_or_after this ISO timestamp. */
  editedOnOrAfter?: string;
  /** Extra Notion filter (a property filter), combined with `and`. */
  filter?: Record<string, unknown>;
  /** Only pages in the trash (Notion's `in_trash: true` query flag). */
  inTrash?: boolean;
  /**
   * Names of the properties the caller reads (a dataset's mapped ones): only these are completed
   * past Notion's 25 references (a relation or people list, a rollup); the others are left as
   * Notion sent them (a relation with has_more), costing no property-item request. Default: every property.
   */
  complete?: readonly string[];
}

export interface NotionRequestStats {
  /** Every HTTP request sent (including retries), total. */
  requests: number;
  /** Requests per endpoint key, e.g. "POST /v1/data_sources/:id/query". */
  byEndpoint: Record<string, number>;
  /** 429 responses received. */
  rateLimited: number;
  /** Retries performed. */
  retries: number;
  /** Milliseconds spent waiting in the pacer or in retry backoff. */
  waitedMs: number;
}

export interface NotionConnectorOptions {
  token: string;
  /** Default https://api.notion.com (SDK default). The emulator's URL in tests. */
  baseUrl?: string;
  /** Token bucket rate; default 3. */
  requestsPerSecond?: number;
  /** Bucket size (burst); default = requestsPerSecond. */
  burst?: number;
  /** Retries for retryable failures; default 5. */
  maxRetries?: number;
  /** Per HTTP request, measured from when the pacer lets it go; default 60,000 (the SDK's). */
  timeoutMs?: number;
  fetch?: typeof fetch;
  clock?: Clock;
  logger?: Logger;
  /** First backoff step when no Retry-After is given; default 1,000 ms, doubled per attempt. */
  retryBaseDelayMs?: number;
  /** Cap of the exponential backoff; default 60,000 ms. */
  retryMaxDelayMs?: number;
  /** Source of jitter in [0, 1); default Math.random. Injected so tests are deterministic. */
  random?: () => number;
}

export interface NotionConnector {
  /** Accepts a database id or a data source id (with or without dashes); discovers the data source. */
  resolveDataSource(id: string): Promise<DataSourceInfo>;
  /**
   * Every matching page, past the 10,000-row query cap; relation properties with has_more are
   * completed through the property-item endpoint before the page is yielded (has_more then false).
   */
  queryPages(dataSourceId: string, options?: QueryOptions): AsyncIterable<NotionPage>;
  /**
   * The first `limit` (at most 100) pages of one query, in Notion's order, as returned: one request,
   * nothing completed past 25 references. For looking at what values look like (jarvis-sync inspect).
   */
  samplePages(dataSourceId: string, limit: number): Promise<NotionPage[]>;
  /** null when Notion answers 404 object_not_found. Trashed pages are returned with in_trash: true. */
  retrievePage(pageId: string): Promise<NotionPage | null>;
  /**
   * Never retried blindly on 5xx/timeouts (a duplicate page would result; the error then has
   * mayHaveCommitted); rate limits are retried. Create and update return Notion's response as is:
   * a relation of more than 25 pages comes back with has_more (Extract refuses to read it).
   */
  createPage(dataSourceId: string, properties: Record<string, unknown>): Promise<NotionPage>;
  updatePage(pageId: string, patch: { properties?: Record<string, unknown>; in_trash?: boolean }): Promise<NotionPage>;
  /**
   * Pages whose rich_text property `propertyName` equals `value` exactly (trashed pages excluded).
   * Used to find a page that a failed create may have committed (mayHaveCommitted) before creating it again.
   */
  findPagesByRichText(dataSourceId: string, propertyName: string, value: string): Promise<NotionPage[]>;
  /**
   * Adds properties to a data source's schema (PATCH /v1/data_sources/:id), e.g.
   * `{ 'Supabase ID': { rich_text: {} } }`, and returns the updated schema. Pass only properties
   * that are missing: Notion treats a key naming an existing property as an edit of it (a config of
   * another type converts it). Retried like an update: sending the same additions twice equals once.
   */
  addProperties(dataSourceId: string, properties: Record<string, unknown>): Promise<DataSourceInfo>;
  /** The integration the token belongs to (GET /v1/users/me): the cheapest proof that the token works. */
  whoami(): Promise<NotionIdentity>;
  readonly stats: NotionRequestStats;
  resetStats(): void;
}
