/**
 * The per-record part of sync_logs (migration 0004): one row per record a run changed, linked to
 * the run by run_id (= the id of the run's summary row), and the retention that keeps sync_logs
 * from growing without bound.
 */
import { chunks } from './batch.ts';
import { stateKeys } from './stateKeys.ts';
import { writeSyncLogs, type SyncLogEntry } from './syncLogs.ts';
import type { Sql } from './types.ts';

export interface ChangeLogEntry {
  /** verb_side_entity: create_notion_task, update_supabase_meeting, soft_delete_supabase_contact, … */
  eventType: string;
  runId: string;
  dataset: string;
  message: string;
  recordId: string | null;
  notionPageId: string | null;
  googleId: string | null;
  changedFields: string[];
}

/** Writes change rows: one statement per 5,000, so the cost never grows with the records of a batch. */
export async function writeChangeLogs(sql: Sql, entries: ChangeLogEntry[]): Promise<void> {
  for (const chunk of chunks(entries)) {
    await writeSyncLogs(sql, chunk.map((e): SyncLogEntry => ({ ...e, status: 'success' })));
  }
}

export interface ChangeLogRow {
  id: string;
  at: string;
  eventType: string;
  dataset: string | null;
  message: string | null;
  recordId: string | null;
  notionPageId: string | null;
  googleId: string | null;
  changedFields: string[];
}

/**
 * The change rows of one run (its summary row's id), oldest first, at most `limit` from `offset`;
 * `total` counts them all. The run's summary, error and conflict rows carry the run id too but are
 * not changes: only rows with a record are listed.
 */
export async function listRunChanges(sql: Sql, runId: string, page: { limit: number; offset?: number }): Promise<{ total: number; changes: ChangeLogRow[] }> {
  const { rows } = await sql.query<{
    id: string;
    created_at: Date;
    event_type: string;
    dataset: string | null;
    message: string | null;
    record_id: string | null;
    notion_page_id: string | null;
    google_id: string | null;
    changed_fields: string[] | null;
    total: number;
  }>(
    `SELECT id, created_at, event_type, dataset, message, record_id, notion_page_id, google_id, changed_fields,
            count(*) OVER ()::int AS total
       FROM jarvis_sync.sync_logs
      WHERE run_id = $1 AND (record_id IS NOT NULL OR notion_page_id IS NOT NULL OR google_id IS NOT NULL) AND status = 'success'
      ORDER BY created_at, event_type, id
      LIMIT $2 OFFSET $3`,
    [runId, Math.max(0, Math.floor(page.limit)), Math.max(0, Math.floor(page.offset ?? 0))],
  );
  let total = rows[0]?.total ?? 0;
  if (!rows.length && (page.offset ?? 0) > 0) {
    // Past the end: the window function saw no rows, so count separately.
    const { rows: n } = await sql.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM jarvis_sync.sync_logs
        WHERE run_id = $1 AND (record_id IS NOT NULL OR notion_page_id IS NOT NULL OR google_id IS NOT NULL) AND status = 'success'`,
      [runId],
    );
    total = n[0]?.n ?? 0;
  }
  return {
    total,
    changes: rows.map((r) => ({
      id: r.id,
      at: r.created_at.toISOString(),
      eventType: r.event_type,
      dataset: r.dataset,
      message: r.message,
      recordId: r.record_id,
      notionPageId: r.notion_page_id,
      googleId: r.google_id,
      changedFields: r.changed_fields ?? [],
    })),
  };
}

export interface PruneOptions {
  /** Rows older than this many days go; 0 keeps everything. */
  retentionDays: number;
  /**
   * The time to measure from; default the database's now(), the clock created_at is stamped by
   * (so a skewed host clock neither keeps nor deletes rows early). Tests pin it.
   */
  now?: Date;
  /** Prune at most this often (default one hour), across every process sharing the database. */
  everyMs?: number;
}

/**
 * Deletes sync_logs rows older than the retention, at most once per `everyMs` across all processes:
 * one statement that claims the turn in sync_state (an upsert that only succeeds when the last prune
 * is old enough) and deletes by the created_at index only when it got it. Returns the rows deleted,
 * or null when it was not this call's turn (or retention is off).
 */
export async function pruneSyncLogs(sql: Sql, opts: PruneOptions): Promise<number | null> {
  if (!(opts.retentionDays > 0)) return null;
  const { rows } = await sql.query<{ claimed: boolean; deleted: number }>(
    `WITH turn AS (
       INSERT INTO jarvis_sync.sync_state (key, value, updated_at) VALUES ($1, coalesce($2::timestamptz, now())::text, coalesce($2::timestamptz, now()))
       ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         WHERE sync_state.updated_at IS NULL OR sync_state.updated_at <= coalesce($2::timestamptz, now()) - make_interval(secs => $4::float8 / 1000)
                                              OR sync_state.updated_at > coalesce($2::timestamptz, now())
       RETURNING 1
     ), gone AS (
       DELETE FROM jarvis_sync.sync_logs
        WHERE created_at < coalesce($2::timestamptz, now()) - make_interval(days => $3::int) AND EXISTS (SELECT 1 FROM turn)
       RETURNING 1
     )
     SELECT EXISTS (SELECT 1 FROM turn) AS claimed, (SELECT count(*) FROM gone)::int AS deleted`,
    [stateKeys.syncLogsPrunedAt, opts.now?.toISOString() ?? null, Math.floor(opts.retentionDays), opts.everyMs ?? 3_600_000],
  );
  return rows[0]?.claimed ? rows[0].deleted : null;
}
