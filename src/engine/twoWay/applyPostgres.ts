/**
 * The Postgres writes of a two-way run: the rows and ledger entries of every record Notion took
 * (or that had nothing for Notion), in one transaction with their audit rows; row by row when the
 * batch is refused, so one bad record fails alone.
 */
import type { SyncLinkInput } from '../../store/index.ts';
import { twoWayChanges } from '../changeLog.ts';
import type { TwoWayEntry } from '../planTwoWay.ts';
import { newRecordId, writeRowsAndLinks, type PostgresWrite, type Row } from './postgresSide.ts';
import type { TwoWayRun } from './run.ts';

/** Writes `done` (applyNotionWrites' entries) to Postgres; returns the entries written. */
export async function applyPostgresWrites(run: TwoWayRun, done: TwoWayEntry[], rows: Map<string, Row>): Promise<Set<TwoWayEntry>> {
  const { ctx, ds, errors } = run;
  const { store } = ctx;
  const now = new Date(ctx.clock.now());
  const perRecord = done.map((e) => postgresWriteOf(e, e.recordId ? rows.get(e.recordId) : undefined));
  const written = new Set<TwoWayEntry>(done);
  try {
    await writeRowsAndLinks(store, ds, perRecord.flatMap((r) => (r.write ? [r.write] : [])), perRecord.map((r) => r.link), now, (tx) => ctx.changes?.write(tx, twoWayChanges(perRecord)) ?? Promise.resolve());
  } catch (batchError) {
    ctx.logger.warn({ dataset: ds.name, err: (batchError as Error).message }, 'batched write failed; writing record by record to isolate the bad one');
    for (const r of perRecord) {
      try {
        await writeRowsAndLinks(store, ds, r.write ? [r.write] : [], [r.link], now);
      } catch (err) {
        written.delete(r.entry);
        errors.fail(r.entry.recordId ?? r.entry.pageId!, new Error(`Postgres rejected ${r.entry.recordId ?? r.entry.pageId}: ${(err as Error).message}`), r.entry.recordId ? 'record_id' : 'notion_page_id');
      }
    }
    // The change rows of the records written (and of every Notion write): one statement.
    await ctx.changes?.write(store, twoWayChanges(perRecord, (e) => written.has(e)));
  }
  await ctx.failpoint?.('create:recorded');
  return written;
}

/**
 * What one record writes, pure: its row (if anything in it changes) and its ledger entry. A
 * Notion-born record gets its row id here. Values from Notion rewrite the row; values pushed to
 * Notion, or a new link, touch only its standard columns (the page's time after our write, and
 * Postgres as the source) plus the read-only values Notion computed in answer.
 */
export function postgresWriteOf(e: TwoWayEntry, existing: Row | undefined): { entry: TwoWayEntry; write: PostgresWrite | null; link: SyncLinkInput } {
  const entry = { ...e, recordId: e.recordId ?? newRecordId() };
  const fromNotion = e.action === 'create-in-postgres' || e.toPostgres.length > 0;
  const needsRow = fromNotion || e.action === 'create-in-notion' || e.toNotion.length > 0 || (existing !== undefined && existing.notion_page_id !== e.pageId);
  const syncColumnsOnly = !fromNotion && existing !== undefined;
  const computedFields = syncColumnsOnly && e.computed?.length ? { computedFields: e.computed.map((c) => c.field) } : {};
  const write: PostgresWrite | null = needsRow ? { entry, existing, source: fromNotion ? 'notion' : 'supabase', syncColumnsOnly, ...computedFields } : null;
  const link: SyncLinkInput = { recordId: entry.recordId, notionPageId: e.pageId, base: e.base, notionEditedAt: e.notionEditedAt ? new Date(e.notionEditedAt) : null, pgUpdatedAt: existing?.updated_at ?? null };
  return { entry: e, write, link };
}
