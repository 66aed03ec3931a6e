/**
 * Which of the pages a poll found carry something Postgres does not have yet — decided by content,
 * with the engine's own comparison, never by a timestamp: Notion rounds `last_edited_time` down to
 * the minute (a second edit in the same minute keeps it), and jarvis-sync's own writes bump it too.
 *
 * - one-way: the page's canonical record against the row's (planOneWay), trash against deleted_at;
 * - two-way: the page's canonical state against the ledger's base, the value both sides last agreed
 *   on (planPair with the base standing in for Postgres). An echo of our own write equals the base.
 *
 * A page that cannot be read or resolved (a relation to a page not synced yet, a malformed value)
 * counts as changed: the run reports what is wrong with it.
 */
import type { Config, ResolvedDataset } from '../config/index.ts';
import type { NotionPage } from '../connectors/notion/types.ts';
import { readLinks, selectRowsByKeys } from '../store/index.ts';
import type { ColumnType, Sql } from '../store/types.ts';
import { canonicalFromNotion, canonicalFromRow, type CanonicalRecord } from './canonical.ts';
import { planOneWay } from './planOneWay.ts';
import { planPair } from './planTwoWay.ts';
import { collectRelationIds, resolvePageIds } from './relations.ts';
import { notionState, readNotionPage, type ReadNotionPage } from './twoWay/notionSide.ts';

/**
 * The ids of `pages` whose content differs from what is stored (or that are not stored at all).
 * `ds` is the dataset as resolveDataSource returns it (config fields resolved).
 */
export async function pagesToSync(store: Sql, config: Config, ds: ResolvedDataset, pages: NotionPage[]): Promise<Set<string>> {
  const changed = new Set<string>();
  const reads = new Map<string, ReadNotionPage>();
  for (const page of pages) {
    try {
      reads.set(page.id, readNotionPage(ds, page));
    } catch {
      changed.add(page.id);
    }
  }
  if (!reads.size) return changed;
  const relationIds = await resolvePageIds(store, config, ds, collectRelationIds(ds, [...reads.values()].map((r) => r.raw)));
  const lookup = (name: string) => relationIds.get(name) ?? new Map<string, string>();
  const rows = await selectRowsByKeys(store, { table: ds.table, keyColumn: 'notion_page_id', columns: columnTypes(ds) }, [...reads.keys()]);

  if (ds.pattern === 'two-way') {
    const links = await readLinks(store, ds.name, [...rows.values()].map((r) => String(r.id)));
    const planOpts = { fields: ds.fields, bufferMs: config.sync.conflictBufferSeconds * 1000, tieWinner: config.sync.tieWinner };
    for (const [id, read] of reads) {
      const row = rows.get(id);
      const base = row ? ((links.get(String(row.id))?.base as CanonicalRecord | null | undefined) ?? null) : null;
      if (!row || !base) {
        changed.add(id);
        continue;
      }
      try {
        const entry = planPair({ recordId: String(row.id), pageId: id, notion: notionState(ds, read, lookup), base }, planOpts);
        if (entry.action !== 'none' || entry.toPostgres.length || entry.toNotion.length) changed.add(id);
      } catch {
        changed.add(id);
      }
    }
    return changed;
  }

  for (const [id, read] of reads) {
    const row = rows.get(id);
    if (read.page.in_trash || read.page.archived) {
      if (row && !row.deleted_at) changed.add(id);
      continue;
    }
    if (!row) {
      changed.add(id);
      continue;
    }
    try {
      const { record, unresolved } = canonicalFromNotion(ds.fields, read.raw, lookup);
      if (unresolved.length) {
        changed.add(id);
        continue;
      }
      const target = { id: String(row.id), record: canonicalFromRow(ds.fields, row), deletedAt: row.deleted_at ? new Date(row.deleted_at as string).toISOString() : null };
      if (planOneWay([{ key: id, editedAt: read.page.last_edited_time, record }], new Map([[id, target]])).entries.length) changed.add(id);
    } catch {
      changed.add(id);
    }
  }
  return changed;
}

function columnTypes(ds: ResolvedDataset): Record<string, ColumnType> {
  const columns: Record<string, ColumnType> = { id: 'uuid', deleted_at: 'timestamptz' };
  if (ds.pattern === 'two-way') return columns;
  for (const f of ds.fields) {
    columns[f.column] = f.columnType;
    if (f.endColumn) columns[f.endColumn] = f.columnType;
  }
  return columns;
}
