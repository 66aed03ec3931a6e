/**
 * `jarvis-sync relink [dataset] [--dry-run]`: only the link-rebuilding step of a full run, for
 * one two-way dataset — every page and every row read, lost `notion_page_id`s restored (sync_links,
 * row-id property, natural keys) and ambiguities reported; nothing else is compared or written.
 * Contacts also get back a lost `google_resource_name` from the Google step's ledger. Holds the
 * dataset's lock, like a sync of it.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import { quoteIdent, readLinks } from '../../store/index.ts';
import { chunks, recordset } from '../../store/batch.ts';
import type { Sql } from '../../store/types.ts';
import type { RunContext } from '../context.ts';
import { resolveDataSourceId } from '../dataSource.ts';
import { emptyResult, type RunResult } from '../result.ts';
import { runFramed } from '../runFrame.ts';
import { readNotionPage, type ReadNotionPage } from '../twoWay/notionSide.ts';
import { readChangedRows, type Row } from '../twoWay/postgresSide.ts';
import { planRelink } from './planRelink.ts';
import { applyRelinks, describeRelinks, planRelinkAtHand } from './relinkTwoWay.ts';

/** The ledger name of the contacts Google step (src/engine/google/runContactsGoogle.ts). */
const GOOGLE_LEG = 'contacts_google';

export async function runRelink(ctx: RunContext, ds: ResolvedDataset, opts: { dryRun?: boolean } = {}): Promise<RunResult> {
  const dryRun = Boolean(opts.dryRun);
  if (ds.pattern !== 'two-way' || !ds.databaseId || !ds.enabled) {
    const r = emptyResult(`${ds.name}_relink`, 'full', dryRun);
    r.status = 'skipped';
    r.message =
      ds.pattern === 'calendar' || ds.pattern === 'gmail'
        ? `${ds.name}: rows are keyed by their Google id (unique), so every run finds them again by it; no link to rebuild`
        : ds.pattern === 'one-way'
          ? `${ds.name}: one-way rows are keyed by their page id; no link to rebuild`
          : `${ds.name}: ${ds.enabled ? `not configured (set ${ds.databaseIdEnv})` : 'disabled in the config file'}`;
    return r;
  }
  // Logged as its own step (`<dataset>_relink_sync`), under the dataset's lock.
  return runFramed(ctx, { ...ds, name: `${ds.name}_relink` }, { dryRun, full: true }, (result, _started, guarded) => relink(guarded, ds, dryRun, result), ds.name);
}

async function relink(ctx: RunContext, ds: ResolvedDataset, dryRun: boolean, result: RunResult): Promise<void> {
  const { store, notion } = ctx;
  result.mode = 'full';
  const dataSourceId = await resolveDataSourceId(store, notion, ds, !dryRun);
  const reads = new Map<string, ReadNotionPage>();
  for await (const page of notion.queryPages(dataSourceId, {})) {
    try {
      reads.set(page.id, readNotionPage(ds, page));
    } catch (e) {
      result.errors.push({ key: page.id, error: (e as Error).message, kind: 'validation' });
    }
  }
  const rows = new Map<string, Row>((await readChangedRows(store, ds, null)).map((r) => [String(r.id), r]));
  // Creates marked but not confirmed are the next sync's to recover (by row id, oldest page).
  const pending = (await store.query<{ record_id: string }>(`SELECT record_id FROM jarvis_sync.sync_links WHERE dataset = $1 AND notion_page_id IS NULL`, [ds.name])).rows.map((r) => r.record_id);
  const plan = await planRelinkAtHand(store, ds, rows, reads, { everything: true, skip: new Set(pending) });
  if (!dryRun) await applyRelinks(store, ds, plan);
  if (plan.restores.length) result.relinked = plan.restores;
  const ambiguities = [...plan.ambiguities];
  let google = '';
  if (ds.google === 'people') {
    const g = await relinkGoogle(store, ds, dryRun);
    ambiguities.push(...g.ambiguities);
    if (g.restored) google = `, ${g.restored} Google link${g.restored === 1 ? '' : 's'} rebuilt (sync_links)`;
  }
  if (ambiguities.length) {
    result.ambiguousLinks = ambiguities;
    for (const a of ambiguities) result.warnings.push(`link not rebuilt (ambiguous): ${a.reason}`);
  }
  result.unchanged = [...rows.values()].filter((r) => r.notion_page_id).length;
  result.message = `${ds.name}: ${dryRun ? 'dry run — ' : ''}${describeRelinks(plan).replace('rebuilt', dryRun ? 'would be rebuilt' : 'rebuilt')}${google}, ${ambiguities.length} ambiguous, ${result.errors.length} errors`;
}

/**
 * Contacts' Google link (`google_resource_name`) from the Google step's ledger, under the same
 * rule: a resource name another row holds now is reported, not moved.
 */
export async function relinkGoogle(store: Sql, ds: ResolvedDataset, dryRun: boolean): Promise<{ restored: number; ambiguities: Array<{ reason: string; recordIds: string[]; pageIds: string[] }> }> {
  const table = quoteIdent(ds.table);
  const { rows } = await store.query<{ id: string; google_resource_name: string | null; deleted_at: Date | null }>(`SELECT id::text AS id, google_resource_name, deleted_at FROM ${table}`);
  const unlinked = rows.filter((r) => !r.google_resource_name).map((r) => r.id);
  const links = await readLinks(store, GOOGLE_LEG, unlinked);
  const plan = planRelink({
    rows: rows.map((r) => ({ id: r.id, notionPageId: r.google_resource_name, deleted: r.deleted_at !== null })),
    ledgerPages: new Map([...links.values()].filter((l) => l.googleId).map((l) => [l.recordId, l.googleId!])),
    pages: [],
    naturalKeys: false,
  });
  if (!dryRun && plan.restores.length) {
    for (const chunk of chunks(plan.restores)) {
      await store.query(
        `UPDATE ${table} AS t SET google_resource_name = x.google_resource_name FROM ${recordset({ id: 'uuid', google_resource_name: 'text' })} WHERE t.id = x.id AND t.google_resource_name IS NULL`,
        [JSON.stringify(chunk.map((r) => ({ id: r.recordId, google_resource_name: r.pageId })))],
      );
    }
  }
  // The planner speaks of pages; here they are Google contacts.
  const ambiguities = plan.ambiguities.map((a) => ({ ...a, reason: `Google: ${a.reason.replace(/\bpage\b/g, 'Google contact').replace('notion_page_id', 'google_resource_name')}` }));
  return { restored: plan.restores.length, ambiguities };
}
