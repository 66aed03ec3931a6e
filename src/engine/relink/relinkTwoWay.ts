/**
 * Rebuilding lost links of a two-way dataset, the I/O around planRelink: what the ledger and the
 * table say about the rows and pages at hand, then one transaction restoring `notion_page_id` and
 * re-recording the pairs in sync_links. Used by every two-way run before it pairs pages with rows
 * (so a cleared link never plans a create) and by `jarvis-sync relink`.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import { chunks, recordset } from '../../store/batch.ts';
import { quoteIdent, readLinks, upsertLinks, type SyncLink } from '../../store/index.ts';
import { OWN_WRITE } from '../../store/rowChanges.ts';
import type { Sql } from '../../store/types.ts';
import { matchColumns } from '../matchIdentity.ts';
import type { ReadNotionPage } from '../twoWay/notionSide.ts';
import { rowColumns, type Row } from '../twoWay/postgresSide.ts';
import { planRelink, type RelinkPage, type RelinkPlan, type RelinkRow } from './planRelink.ts';

export interface RelinkAtHand extends RelinkPlan {
  /** The ledger entries of the unlinked rows (their bases stay when a pair is re-recorded). */
  links: Map<string, SyncLink>;
  /** Rows the natural keys matched that were not at hand (incremental runs): the caller adds them. */
  extraRows: Map<string, Row>;
}

/**
 * Plans the relinks for `rows` (the run's rows; a full run: all of them) and `reads` (the pages
 * read). `skip`: unlinked rows another step owns (creates marked in sync_links whose page is found
 * by its row id, readPagesOfRows in src/engine/twoWay/readNotionSide.ts). `everything`: rows and pages are complete, so
 * the table need not be asked who else holds a page.
 */
export async function planRelinkAtHand(
  sql: Sql,
  ds: ResolvedDataset,
  rows: Map<string, Row>,
  reads: Map<string, ReadNotionPage>,
  opts: { everything: boolean; skip?: Set<string> },
): Promise<RelinkAtHand> {
  const unlinkedIds = [...rows.values()].filter((r) => !r.notion_page_id && !opts.skip?.has(String(r.id))).map((r) => String(r.id));
  const links = unlinkedIds.length ? await readLinks(sql, ds.name, unlinkedIds) : new Map<string, SyncLink>();
  const ledgerPages = new Map([...links.values()].filter((l) => l.notionPageId).map((l) => [l.recordId, l.notionPageId!]));
  const { email, phone } = ds.matchUnlinkedBy?.length ? matchColumns(ds.fields, ds.matchUnlinkedBy) : {};
  const naturalKeys = Boolean(email || phone);
  const heldAtHand = new Set([...rows.values()].map((r) => r.notion_page_id).filter(Boolean).map(String));

  const extraRows = new Map<string, Row>();
  const takenElsewhere = new Map<string, string>();
  if (!opts.everything) {
    // Pages these rows might get back may be held by rows this run did not read.
    const candidates = [...new Set([...ledgerPages.values(), ...reads.keys()])].filter((p) => !heldAtHand.has(p));
    for (const chunk of chunks(candidates)) {
      const { rows: holders } = await sql.query<{ id: string; notion_page_id: string }>(`SELECT id::text AS id, notion_page_id FROM ${quoteIdent(ds.table)} WHERE notion_page_id = ANY($1::text[])`, [chunk]);
      for (const h of holders) takenElsewhere.set(h.notion_page_id, h.id);
    }
    // A new page may be a person whose row this run did not read (one that came from Google).
    const freePages = [...reads.keys()].some((p) => !heldAtHand.has(p) && !takenElsewhere.has(p));
    if (naturalKeys && freePages) {
      const cols = ['id', ...Object.keys(rowColumns(ds))].map(quoteIdent).join(', ');
      const { rows: unlinked } = await sql.query<Row>(`SELECT ${cols} FROM ${quoteIdent(ds.table)} WHERE notion_page_id IS NULL AND deleted_at IS NULL`);
      for (const r of unlinked) if (!rows.has(String(r.id)) && !opts.skip?.has(String(r.id))) extraRows.set(String(r.id), r);
    }
  }

  const toRow = (r: Row): RelinkRow => ({
    id: String(r.id),
    notionPageId: r.notion_page_id ? String(r.notion_page_id) : null,
    deleted: r.deleted_at !== null && r.deleted_at !== undefined,
    emails: email ? r[email.column] : undefined,
    phones: phone ? r[phone.column] : undefined,
  });
  const relinkRows = [...rows.values(), ...extraRows.values()].filter((r) => !opts.skip?.has(String(r.id))).map(toRow);
  const pages: RelinkPage[] = [...reads.values()].map((read) => ({
    pageId: read.page.id,
    rowId: read.rowId,
    trashed: Boolean(read.page.in_trash || read.page.archived),
    emails: email ? read.raw[email.field] : undefined,
    phones: phone ? read.raw[phone.field] : undefined,
  }));
  const plan = planRelink({ rows: relinkRows, ledgerPages, takenElsewhere, pages, naturalKeys });
  const matched = new Set(plan.restores.map((r) => r.recordId));
  for (const id of [...extraRows.keys()]) if (!matched.has(id)) extraRows.delete(id);
  return { ...plan, links, extraRows };
}

/**
 * Restores the planned `notion_page_id`s and re-records the pairs in sync_links, in one
 * transaction (one statement each per 5,000). A row that got a page meanwhile keeps it; the ledger
 * keeps the base it had (a pair found by row id or natural key without one merges without a base).
 */
export async function applyRelinks(sql: Sql, ds: ResolvedDataset, plan: Pick<RelinkAtHand, 'restores' | 'links'>): Promise<void> {
  if (!plan.restores.length) return;
  const columns = { id: 'uuid', notion_page_id: 'text' } as const;
  await sql.transaction(async (tx) => {
    for (const chunk of chunks(plan.restores)) {
      await tx.query(
        `UPDATE ${quoteIdent(ds.table)} AS t SET notion_page_id = x.notion_page_id FROM ${recordset(columns)} WHERE t.id = x.id AND t.notion_page_id IS NULL AND ${OWN_WRITE}`,
        [JSON.stringify(chunk.map((r) => ({ id: r.recordId, notion_page_id: r.pageId })))],
      );
    }
    const relinked = plan.restores.filter((r) => r.source !== 'sync_links');
    if (relinked.length) {
      await upsertLinks(
        tx,
        ds.name,
        relinked.map((r) => {
          const old = plan.links.get(r.recordId);
          return { recordId: r.recordId, notionPageId: r.pageId, base: old?.base ?? null, baseHash: old?.baseHash ?? null, notionEditedAt: old?.notionEditedAt ?? null, pgUpdatedAt: old?.pgUpdatedAt ?? null };
        }),
      );
    }
  });
}

/** "3 links rebuilt (sync_links 2, row id 1)", for logs and the CLI. */
export function describeRelinks(plan: Pick<RelinkPlan, 'restores'>): string {
  const bySource = new Map<string, number>();
  const label = { sync_links: 'sync_links', row_id: 'row id', email: 'email', phone: 'phone' } as const;
  for (const r of plan.restores) bySource.set(label[r.source], (bySource.get(label[r.source]) ?? 0) + 1);
  const n = plan.restores.length;
  return `${n} link${n === 1 ? '' : 's'} rebuilt${n ? ` (${[...bySource].map(([s, c]) => `${s} ${c}`).join(', ')})` : ''}`;
}
