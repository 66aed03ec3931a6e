/**
 * The Postgres side of a two-way dataset: rows → canonical state, and the batched write of rows
 * together with their ledger entries (one transaction, so a row and its base never disagree).
 */
import { randomUUID } from 'node:crypto';
import type { ResolvedDataset } from '../../config/index.ts';
import { quoteIdent, upsertLinks, upsertRows, type SyncLinkInput } from '../../store/index.ts';
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
  return { recordId: String(row.id), record, updatedAt: new Date(row.updated_at).getTime(), row };
}

/** Rows changed since `since` (all rows when null), soft-deleted ones included. */
export async function readChangedRows(sql: Sql, ds: ResolvedDataset, since: string | null): Promise<Row[]> {
  const cols = ['id', ...Object.keys(rowColumns(ds))].map(quoteIdent).join(', ');
  const where = since ? 'WHERE updated_at >= $1' : '';
  const { rows } = await sql.query<Row>(`SELECT ${cols} FROM ${quoteIdent(ds.table)} ${where}`, since ? [since] : []);
  return rows;
}

export interface PostgresWrite {
  entry: TwoWayEntry;
  existing: Row | undefined;
  /** Where the change came from, for last_sync_source. */
  source: 'notion' | 'supabase';
}

/**
 * Writes rows and ledger entries for the given entries in one transaction. New rows get their id
 * here (Notion-born records), so the row and its ledger entry are written together.
 */
export async function writeRowsAndLinks(sql: Sql, ds: ResolvedDataset, writes: PostgresWrite[], links: SyncLinkInput[], now: Date): Promise<void> {
  const columns: Record<string, ColumnType> = { ...rowColumns(ds), notion_updated_at: 'timestamptz', last_sync_source: 'text' };
  delete columns.updated_at; // maintained by the trigger
  const rows = writes.map(({ entry, existing, source }) => ({
    id: entry.recordId,
    notion_page_id: entry.pageId,
    ...recordToColumns(ds.fields, entry.final, existing),
    deleted_at: entry.final[DELETED] ? (existing?.deleted_at ?? now) : null,
    notion_updated_at: entry.notionEditedAt ? new Date(entry.notionEditedAt) : (existing?.notion_updated_at ?? null),
    last_sync_source: source,
  }));
  await sql.transaction(async (tx) => {
    if (rows.length) await upsertRows(tx, { table: ds.table, keyColumn: 'id', keyType: 'uuid', columns }, rows);
    if (links.length) await upsertLinks(tx, ds.name, links);
  });
}

export function newRecordId(): string {
  return randomUUID();
}
