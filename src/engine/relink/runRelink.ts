/**
 * `jarvis-sync relink [dataset] [--dry-run]`: only the link-rebuilding step of a full run, for
 * one two-way dataset — every page and every row read, lost `notion_page_id`s restored (sync_links,
 * row-id property, natural keys) and ambiguities reported; nothing else is compared or written.
 * Contacts also get back a lost `google_resource_name` from the Google step's ledger. Holds the
 * dataset's lock, like a sync of it.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import type { RunContext } from '../context.ts';
import { resolveDataSourceId } from '../dataSource.ts';
import { emptyResult, type RunResult } from '../result.ts';
import { runFramed } from '../runFrame.ts';
import { readNotionPage, type ReadNotionPage } from '../twoWay/notionSide.ts';
import { readChangedRows, type Row } from '../twoWay/postgresSide.ts';
import { relinkGoogle } from './relinkGoogle.ts';
import { applyRelinks, describeRelinks, planRelinkAtHand } from './relinkTwoWay.ts';

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
