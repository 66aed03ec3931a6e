/**
 * Pairing the pages and rows a two-way run read. Lost links are rebuilt first, so a cleared
 * notion_page_id never plans a create: sync_links, then the row id property, then natural keys
 * (contacts: email, phone). What more than one row or page could claim is reported and held back,
 * never guessed.
 */
import { readLinks, type SyncLink } from '../../store/index.ts';
import { applyRelinks, describeRelinks, planRelinkAtHand } from '../relink/relinkTwoWay.ts';
import type { ReadNotionPage } from './notionSide.ts';
import type { Row } from './postgresSide.ts';
import type { PostgresReads } from './readPostgresSide.ts';
import type { TwoWayRun } from './run.ts';

/** A record as the run sees it: its row, its page, or both. */
export interface Pair {
  recordId: string | null;
  pageId: string | null;
}

export interface Paired {
  pairs: Pair[];
  /** The ledger entries of the paired rows (their bases). */
  links: Map<string, SyncLink>;
}

/** Rebuilds lost links (written unless a dry run; rows gain their page id here), then pairs pages with rows. */
export async function relinkAndPair(run: TwoWayRun, pages: Map<string, ReadNotionPage>, pg: PostgresReads): Promise<Paired> {
  const { ctx, ds, dryRun, result } = run;
  const { store } = ctx;
  const relink = await planRelinkAtHand(store, ds, pg.rows, pages, { everything: run.window.full, skip: new Set(pg.pending) });
  for (const [id, r] of relink.extraRows) pg.rows.set(id, r);
  if (!dryRun) await applyRelinks(store, ds, relink);
  for (const r of relink.restores) pg.rows.get(r.recordId)!.notion_page_id = r.pageId;
  if (relink.restores.length) {
    result.relinked = relink.restores;
    ctx.logger.info({ dataset: ds.name, relinked: relink.restores.length }, `${describeRelinks(relink)}${dryRun ? ' (dry run: not written)' : ''}: paired, not duplicated`);
  }
  if (relink.ambiguities.length) {
    result.ambiguousLinks = relink.ambiguities;
    for (const a of relink.ambiguities) result.warnings.push(`link not rebuilt (ambiguous; nothing created for these records): ${a.reason}`);
  }
  const pairs = pairRecords(pages.values(), pg.rows, { pageIds: relink.heldPageIds, recordIds: relink.heldRecordIds });
  const links = await readLinks(store, ds.name, pairs.map((p) => p.recordId).filter((x): x is string => Boolean(x)));
  return { pairs, links };
}

/**
 * Pairs pages and rows, pure: by notion_page_id, else by the page's row id property (a create whose
 * write-back was interrupted) when that row has no page yet. A copied page (same row id, row
 * already linked or claimed) is a new record. Every page comes first, in the order read, then the
 * rows no page claimed. `held`: pages and rows an ambiguous relink holds back, left out.
 */
export function pairRecords(pages: Iterable<ReadNotionPage>, rows: Map<string, Row>, held: { pageIds: Set<string>; recordIds: Set<string> }): Pair[] {
  const recordOfPage = new Map<string, string>();
  for (const r of rows.values()) if (r.notion_page_id) recordOfPage.set(String(r.notion_page_id), String(r.id));
  const pairs: Pair[] = [];
  const pairedRows = new Set<string>();
  for (const read of pages) {
    if (held.pageIds.has(read.page.id)) continue;
    let recordId = recordOfPage.get(read.page.id) ?? null;
    if (!recordId && read.rowId && rows.get(read.rowId) && !rows.get(read.rowId)!.notion_page_id && !pairedRows.has(read.rowId)) recordId = read.rowId;
    if (recordId) pairedRows.add(recordId);
    pairs.push({ recordId, pageId: read.page.id });
  }
  for (const r of rows.values()) {
    if (!pairedRows.has(String(r.id)) && !held.recordIds.has(String(r.id))) pairs.push({ recordId: String(r.id), pageId: r.notion_page_id ?? null });
  }
  return pairs;
}
