import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { requireNotionToken } from '../config/index.ts';
import { createGoogleConnector, type GoogleConnector } from '../connectors/google/index.ts';
import { createNotionConnector, type NotionConnector } from '../connectors/notion/index.ts';
import type { RunContext } from '../engine/context.ts';
import { datasetsForTables } from '../engine/dataSource.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { logConnectionAdvice } from '../store/connectionAdvice.ts';
import { describeDatabaseUrl } from '../store/connectionErrors.ts';
import { attachPendingLogs, PENDING_DIR_NAME, PendingLogs } from '../store/pendingLogs.ts';
import { migrate, openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';

/** Opens the configured store and applies pending migrations (every start does; they fail hard). */
export async function openMigratedStore(config: Config, logger: Logger, opts: { dataDir?: string; inMemory?: boolean } = {}): Promise<Store> {
  // Before connecting: no TLS to Supabase, or its transaction pooler, is worth saying even when the connection fails.
  if (config.database.url) logConnectionAdvice(config.database.url, logger);
  const store = await openStore(
    config.database.url
      ? { databaseUrl: config.database.url }
      : { dataDir: opts.dataDir ?? join(config.database.dataDir, 'pgdata'), inMemory: opts.inMemory },
  );
  try {
    const { applied } = await migrate(store, { logger, datasets: datasetsForTables(config.datasets) });
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } catch (e) {
    await store.close();
    throw e;
  }
  // sync_logs rows a run could not write (Postgres unreachable) are spooled under the data dir, so
  // that a one-shot `sync` that exits, or a crash, does not lose them (src/store/pendingLogs.ts).
  if (config.database.url) attachPendingLogs(store, new PendingLogs({ dir: join(config.database.dataDir, PENDING_DIR_NAME), database: describeDatabaseUrl(config.database.url) }));
  return store;
}

/** The paced, retrying Notion connector the config describes (a missing token is a ConfigError). */
export function createConfiguredNotion(config: Config, logger: Logger, clock: Clock = systemClock): NotionConnector {
  return createNotionConnector({
    token: requireNotionToken(config),
    baseUrl: config.notion.baseUrl,
    requestsPerSecond: config.notion.requestsPerSecond,
    burst: config.notion.burst,
    maxRetries: config.notion.maxRetries,
    timeoutMs: config.notion.timeoutMs,
    clock,
    logger,
  });
}

/** The Google connector the config describes, or undefined when Google is not configured. */
export function createConfiguredGoogle(config: Config, logger: Logger, clock: Clock = systemClock): GoogleConnector | undefined {
  const c = config.google.credentials;
  if (!c) return undefined;
  return createGoogleConnector({ ...c, apiRoot: config.google.apiRoot, requestsPerSecond: config.google.requestsPerSecond, clock, logger });
}

/**
 * A Notion connector for a deployment without NOTION_TOKEN (Google only): any call fails with
 * the one-line message saying what to set, and it has made no requests.
 */
function notionNotConfigured(): NotionConnector {
  const fail = async (): Promise<never> => {
    requireNotionToken({ notion: { token: null } } as Config);
    throw new Error('unreachable');
  };
  return {
    resolveDataSource: fail,
    queryPages: () => ({ [Symbol.asyncIterator]: () => ({ next: fail }) }),
    samplePages: fail,
    retrievePage: fail,
    createPage: fail,
    updatePage: fail,
    findPagesByRichText: fail,
    addProperties: fail,
    whoami: fail,
    stats: { requests: 0, byEndpoint: {}, rateLimited: 0, retries: 0, waitedMs: 0 },
    resetStats: () => undefined,
  };
}

/**
 * Wires a run context from config: the store, the paced Notion and Google connectors, clock and
 * logger. At least one of Notion or Google must be configured.
 */
export function createRunContext(config: Config, store: Store, logger: Logger, clock: Clock = systemClock): RunContext {
  const google = createConfiguredGoogle(config, logger, clock);
  if (!google) requireNotionToken(config);
  const notion = config.notion.token ? createConfiguredNotion(config, logger, clock) : notionNotConfigured();
  return { store, notion, google, config, clock, logger };
}
