/**
 * The Postgres side of a two-way dataset: rows → canonical state, and the batched write of rows
 * together with their ledger entries (one transaction, so a row and its base never disagree).
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedDataset } from '../../config/index.ts';
import { quoteIdent, updateRowsByKey, upsertLinks, upsertRows, type SyncLinkInput } from '../../store/index.ts';
import type { ColumnType, Sql } from '../../store/types.ts';
import { canonicalFromRow, recordToColumns } from '../canonical.ts';
import { DELETED, type PostgresState, type TwoWayEntry } from '../planTwoWay.ts';

export type Row = Record<string, any>;

export function rowColumns(ds: ResolvedDataset): Record<string, ColumnType> {
  const columns: Record<string, ColumnType> = { notion_page_id: 'text', updated_at: 'timestamptz', deleted_at: 'timestamptz' };
  for (const f of ds.fields) {
    columns[f.column] = f.columnType;
    if (f.endColumn) columns[f.endColumn] = f.columnType;
  }
  return columns;
}

export function postgresState(ds: ResolvedDataset, row: Row): PostgresState {
  const record = canonicalFromRow(ds.fields, row);
  record[DELETED] = row.deleted_at !== null && row.deleted_at !== undefined;
  // An unknown change time (NULL) counts as old: a Notion edit of the same field wins a conflict.
  return { recordId: String(row.id), record, updatedAt: row.updated_at ? new Date(row.updated_at).getTime() : 0, row };
}

/**
 * Rows changed since `since` (all rows when null), soft-deleted ones included. An incremental read
 * also takes the rows whose change time is unknown (updated_at NULL: an app's insert into an adopted
 * table without a default, before migrate made the trigger fill it) and the live rows never linked
 * to a page (notion_page_id NULL: new, or unlinked by hand), whatever their updated_at says. Each
 * condition is on an indexed column (btree indexes hold NULLs), so PostgreSQL can answer with a
 * bitmap OR of the updated_at and notion_page_id indexes instead of a scan.
 */
export async function readChangedRows(sql: Sql, ds: ResolvedDataset, since: string | null): Promise<Row[]> {
  const { text, params } = changedRowsQuery(ds, since);
  return (await sql.query<Row>(text, params)).rows;
}

/** The query of readChangedRows (exported so a test can check its plan). */
export function changedRowsQuery(ds: ResolvedDataset, since: string | null): { text: string; params: unknown[] } {
  const cols = ['id', ...Object.keys(rowColumns(ds))].map(quoteIdent).join(', ');
  const where = since ? 'WHERE updated_at >= $1 OR updated_at IS NULL OR (notion_page_id IS NULL AND deleted_at IS NULL)' : '';
  return { text: `SELECT ${cols} FROM ${quoteIdent(ds.table)} ${where}`, params: since ? [since] : [] };
}

export interface PostgresWrite {
  entry: TwoWayEntry;
  existing: Row | undefined;
  /** Where the change came from, for last_sync_source. */
  source: 'notion' | 'supabase';
  /**
   * Only the standard columns change (notion_page_id, notion_updated_at, last_sync_source): the
   * values went from Postgres to Notion, or a pair was linked. The row's values are not rewritten
   * (an app's edit since our read stays), so updated_at stays too.
   */
  syncColumnsOnly?: boolean;
  /**
   * With syncColumnsOnly: read-only fields whose values Notion computed in answer to our write
   * (TwoWayEntry.computed), written with the standard columns (their values from entry.final).
   */
  computedFields?: string[];
}

/**
 * Writes rows and ledger entries for the given entries in one transaction. New rows get their id
 * here (Notion-born records), so the row and its ledger entry are written together.
 */
export async function writeRowsAndLinks(
  sql: Sql,
  ds: ResolvedDataset,
  writes: PostgresWrite[],
  links: SyncLinkInput[],
  now: Date,
  /** Runs last in the same transaction: the batch's audit rows (changeLog.ts) land with the rows or not at all. */
  alsoInTransaction?: (tx: Sql) => Promise<void>,
): Promise<void> {
  const columns: Record<string, ColumnType> = { ...rowColumns(ds), notion_updated_at: 'timestamptz', last_sync_source: 'text' };
  delete columns.updated_at; // maintained by the trigger
  const rows = writes.filter((w) => !w.syncColumnsOnly).map(({ entry, existing, source }) => ({
    id: entry.recordId,
    notion_page_id: entry.pageId,
    ...recordToColumns(ds.fields, entry.final, existing),
    deleted_at: entry.final[DELETED] ? (existing?.deleted_at ?? now) : null,
    notion_updated_at: entry.notionEditedAt ? new Date(entry.notionEditedAt) : (existing?.notion_updated_at ?? null),
    last_sync_source: source,
  }));
  // One UPDATE per set of computed columns (almost always one: none, or the same read-only fields).
  const syncOnly = new Map<string, { columns: Record<string, ColumnType>; rows: Array<Record<string, unknown>> }>();
  for (const { entry, existing, source, syncColumnsOnly, computedFields } of writes) {
    if (!syncColumnsOnly) continue;
    const fields = ds.fields.filter((f) => computedFields?.includes(f.field));
    const key = fields.map((f) => f.column).join(',');
    const group = syncOnly.get(key) ?? { columns: { ...SYNC_COLUMNS, ...Object.fromEntries(fields.map((f) => [f.column, f.columnType])) }, rows: [] };
    syncOnly.set(key, group);
    group.rows.push({
      id: entry.recordId,
      notion_page_id: entry.pageId,
      notion_updated_at: entry.notionEditedAt ? new Date(entry.notionEditedAt) : (existing?.notion_updated_at ?? null),
      last_sync_source: source,
      ...recordToColumns(fields, entry.final, existing),
    });
  }
  await sql.transaction(async (tx) => {
    if (rows.length) await upsertRows(tx, { table: ds.table, keyColumn: 'id', keyType: 'uuid', columns }, rows);
    for (const g of syncOnly.values()) await updateRowsByKey(tx, { table: ds.table, keyColumn: 'id', keyType: 'uuid', columns: g.columns }, g.rows);
    if (links.length) await upsertLinks(tx, ds.name, links);
    await alsoInTransaction?.(tx);
  });
}

/** The standard columns that say where a row's values came from and which page version it matches. */
const SYNC_COLUMNS: Record<string, ColumnType> = { notion_page_id: 'text', notion_updated_at: 'timestamptz', last_sync_source: 'text' };

export function newRecordId(): string {
  return randomUUID();
}
