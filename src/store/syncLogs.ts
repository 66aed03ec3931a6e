/** sync_logs: the spec's audit trail, one row per run summary, record error, conflict or warning. */
import { randomUUID } from 'node:crypto';
import { redactSecrets, redactString } from './redact.ts';
import type { Sql } from './types.ts';

export type SyncLogStatus = 'success' | 'error' | 'warning';

export interface SyncLogEntry {
  eventType: string;
  status: SyncLogStatus;
  message: string;
  /** Free-form context; secrets are stripped by redactSecrets before it is stored. */
  details?: unknown;
  startTime?: Date | null;
  endTime?: Date | null;
  /** Defaults to now(); settable for imports and tests. */
  createdAt?: Date;
  /** The row's id; made here when absent (a run's summary row is given the run's id). */
  id?: string;
  /** The id of the run's summary row: every row of a run carries it (migration 0004). */
  runId?: string | null;
  dataset?: string | null;
  /** Per-record rows: the record's ids on each side and the names of the fields that changed. */
  recordId?: string | null;
  notionPageId?: string | null;
  googleId?: string | null;
  changedFields?: string[] | null;
}

export interface SyncLogRow {
  id: string;
  eventType: string;
  status: string;
  message: string | null;
  details: unknown;
  createdAt: Date;
  startTime: Date | null;
  endTime: Date | null;
  /** Migration 0006: the run the row belongs to, and a change row's record ids and changed fields. */
  runId: string | null;
  dataset: string | null;
  recordId: string | null;
  notionPageId: string | null;
  googleId: string | null;
  changedFields: string[] | null;
}

/** Writes one row; returns its id. */
export async function writeSyncLog(sql: Sql, entry: SyncLogEntry): Promise<string> {
  const [id] = await writeSyncLogs(sql, [entry]);
  return id;
}

/** Writes many rows in one statement; returns their ids in the order given. */
export async function writeSyncLogs(sql: Sql, entries: SyncLogEntry[]): Promise<string[]> {
  if (!entries.length) return [];
  // Ids are made here, so the order of the returned ids never depends on RETURNING order.
  const rows = entries.map((e) => ({
    id: e.id ?? randomUUID(),
    event_type: e.eventType,
    status: e.status,
    message: redactString(e.message),
    details: e.details === undefined ? null : redactSecrets(e.details),
    start_time: e.startTime ?? null,
    end_time: e.endTime ?? null,
    created_at: e.createdAt ?? null,
    run_id: e.runId ?? null,
    dataset: e.dataset ?? null,
    record_id: e.recordId ?? null,
    notion_page_id: e.notionPageId ?? null,
    google_id: e.googleId ?? null,
    changed_fields: e.changedFields ?? null,
  }));
  await sql.query(
    `INSERT INTO jarvis_sync.sync_logs (id, event_type, status, message, details, start_time, end_time, created_at,
                                        run_id, dataset, record_id, notion_page_id, google_id, changed_fields)
     SELECT x.id, x.event_type, x.status, x.message, x.details, x.start_time, x.end_time, coalesce(x.created_at, now()),
            x.run_id, x.dataset, x.record_id, x.notion_page_id, x.google_id, x.changed_fields
     FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, event_type text, status text, message text, details jsonb,
                                             start_time timestamptz, end_time timestamptz, created_at timestamptz,
                                             run_id uuid, dataset text, record_id uuid, notion_page_id text, google_id text,
                                             changed_fields text[])`,
    [JSON.stringify(rows)],
  );
  return rows.map((r) => r.id);
}

export interface RecentSyncLogsQuery {
  limit: number;
  eventType?: string;
  status?: SyncLogStatus;
  /** Only rows created at or after this time. */
  since?: Date;
  /** Only the rows of this run (its summary row's id): summary, errors, conflicts and changes. */
  runId?: string;
}

/** Newest first. */
export async function recentSyncLogs(sql: Sql, q: RecentSyncLogsQuery): Promise<SyncLogRow[]> {
  const { rows } = await sql.query<{
    id: string;
    event_type: string;
    status: string;
    message: string | null;
    details: unknown;
    created_at: Date;
    start_time: Date | null;
    end_time: Date | null;
    run_id: string | null;
    dataset: string | null;
    record_id: string | null;
    notion_page_id: string | null;
    google_id: string | null;
    changed_fields: string[] | null;
  }>(
    `SELECT id, event_type, status, message, details, created_at, start_time, end_time,
            run_id, dataset, record_id, notion_page_id, google_id, changed_fields
     FROM jarvis_sync.sync_logs
     WHERE ($1::text IS NULL OR event_type = $1)
       AND ($2::text IS NULL OR status = $2)
       AND ($3::timestamptz IS NULL OR created_at >= $3)
       AND ($5::uuid IS NULL OR run_id = $5)
     ORDER BY created_at DESC, id
     LIMIT $4`,
    [q.eventType ?? null, q.status ?? null, q.since ?? null, Math.max(0, Math.floor(q.limit)), q.runId ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    eventType: r.event_type,
    status: r.status,
    message: r.message,
    details: r.details,
    createdAt: r.created_at,
    startTime: r.start_time,
    endTime: r.end_time,
    runId: r.run_id,
    dataset: r.dataset,
    recordId: r.record_id,
    notionPageId: r.notion_page_id,
    googleId: r.google_id,
    changedFields: r.changed_fields,
  }));
}
