/**
 * The Notion reads of a two-way run, in the order the run needs them:
 *   readNotionSide    the window: the pages named (targeted), edited since the cursor (incremental)
 *                     or all of them (full); a page lacking a mapped property re-checks the schema
 *                     before anything is written;
 *   readPagesOfRows   the pages the Postgres side names: of rows named by id, of pages that failed
 *                     last run, and of creates that were interrupted (found by their row id);
 *   readPairedPages   what the pairs still need: a full run's linked pages that were not returned
 *                     (after the valves), and pages whose base is missing or unconfirmed.
 * Every page goes through NotionReads, which keeps only what the run uses of it.
 */
import type { NotionPage } from '../../connectors/notion/types.ts';
import { recheckSchema, SchemaMismatchError } from '../dataSource.ts';
import { ATTEMPTED } from '../planTwoWay.ts';
import { MalformedRecordError } from '../readNotionFields.ts';
import { checkDeletionValve, checkSafetyValve } from '../safetyValve.ts';
import { readNotionPage, type ReadNotionPage } from './notionSide.ts';
import type { Paired } from './pair.ts';
import type { PostgresReads } from './readPostgresSide.ts';
import type { TwoWayRun } from './run.ts';

/** The pages a run has read, and what the cursor needs to know about them. */
export class NotionReads {
  /** By page id. */
  readonly pages = new Map<string, ReadNotionPage>();
  /** last_edited_time of the pages the window query returned (the cursor moves up to the newest). */
  readonly queriedEditTimes: string[] = [];
  /** last_edited_time of the pages that could not be read (the cursor never passes them). */
  readonly failedEditTimes: string[] = [];
  /** How many pages the window query returned (the safety valve's count). */
  returned = 0;
  /** A page lacked a mapped property (or had another type): the schema is suspect. */
  propertyMismatch = false;

  constructor(private readonly run: Pick<TwoWayRun, 'ds' | 'ctx' | 'errors'>) {}

  /** Reads a page's mapped fields; a page that cannot be read is a record error. */
  take(page: NotionPage): void {
    try {
      this.pages.set(page.id, readNotionPage(this.run.ds, page));
    } catch (e) {
      if (e instanceof MalformedRecordError && e.propertyMismatch) this.propertyMismatch = true;
      this.run.errors.fail(page.id, e);
      this.failedEditTimes.push(page.last_edited_time);
    }
  }

  /** Retrieves a page by id: null when Notion has none (trashed and purged, or not shared) or the request failed (a record error). */
  async retrieve(pageId: string): Promise<NotionPage | null> {
    try {
      return await this.run.ctx.notion.retrievePage(pageId);
    } catch (e) {
      this.run.errors.fail(pageId, e);
      return null;
    }
  }

  /** Retrieves and reads a page; true when Notion has no such page (its request did not fail). */
  async retrieveAndTake(pageId: string): Promise<{ gone: boolean }> {
    const page = await this.retrieve(pageId);
    if (page) this.take(page);
    return { gone: !page && !this.run.errors.has(pageId) };
  }
}

/** The window's pages: by id (targeted), edited since the window's start (incremental), or all (full). */
export async function readNotionSide(run: TwoWayRun, reads: NotionReads): Promise<void> {
  const { ctx, ds, dataSourceId, opts, window } = run;
  if (window.targeted) {
    for (const id of new Set(opts.pageIds ?? [])) await reads.retrieveAndTake(id);
  } else {
    const since = window.full ? null : window.notionSince;
    for await (const page of ctx.notion.queryPages(dataSourceId, { ...(since ? { editedOnOrAfter: since } : {}), complete: ds.fields.map((f) => f.property) })) {
      reads.returned++;
      reads.queriedEditTimes.push(page.last_edited_time);
      reads.take(page);
    }
  }
  if (reads.propertyMismatch) {
    try {
      // Throws (the run stops, nothing written) when the schema itself drifted; else those pages alone are odd.
      await recheckSchema(ctx.store, ctx.notion, run.configured, ctx.config.datasets, !run.dryRun);
    } catch (e) {
      if (e instanceof SchemaMismatchError) run.result.errors.length = 0;
      throw e;
    }
  }
}

/**
 * The pages the Postgres side names. A run for rows named by id (an app's edit, picked up by the
 * change listener) reads their pages too, one request each: without them the merge would take the
 * last synced value for Notion's side, and a Notion edit not synced yet would be overwritten with no
 * conflict recorded. Then the pages that failed last run, and the pages of interrupted creates: a
 * row marked "creating" may already have its page, found by the row id property.
 */
export async function readPagesOfRows(run: TwoWayRun, reads: NotionReads, pg: PostgresReads): Promise<void> {
  const { ctx, ds, errors } = run;
  for (const id of new Set(run.opts.recordIds ?? [])) {
    const pageId = pg.rows.get(id)?.notion_page_id;
    if (!pageId || reads.pages.has(pageId) || errors.has(pageId)) continue;
    await reads.retrieveAndTake(pageId);
  }
  for (const f of pg.failures.filter((f) => f.source === 'notion' && !reads.pages.has(f.sourceId) && !errors.has(f.sourceId))) {
    await reads.retrieveAndTake(f.sourceId);
  }
  const claimedRows = new Set([...reads.pages.values()].map((r) => r.rowId));
  for (const recordId of pg.pending) {
    if (claimedRows.has(recordId)) continue;
    try {
      const found = await ctx.notion.findPagesByRichText(run.dataSourceId, ds.rowIdProperty!, recordId);
      const oldest = found.sort((a, b) => a.created_time.localeCompare(b.created_time))[0];
      if (oldest) reads.take(oldest);
      if (found.length > 1) run.result.warnings.push(`row ${recordId} has ${found.length} Notion pages; linked the oldest (${oldest!.id})`);
    } catch (e) {
      errors.fail(recordId, e, 'record_id');
    }
  }
}

/**
 * The pages the pairs still need; returns the ids of pages Notion no longer has (deleted in Notion).
 *
 * Full runs: the count valve, then linked pages that were not returned — the deletion valve before
 * spending a request on each, then a confirming retrieve (trashed, gone, or still there).
 * Every run: a changed row linked to a page we have no base for needs that page's value; so does a
 * record with an unconfirmed write of ours (ATTEMPTED) — only the page tells whether it landed, and
 * a run that lets the base stand in for the page (the contacts step after Google) would otherwise
 * replace the marker and later take our landed write for a Notion edit.
 */
export async function readPairedPages(run: TwoWayRun, reads: NotionReads, pg: PostgresReads, paired: Paired): Promise<Set<string>> {
  const { ctx, opts, window, errors } = run;
  const { sync } = ctx.config;
  const notionGone = new Set<string>();
  const readAndMarkGone = async (pageId: string) => {
    if ((await reads.retrieveAndTake(pageId)).gone) notionGone.add(pageId);
  };
  if (window.full) {
    const activeRows = [...pg.rows.values()].filter((r) => !r.deleted_at);
    checkSafetyValve(reads.returned, activeRows.filter((r) => r.notion_page_id).length, sync.safetyValveRatio);
    // The other direction matters once the two sides have been paired: before that, an empty
    // table is simply a first sync.
    if (window.pgCursor) checkSafetyValve(activeRows.length, reads.returned, sync.safetyValveRatio, 'Postgres', 'Notion');
    const absent = paired.pairs.filter((p) => p.pageId && p.recordId && !reads.pages.has(p.pageId) && !pg.rows.get(p.recordId)?.deleted_at && !errors.has(p.pageId));
    checkDeletionValve(absent.length, Math.max(reads.returned, activeRows.length), { share: sync.deletionValveShare, minimum: sync.deletionValveMinimum, force: opts.force });
    for (const p of absent) await readAndMarkGone(p.pageId!);
  }
  for (const p of paired.pairs) {
    const base = (p.recordId ? paired.links.get(p.recordId)?.base : undefined) as Record<string, unknown> | null | undefined;
    if (p.pageId && p.recordId && !reads.pages.has(p.pageId) && !notionGone.has(p.pageId) && (!base || base[ATTEMPTED]) && !errors.has(p.pageId)) {
      await readAndMarkGone(p.pageId);
    }
  }
  return notionGone;
}
