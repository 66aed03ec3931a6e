/**
 * The store: one SQL interface over node-postgres (DATABASE_URL set) and PGlite (the embedded
 * default), plus migrations and the typed helpers every other layer uses.
 */
import { openPgliteStore } from './pglite.ts';
import { openPostgresStore } from './postgres.ts';
import type { OpenStoreOptions, Store } from './types.ts';

export async function openStore(opts: OpenStoreOptions = {}): Promise<Store> {
  if (opts.databaseUrl) return openPostgresStore(opts.databaseUrl, { maxConnections: opts.maxConnections });
  return openPgliteStore({ dataDir: opts.dataDir, inMemory: opts.inMemory });
}

export type { ColumnType, OpenStoreOptions, QueryResult, Sql, Store } from './types.ts';
export { openPostgresStore, poolConfig } from './postgres.ts';
export { openPgliteStore, DEFAULT_DATA_DIR } from './pglite.ts';
export { StoreConnectionError, describeDatabaseUrl } from './connectionErrors.ts';
export { DataDirInUseError } from './dataDirLock.ts';
export {
  migrate,
  loadMigrations,
  appliedVersions,
  detectLegacyLayout,
  publicNamesNotOurs,
  MigrationError,
  BOOKKEEPING_SCHEMA,
  PUBLIC_VIEWS,
  type Migration,
  type MigrateResult,
  type LegacyUpgrade,
} from './migrate.ts';
export { assertIdentifier, quoteIdent, InvalidIdentifierError } from './identifiers.ts';
export { readState, writeState, deleteState } from './syncState.ts';
export { stateKeys } from './stateKeys.ts';
export { writeSyncLog, writeSyncLogs, recentSyncLogs, type SyncLogEntry, type SyncLogRow, type SyncLogStatus, type RecentSyncLogsQuery } from './syncLogs.ts';
export { redactSecrets, redactString } from './redact.ts';
export {
  upsertRows,
  updateRowsByKey,
  selectRowsByKeys,
  softDeleteByKeys,
  countActive,
  assertColumnType,
  DEFAULT_CHUNK_SIZE,
  type Row,
  type UpsertSpec,
  type SelectSpec,
  type UpsertedRow,
} from './batch.ts';
export { readLinks, upsertLinks, deleteLinks, recordFailures, clearFailures, listFailures, type SyncLink, type SyncLinkInput, type SyncFailure } from './ledger.ts';
