/**
 * The Notion connector: the official SDK client wired to our transport (pacer, stats, timeout)
 * and our single retry policy, exposing the handful of operations a sync needs.
 * It knows nothing about datasets, Postgres, or emulators (baseUrl is passed through).
 */
import {
  Client,
  DEFAULT_BASE_URL,
  DEFAULT_TIMEOUT_MS,
  LogLevel,
  isFullDatabase,
  isFullDataSource,
  isFullPage,
  iterateAllDataSourceRows,
  type CreatePageParameters,
  type DataSourceObjectResponse,
  type FullDataSourceQueryArgs,
  type GetPagePropertyParameters,
  type QueryDataSourceParameters,
  type UpdateDataSourceParameters,
  type UpdatePageParameters,
} from '@notionhq/client';
import { systemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { NotionSyncError, normalizeNotionError, validationError } from './errors.ts';
import { idFromIdOrUrl, requireDashedId } from './ids.ts';
import { Pacer } from './pacer.ts';
import { buildQueryFilter } from './query-filter.ts';
import { DEFAULT_RETRY_POLICY, withRetry, type RequestKind, type RetryPolicy } from './retry.ts';
import { plainText } from './rich-text.ts';
import { createPacedFetch, createStats, resetStats } from './transport.ts';
import { completeTruncatedProperties } from './truncated-properties.ts';
import type { DataSourceInfo, NotionConnector, NotionConnectorOptions, NotionIdentity, NotionPage, QueryOptions } from './types.ts';

/** The API version this connector is written against (databases contain data sources). */
export const NOTION_VERSION = '2025-09-03';
/** Notion's maximum page size for queries and property items. */
const PAGE_SIZE = 100;
/**
 * The SDK's own timer wraps our fetch, pacer wait included; we time requests ourselves (see
 * transport.ts), so the SDK's is set out of the way. setTimeout's maximum: larger values fire at once.
 */
const SDK_TIMEOUT_OUT_OF_THE_WAY_MS = 2 ** 31 - 1;

export function createNotionConnector(opts: NotionConnectorOptions): NotionConnector {
  if (!opts.token) {
    throw new NotionSyncError({ kind: 'auth', retryable: false, message: 'No Notion token configured: set NOTION_TOKEN to the integration secret' });
  }
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger;
  const baseUrl = opts.baseUrl ?? DEFAULT_BASE_URL;
  const stats = createStats();
  const pacer = new Pacer({ clock, requestsPerSecond: opts.requestsPerSecond, burst: opts.burst });
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    maxRetries: opts.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
    baseDelayMs: opts.retryBaseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: opts.retryMaxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const random = opts.random ?? Math.random;
  const fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  const client = new Client({
    auth: opts.token,
    baseUrl,
    notionVersion: NOTION_VERSION,
    fetch: createPacedFetch({ fetch: fetchImpl, baseUrl, pacer, stats, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
    // Exactly one retry policy (retry.ts): the SDK's would retry 429s a second time around ours.
    retry: false,
    timeoutMs: SDK_TIMEOUT_OUT_OF_THE_WAY_MS,
    logLevel: LogLevel.WARN,
    // The SDK's warnings duplicate ours (every failure is logged once, normalized, by withRetry).
    logger: (level, message, extra) => logger.debug({ sdkLevel: level, ...extra }, `notion sdk: ${message}`),
  });

  /** Every SDK call goes through here: one retry policy, errors normalized once. */
  const call = <T>(kind: RequestKind, operation: string, fn: () => Promise<T>): Promise<T> =>
    withRetry(fn, { kind, operation, policy, clock, random, logger, stats, pacer, secrets: [opts.token] });

  const retrievePropertyPage = (args: GetPagePropertyParameters) =>
    call('read', 'GET /v1/pages/:id/properties/:pid', () => client.pages.properties.retrieve(args));

  /** The windowing helper only needs dataSources.query; ours is the retrying one. */
  const retryingQueryClient = {
    dataSources: {
      query: (args: QueryDataSourceParameters) => call('read', 'POST /v1/data_sources/:id/query', () => client.dataSources.query(args)),
    },
  } as unknown as Client;

  async function resolveDataSource(id: string): Promise<DataSourceInfo> {
    const dashed = idFromIdOrUrl(id, 'database or data source id');
    let dataSourceId = dashed;
    let databaseId: string | null = null;
    const database = await call('read', 'GET /v1/databases/:id', () => client.databases.retrieve({ database_id: dashed })).catch((e: NotionSyncError) => {
      // Not a database id (or not visible as one): try it as a data source id. Notion may answer
      // 400 rather than 404 for an id of the wrong object type — unverified, so both fall through.
      if (e.kind === 'not_found' || e.kind === 'validation') return null;
      throw e;
    });
    if (database) {
      if (!isFullDatabase(database)) {
        throw new NotionSyncError({ kind: 'auth', retryable: false, message: `Notion returned only a partial database ${dashed}: give the integration the "read content" capability` });
      }
      const [first, ...others] = database.data_sources;
      if (!first) throw validationError(`Notion database ${dashed} has no data source: add a table to it in Notion`);
      if (others.length > 0) {
        logger.warn(
          { databaseId: database.id, dataSources: database.data_sources.map((s) => ({ id: s.id, name: s.name })), chosen: first.id },
          `Notion database has ${database.data_sources.length} data sources; syncing the first ("${first.name}") — configure a data source id to pick another`,
        );
      }
      dataSourceId = first.id;
      databaseId = database.id;
    }
    const dataSource = await call('read', 'GET /v1/data_sources/:id', () => client.dataSources.retrieve({ data_source_id: dataSourceId })).catch(
      (e: NotionSyncError) => {
        if (e.kind !== 'not_found' || database) throw e;
        throw new NotionSyncError({
          kind: 'not_found',
          status: e.status,
          code: e.code,
          requestId: e.requestId,
          retryable: false,
          cause: e,
          message: `No Notion database or data source ${dashed} is visible to the integration: check the id and share the database with the integration`,
        });
      },
    );
    if (!isFullDataSource(dataSource)) {
      throw new NotionSyncError({ kind: 'auth', retryable: false, message: `Notion returned only a partial data source ${dataSourceId}: give the integration the "read content" capability` });
    }
    const info = toDataSourceInfo(dataSource, databaseId);
    return database ? { ...info, dataSources: database.data_sources.map((s) => ({ id: s.id, name: s.name })) } : info;
  }

  async function samplePages(dataSourceId: string, limit: number): Promise<NotionPage[]> {
    const data_source_id = requireDashedId(dataSourceId, 'data source id');
    const page_size = Math.max(1, Math.min(PAGE_SIZE, Math.floor(limit)));
    const response = await call('read', 'POST /v1/data_sources/:id/query', () => client.dataSources.query({ data_source_id, page_size }));
    return response.results.filter((row) => isFullPage(row as Parameters<typeof isFullPage>[0])) as unknown as NotionPage[];
  }

  async function* queryPages(dataSourceId: string, options: QueryOptions = {}): AsyncGenerator<NotionPage> {
    const data_source_id = requireDashedId(dataSourceId, 'data source id');
    const filter = buildQueryFilter(options);
    const args: FullDataSourceQueryArgs = { data_source_id, page_size: PAGE_SIZE, ...(filter ? { filter } : {}), ...(options.inTrash ? { in_trash: true } : {}) };
    const only = options.complete ? new Set(options.complete) : undefined;
    // iterateAllDataSourceRows windows on created_time past the 10,000-rows-per-query cap
    // (request_status "incomplete") and de-duplicates rows at window boundaries.
    try {
      for await (const row of iterateAllDataSourceRows(retryingQueryClient, args)) {
        if (!isFullPage(row)) {
          // Partial pages (no read capability) and child data sources of wikis carry no properties.
          logger.warn({ dataSourceId: data_source_id, id: row.id, object: row.object }, 'skipping a query result that is not a full page');
          continue;
        }
        yield await completeTruncatedProperties(row as unknown as NotionPage, retrievePropertyPage, only);
      }
    } catch (e) {
      throw normalizeHelperError(e, data_source_id);
    }
  }

  async function retrievePage(pageId: string): Promise<NotionPage | null> {
    const page_id = requireDashedId(pageId, 'page id');
    try {
      const page = await call('read', 'GET /v1/pages/:id', () => client.pages.retrieve({ page_id }));
      return await completeTruncatedProperties(requireFullPage(page, page_id, false), retrievePropertyPage);
    } catch (e) {
      if (e instanceof NotionSyncError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async function createPage(dataSourceId: string, properties: Record<string, unknown>): Promise<NotionPage> {
    const data_source_id = requireDashedId(dataSourceId, 'data source id');
    const page = await call('create', 'POST /v1/pages', () =>
      client.pages.create({ parent: { data_source_id }, properties: properties as CreatePageParameters['properties'] }),
    );
    return requireFullPage(page, '(new page)', true);
  }

  async function updatePage(pageId: string, patch: { properties?: Record<string, unknown>; in_trash?: boolean }): Promise<NotionPage> {
    const page_id = requireDashedId(pageId, 'page id');
    if (patch.properties === undefined && patch.in_trash === undefined) {
      throw validationError(`updatePage(${page_id}) needs properties or in_trash: nothing to update`);
    }
    const body: UpdatePageParameters = { page_id };
    if (patch.properties !== undefined) body.properties = patch.properties as UpdatePageParameters['properties'];
    if (patch.in_trash !== undefined) body.in_trash = patch.in_trash;
    // Same body, same result: safe to repeat after a 5xx or a timeout.
    const page = await call('idempotent_write', 'PATCH /v1/pages/:id', () => client.pages.update(body));
    return requireFullPage(page, page_id, false);
  }

  async function findPagesByRichText(dataSourceId: string, propertyName: string, value: string): Promise<NotionPage[]> {
    if (typeof value !== 'string' || value === '') throw validationError(`findPagesByRichText needs a non-empty value for property "${propertyName}"`);
    const found: NotionPage[] = [];
    const filter = { property: propertyName, rich_text: { equals: value } };
    // Trashed pages count too: a page a user trashed is still the page we created.
    for (const inTrash of [false, true]) for await (const page of queryPages(dataSourceId, { filter, inTrash })) found.push(page);
    return found;
  }

  async function addProperties(dataSourceId: string, properties: Record<string, unknown>): Promise<DataSourceInfo> {
    const data_source_id = requireDashedId(dataSourceId, 'data source id');
    const names = Object.keys(properties ?? {});
    if (names.length === 0) throw validationError(`addProperties(${data_source_id}) needs at least one property: nothing to add`);
    for (const name of names) {
      const config = properties[name];
      if (typeof config !== 'object' || config === null || Array.isArray(config)) {
        // null would delete the property in Notion; a bare string would be refused by Notion anyway.
        throw validationError(`addProperties(${data_source_id}): property "${name}" needs a configuration object such as { rich_text: {} }`);
      }
    }
    // Adding the same properties twice leaves the schema as adding them once (an existing property
    // of the same type is left as is): safe to repeat after a 5xx or a timeout.
    const dataSource = await call('idempotent_write', 'PATCH /v1/data_sources/:id', () =>
      client.dataSources.update({ data_source_id, properties: properties as UpdateDataSourceParameters['properties'] }),
    );
    if (!isFullDataSource(dataSource)) {
      throw new NotionSyncError({ kind: 'auth', retryable: false, message: `Notion returned only a partial data source ${data_source_id}: give the integration the "read content" capability` });
    }
    return toDataSourceInfo(dataSource, null);
  }

  async function whoami(): Promise<NotionIdentity> {
    const me = await call('read', 'GET /v1/users/me', () => client.users.me({}));
    const bot = me.type === 'bot' ? (me.bot as { workspace_name?: string | null } | undefined) : undefined;
    return { id: me.id, type: me.type ?? 'unknown', name: 'name' in me ? (me.name ?? null) : null, workspaceName: bot?.workspace_name ?? null };
  }

  return {
    resolveDataSource,
    queryPages,
    samplePages,
    retrievePage,
    createPage,
    updatePage,
    findPagesByRichText,
    addProperties,
    whoami,
    stats,
    resetStats: () => resetStats(stats),
  };
}

function toDataSourceInfo(ds: DataSourceObjectResponse, databaseId: string | null): DataSourceInfo {
  return {
    dataSourceId: ds.id,
    databaseId: ds.parent.type === 'database_id' ? ds.parent.database_id : databaseId,
    title: plainText(ds.title),
    properties: ds.properties as DataSourceInfo['properties'],
  };
}

function requireFullPage(page: { object: string; id: string }, pageId: string, committed: boolean): NotionPage {
  if (isFullPage(page as Parameters<typeof isFullPage>[0])) return page as unknown as NotionPage;
  throw new NotionSyncError({
    kind: 'auth',
    retryable: false,
    mayHaveCommitted: committed || undefined,
    message: `Notion returned only a partial page ${page.id ?? pageId}: give the integration the "read content" capability`,
  });
}

/** The windowing helper throws a plain Error when >10,000 rows share one created_time. */
function normalizeHelperError(e: unknown, dataSourceId: string): NotionSyncError {
  if (e instanceof NotionSyncError) return e;
  if (e instanceof Error && /cannot make progress/.test(e.message)) {
    return validationError(
      `Querying data source ${dataSourceId}: more than 10,000 rows share one created_time, so the query cannot be split by time; add a filter to narrow it`,
      e,
    );
  }
  return normalizeNotionError(e, { operation: 'POST /v1/data_sources/:id/query' });
}
