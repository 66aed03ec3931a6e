/**
 * The Postgres reads of a two-way run: the rows changed in the window (all on a full run), the
 * rows of the pages read, and the records that failed or whose page creation was interrupted last
 * time, plus the rows a targeted run names.
 */
import { listFailures, selectRowsByKeys, type SyncFailure } from '../../store/index.ts';
import type { ReadNotionPage } from './notionSide.ts';
import { readChangedRows, rowColumns, type Row } from './postgresSide.ts';
import type { TwoWayRun } from './run.ts';

export interface PostgresReads {
  /** Every row at hand, by id. */
  rows: Map<string, Row>;
  /** The rows the window read (the Postgres cursor moves up to the newest of them). */
  windowRows: Row[];
  /** The records that failed last run (both sides), retried now. */
  failures: SyncFailure[];
  /** Rows whose page creation was marked but never recorded (sync_links without a page). */
  pending: string[];
}

/** `pages`: the pages read so far (NotionReads.pages), whose rows are read too. */
export async function readPostgresSide(run: TwoWayRun, pages: Map<string, ReadNotionPage>): Promise<PostgresReads> {
  const { ctx, ds, window } = run;
  const { store } = ctx;
  const rows = new Map<string, Row>();
  const windowRows = window.targeted ? [] : await readChangedRows(store, ds, window.full ? null : window.pgSince);
  for (const r of windowRows) rows.set(String(r.id), r);
  const selectSpec = { table: ds.table, columns: { id: 'uuid' as const, ...rowColumns(ds) } };
  const linkedPages = new Set([...rows.values()].map((r) => r.notion_page_id).filter(Boolean));
  const byPage = await selectRowsByKeys(store, { ...selectSpec, keyColumn: 'notion_page_id' }, [...pages.keys()].filter((id) => !linkedPages.has(id)));
  for (const r of byPage.values()) rows.set(String(r.id), r);
  const failures = window.targeted ? [] : await listFailures(store, ds.name);
  const pending = window.targeted
    ? []
    : (await store.query<{ record_id: string }>(`SELECT record_id FROM jarvis_sync.sync_links WHERE dataset = $1 AND notion_page_id IS NULL`, [ds.name])).rows.map((r) => r.record_id);
  const wantedIds = [
    ...(run.opts.recordIds ?? []),
    ...failures.filter((f) => f.source === 'postgres').map((f) => f.sourceId),
    ...pending,
    ...[...pages.values()].map((r) => r.rowId).filter((x): x is string => Boolean(x) && isUuid(x!)),
  ];
  const byId = await selectRowsByKeys(store, { ...selectSpec, keyColumn: 'id', keyType: 'uuid' }, wantedIds.filter((id) => !rows.has(id)));
  for (const r of byId.values()) rows.set(String(r.id), r);
  return { rows, windowRows, failures, pending };
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
