import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import { requireNotionToken } from '../config/index.ts';
import { createNotionConnector, type NotionConnector } from '../connectors/notion/index.ts';
import type { RunContext } from '../engine/context.ts';
import { systemClock, type Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { migrate, openStore } from '../store/index.ts';
import type { Store } from '../store/types.ts';

/** Opens the configured store and applies pending migrations (every start does; they fail hard). */
export async function openMigratedStore(config: Config, logger: Logger, opts: { dataDir?: string; inMemory?: boolean } = {}): Promise<Store> {
  const store = await openStore(
    config.database.url
      ? { databaseUrl: config.database.url }
      : { dataDir: opts.dataDir ?? join(config.database.dataDir, 'pgdata'), inMemory: opts.inMemory },
  );
  try {
    const { applied } = await migrate(store, { logger });
    if (applied.length) logger.info({ applied }, 'migrations applied');
  } catch (e) {
    await store.close();
    throw e;
  }
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

/** Wires a run context from config: the store, a paced Notion connector, clock and logger. */
export function createRunContext(config: Config, store: Store, logger: Logger, clock: Clock = systemClock): RunContext {
  const notion = createConfiguredNotion(config, logger, clock);
  return { store, notion, config, clock, logger };
}
