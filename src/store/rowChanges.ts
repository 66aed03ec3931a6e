/**
 * The database side of "Postgres → Notion in seconds" (0007_row_changes.sql): the change triggers
 * on the two-way dataset tables, the mark that keeps jarvis-sync's own writes out of them, and the
 * statements the service (src/scheduler/postgresChanges.ts) reads and consumes the changes with.
 *
 * - `OWN_WRITE`: a condition every statement of jarvis-sync that writes a dataset table carries in
 *   its WHERE clause. It sets the transaction-local `jarvis_sync.writer` before any row reaches the
 *   table, so the statement-level triggers (which fire after the statement) see it and record
 *   nothing. Being part of the statement, it needs no extra round trip and holds whether the
 *   statement runs alone or inside a transaction; being transaction-local, it works through a
 *   transaction pooler and never outlives the transaction on a pooled connection.
 * - `ensureChangeTriggers`: migrate's last step. Every enabled two-way dataset's table (built-in or
 *   from the config, under its configured name, adopted or created) gets the two triggers; a table
 *   whose dataset is no longer two-way or enabled loses them.
 */
import pg from 'pg';
import type { Logger } from '../lib/logger.ts';
import { relationName } from './datasetTables.ts';
import { quoteIdent } from './identifiers.ts';
import { poolConfig } from './postgres.ts';
import type { Sql, Store } from './types.ts';

/** The channel the triggers notify on; the payload is the table's name. */
export const ROW_CHANGES_CHANNEL = 'jarvis_sync_row_changes';

/** The trigger function (0007_row_changes.sql). */
export const ROW_CHANGES_FUNCTION = 'jarvis_sync.record_row_changes()';

/** A WHERE condition (always true) marking the statement's transaction as jarvis-sync's own write. */
export const OWN_WRITE = `pg_catalog.set_config('jarvis_sync.writer', 'jarvis-sync', true) IS NOT NULL`;

/** The migration lock (migrate.ts, adoptTables.ts): trigger changes serialize with the other DDL. */
const MIGRATION_LOCK_KEY = 0x6a61727669;

/** The two triggers of a table: one per event, since a trigger with transition tables has one event. */
export function changeTriggerNames(table: string): { insert: string; update: string } {
  return { insert: relationName(table, '_changes_ins'), update: relationName(table, '_changes_upd') };
}

export function changeTriggersSql(table: string): string {
  const t = quoteIdent(table);
  const names = changeTriggerNames(table);
  return `CREATE OR REPLACE TRIGGER ${quoteIdent(names.insert)} AFTER INSERT ON ${t}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${ROW_CHANGES_FUNCTION};
CREATE OR REPLACE TRIGGER ${quoteIdent(names.update)} AFTER UPDATE ON ${t}
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ${ROW_CHANGES_FUNCTION};`;
}

/** A dataset as ensureChangeTriggers needs it (a descriptor or a ResolvedDataset). */
export interface ChangeTriggerInput {
  name: string;
  table: string;
  pattern: string;
  enabled?: boolean;
}

export interface ChangeTriggersResult {
  /** Tables that got their change triggers. */
  installed: string[];
  /** Tables whose dataset is no longer an enabled two-way dataset: triggers dropped. */
  removed: string[];
}

/** Whether changes of this dataset's rows are recorded: an enabled two-way dataset. */
export function recordsChanges(ds: ChangeTriggerInput): boolean {
  return ds.pattern === 'two-way' && ds.enabled !== false;
}

/**
 * Installs the change triggers on every enabled two-way dataset table that lacks them and drops
 * them from the other dataset tables that have them. One catalog query when nothing is to do;
 * otherwise one transaction under the migration lock. Tables that do not exist (a disabled
 * dataset's, left alone) are skipped. Before 0007 ran (no trigger function) it does nothing.
 */
export async function ensureChangeTriggers(store: Store, datasets: ChangeTriggerInput[], opts: { logger?: Logger } = {}): Promise<ChangeTriggersResult> {
  const result: ChangeTriggersResult = { installed: [], removed: [] };
  const tables = [...new Set(datasets.map((d) => d.table))];
  if (!tables.length) return result;
  const plan = async (sql: Sql) => {
    const { rows } = await sql.query<{ table_name: string; triggers: string[] | null; ready: boolean }>(
      `SELECT c.relname::text AS table_name,
              array_remove(array_agg(t.tgname::text), NULL) AS triggers,
              to_regprocedure($2) IS NOT NULL AS ready
         FROM pg_catalog.pg_class c
         LEFT JOIN pg_catalog.pg_trigger t ON t.tgrelid = c.oid AND t.tgfoid = to_regprocedure($2)
        WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p')
          AND c.relnamespace = (SELECT n.oid FROM pg_catalog.pg_namespace n WHERE n.nspname = current_schema())
        GROUP BY c.relname`,
      [tables, ROW_CHANGES_FUNCTION],
    );
    const install: string[] = [];
    const remove: Array<{ table: string; triggers: string[] }> = [];
    for (const r of rows) {
      if (!r.ready) continue;
      const wanted = datasets.some((d) => d.table === r.table_name && recordsChanges(d));
      const have = r.triggers ?? [];
      const names = changeTriggerNames(r.table_name);
      if (wanted && !(have.includes(names.insert) && have.includes(names.update))) install.push(r.table_name);
      else if (!wanted && have.length) remove.push({ table: r.table_name, triggers: have });
    }
    return { install, remove };
  };
  const first = await plan(store);
  if (!first.install.length && !first.remove.length) return result;
  await store.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    const again = await plan(tx);
    for (const table of again.install) {
      await exec(tx, changeTriggersSql(table));
      result.installed.push(table);
    }
    for (const { table, triggers } of again.remove) {
      for (const name of triggers) await tx.query(`DROP TRIGGER IF EXISTS ${quoteIdent(name)} ON ${quoteIdent(table)}`);
      result.removed.push(table);
    }
  });
  if (result.installed.length) opts.logger?.info({ tables: result.installed }, 'installed the change triggers of the two-way tables (while the service runs, Postgres edits reach Notion within seconds)');
  if (result.removed.length) opts.logger?.info({ tables: result.removed }, 'removed the change triggers of tables whose dataset is no longer an enabled two-way dataset');
  return result;
}

async function exec(tx: Sql, script: string): Promise<void> {
  if (!tx.exec) throw new Error('this Sql cannot run scripts (exec)');
  await tx.exec(script);
}

// ---------------------------------------------------------------------------------------------
// Reading and consuming

export interface RowChange {
  id: number;
  tableSchema: string;
  tableName: string;
  recordId: string;
  op: string;
  /** Epoch ms, on the database's clock. */
  changedAt: number;
}

/**
 * The oldest recorded changes (the table holds only those not consumed yet): one index scan of
 * the primary key, which returns nothing when nothing changed.
 */
export async function readRowChanges(sql: Sql, limit: number): Promise<RowChange[]> {
  const { rows } = await sql.query<{ id: string; table_schema: string; table_name: string; record_id: string; op: string; changed_at: Date | string }>(
    `SELECT id::text AS id, table_schema, table_name, record_id, op, changed_at FROM jarvis_sync.row_changes ORDER BY id LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({ id: Number(r.id), tableSchema: r.table_schema, tableName: r.table_name, recordId: r.record_id, op: r.op, changedAt: new Date(r.changed_at).getTime() }));
}

/** Deletes these change rows; returns each one deleted with its change time and the database's time now (epoch ms). */
export async function consumeRowChanges(sql: Sql, ids: number[]): Promise<Array<{ id: number; changedAt: number; now: number }>> {
  if (!ids.length) return [];
  const { rows } = await sql.query<{ id: string; changed_at: Date | string; now: Date | string }>(
    `DELETE FROM jarvis_sync.row_changes WHERE id = ANY($1::bigint[]) RETURNING id::text AS id, changed_at, clock_timestamp() AS now`,
    [ids.map(String)],
  );
  return rows.map((r) => ({ id: Number(r.id), changedAt: new Date(r.changed_at).getTime(), now: new Date(r.now).getTime() }));
}

/** Change rows older than this are dropped (a consumer that died left them; the regular runs covered them long ago). */
export async function pruneStaleRowChanges(sql: Sql, olderThanHours = 24): Promise<number> {
  const { rowCount } = await sql.query(`DELETE FROM jarvis_sync.row_changes WHERE changed_at < now() - make_interval(hours => $1::int)`, [olderThanHours]);
  return rowCount;
}

/** This process consumes changes (the triggers record only while some consumer was seen in the last 10 minutes). */
export async function heartbeatConsumer(sql: Sql, consumer: string, mode: string): Promise<void> {
  await sql.query(
    `INSERT INTO jarvis_sync.row_change_consumers (consumer, mode, seen_at) VALUES ($1, $2, now())
     ON CONFLICT (consumer) DO UPDATE SET mode = excluded.mode, seen_at = excluded.seen_at`,
    [consumer, mode],
  );
}

/** This process stops consuming; consumers not seen for a day are forgotten too. */
export async function removeConsumer(sql: Sql, consumer: string): Promise<void> {
  await sql.query(`DELETE FROM jarvis_sync.row_change_consumers WHERE consumer = $1 OR seen_at < now() - interval '1 day'`, [consumer]);
}

// ---------------------------------------------------------------------------------------------
// LISTEN

/** A LISTEN in progress; `close` ends it (and its connection). */
export interface RowChangeListener {
  close(): Promise<void>;
}

/**
 * LISTEN on a connection of its own (node-postgres): the pool's connections come and go, and a
 * LISTEN holds only on the session that issued it. `onEnd` is called once when the connection is
 * lost (not after close()). Never use it through a transaction pooler: the LISTEN would stay on a
 * server connection that other clients borrow, and nothing would reach this one.
 */
export async function listenPostgres(databaseUrl: string, channel: string, onNotify: (payload: string) => void, onEnd: (err?: Error) => void): Promise<RowChangeListener> {
  const config = poolConfig(databaseUrl, 1);
  const client = new pg.Client({
    connectionString: config.connectionString,
    types: config.types,
    connectionTimeoutMillis: config.connectionTimeoutMillis,
    application_name: 'jarvis-sync listen',
    keepAlive: true,
  });
  let closed = false;
  let ended = false;
  const end = (err?: Error) => {
    if (closed || ended) return;
    ended = true;
    onEnd(err);
  };
  client.on('error', (e) => end(e));
  client.on('end', () => end());
  client.on('notification', (msg) => {
    if (msg.channel === channel) onNotify(msg.payload ?? '');
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${quoteIdent(channel)}`);
  } catch (e) {
    closed = true;
    await client.end().catch(() => undefined);
    throw e;
  }
  return {
    async close() {
      if (closed) return;
      closed = true;
      await client.end().catch(() => undefined);
    },
  };
}
