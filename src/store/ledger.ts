/**
 * The engine's ledger. sync_links: per record, the ids linking it across systems and the base —
 * the canonical value both sides last agreed on, which the 3-way merge compares against.
 * sync_failures: records that failed, retried on the next run.
 */
import { chunks, recordset, toRecord } from './batch.ts';
import type { ColumnType, Sql } from './types.ts';

export interface SyncLink {
  recordId: string;
  notionPageId: string | null;
  googleId: string | null;
  /** The last agreed canonical record (any JSON). */
  base: unknown;
  baseHash: string | null;
  notionEditedAt: Date | null;
  pgUpdatedAt: Date | null;
  syncedAt: Date;
}

/** What upsertLinks writes; omitted fields are stored as NULL (syncedAt defaults to now()). */
export interface SyncLinkInput {
  recordId: string;
  notionPageId?: string | null;
  googleId?: string | null;
  base?: unknown;
  baseHash?: string | null;
  notionEditedAt?: Date | string | null;
  pgUpdatedAt?: Date | string | null;
  syncedAt?: Date | string | null;
}

export interface SyncFailure {
  dataset: string;
  source: string;
  sourceId: string;
  error: string | null;
  attempts: number;
  firstFailedAt: Date;
  lastFailedAt: Date;
}

const LINK_COLUMNS: Record<string, ColumnType> = {
  record_id: 'uuid',
  notion_page_id: 'text',
  google_id: 'text',
  base: 'jsonb',
  base_hash: 'text',
  notion_edited_at: 'timestamptz',
  pg_updated_at: 'timestamptz',
  synced_at: 'timestamptz',
};

interface LinkRow {
  record_id: string;
  notion_page_id: string | null;
  google_id: string | null;
  base: unknown;
  base_hash: string | null;
  notion_edited_at: Date | null;
  pg_updated_at: Date | null;
  synced_at: Date;
}

/** Links of `dataset`, keyed by record id: those of `recordIds`, or all of them when null. */
export async function readLinks(sql: Sql, dataset: string, recordIds: string[] | null): Promise<Map<string, SyncLink>> {
  const select = 'SELECT record_id, notion_page_id, google_id, base, base_hash, notion_edited_at, pg_updated_at, synced_at FROM jarvis_sync.sync_links WHERE dataset = $1';
  const out = new Map<string, SyncLink>();
  const add = (rows: LinkRow[]) => rows.forEach((r) => out.set(r.record_id, toLink(r)));
  if (recordIds === null) {
    add((await sql.query<LinkRow>(select, [dataset])).rows);
    return out;
  }
  for (const chunk of chunks([...new Set(recordIds)])) {
    add((await sql.query<LinkRow>(`${select} AND record_id = ANY($2::uuid[])`, [dataset, chunk])).rows);
  }
  return out;
}

/** Inserts or replaces links (one statement per 5,000). Duplicate record ids: the last one wins. */
export async function upsertLinks(sql: Sql, dataset: string, links: SyncLinkInput[]): Promise<void> {
  const byId = new Map(links.map((l) => [l.recordId, l]));
  const set = Object.keys(LINK_COLUMNS)
    .filter((c) => c !== 'record_id')
    .map((c) => `${c} = excluded.${c}`)
    .join(', ');
  const text = `INSERT INTO jarvis_sync.sync_links (dataset, ${Object.keys(LINK_COLUMNS).join(', ')})
    SELECT $2, x.record_id, x.notion_page_id, x.google_id, x.base, x.base_hash, x.notion_edited_at, x.pg_updated_at, coalesce(x.synced_at, now())
    FROM ${recordset(LINK_COLUMNS)}
    ON CONFLICT (dataset, record_id) DO UPDATE SET ${set}`;
  for (const chunk of chunks([...byId.values()])) {
    const payload = chunk.map((l) =>
      toRecord(
        {
          record_id: l.recordId,
          notion_page_id: l.notionPageId,
          google_id: l.googleId,
          base: l.base,
          base_hash: l.baseHash,
          notion_edited_at: l.notionEditedAt,
          pg_updated_at: l.pgUpdatedAt,
          synced_at: l.syncedAt,
        },
        LINK_COLUMNS,
      ),
    );
    await sql.query(text, [JSON.stringify(payload), dataset]);
  }
}

/** Forgets links (e.g. when a pairing turned out wrong); returns how many were removed. */
export async function deleteLinks(sql: Sql, dataset: string, recordIds: string[]): Promise<number> {
  let n = 0;
  for (const chunk of chunks([...new Set(recordIds)])) {
    n += (await sql.query('DELETE FROM jarvis_sync.sync_links WHERE dataset = $1 AND record_id = ANY($2::uuid[])', [dataset, chunk])).rowCount;
  }
  return n;
}

/** Records failures; a record that failed before gets attempts + 1 and the new error. */
export async function recordFailures(sql: Sql, dataset: string, failures: Array<{ source: string; sourceId: string; error: string }>): Promise<void> {
  const unique = new Map(failures.map((f) => [`${f.source}\u0000${f.sourceId}`, f]));
  const columns: Record<string, ColumnType> = { source: 'text', source_id: 'text', error: 'text' };
  for (const chunk of chunks([...unique.values()])) {
    const payload = chunk.map((f) => ({ source: f.source, source_id: f.sourceId, error: f.error }));
    await sql.query(
      `INSERT INTO jarvis_sync.sync_failures (dataset, source, source_id, error)
       SELECT $2, x.source, x.source_id, x.error FROM ${recordset(columns)}
       ON CONFLICT (dataset, source, source_id) DO UPDATE
         SET error = excluded.error, attempts = sync_failures.attempts + 1, last_failed_at = now()`,
      [JSON.stringify(payload), dataset],
    );
  }
}

/** Removes failures that have now synced; returns how many were removed. */
export async function clearFailures(sql: Sql, dataset: string, source: string, sourceIds: string[]): Promise<number> {
  let n = 0;
  for (const chunk of chunks([...new Set(sourceIds)])) {
    n += (await sql.query('DELETE FROM jarvis_sync.sync_failures WHERE dataset = $1 AND source = $2 AND source_id = ANY($3::text[])', [dataset, source, chunk])).rowCount;
  }
  return n;
}

/** Failures of `dataset` (optionally of one source), oldest first. */
export async function listFailures(sql: Sql, dataset: string, source?: string): Promise<SyncFailure[]> {
  const { rows } = await sql.query<{
    dataset: string;
    source: string;
    source_id: string;
    error: string | null;
    attempts: number;
    first_failed_at: Date;
    last_failed_at: Date;
  }>(
    `SELECT dataset, source, source_id, error, attempts, first_failed_at, last_failed_at
     FROM jarvis_sync.sync_failures WHERE dataset = $1 AND ($2::text IS NULL OR source = $2)
     ORDER BY first_failed_at, source, source_id`,
    [dataset, source ?? null],
  );
  return rows.map((r) => ({
    dataset: r.dataset,
    source: r.source,
    sourceId: r.source_id,
    error: r.error,
    attempts: r.attempts,
    firstFailedAt: r.first_failed_at,
    lastFailedAt: r.last_failed_at,
  }));
}

function toLink(r: LinkRow): SyncLink {
  return {
    recordId: r.record_id,
    notionPageId: r.notion_page_id,
    googleId: r.google_id,
    base: r.base,
    baseHash: r.base_hash,
    notionEditedAt: r.notion_edited_at,
    pgUpdatedAt: r.pg_updated_at,
    syncedAt: r.synced_at,
  };
}
