/**
 * Two-way runner (Notion ⇄ Postgres), per the design's algorithm: read both sides' changes →
 * pair records → three-way merge against the ledger's base → valves → write Notion, then Postgres
 * rows with their ledger entries → record. Decisions are the pure core's (planTwoWay, mergeTwoWay,
 * safetyValve); this file moves data.
 */
import type { ResolvedDataset } from '../config/index.ts';
import { Build } from '../connectors/notion/index.ts';
import type { NotionPage } from '../connectors/notion/types.ts';
import { clearFailures, countActive, listFailures, readLinks, readState, recordFailures, selectRowsByKeys, stateKeys, upsertLinks, writeState, type SyncLink, type SyncLinkInput } from '../store/index.ts';
import type { CanonicalRecord } from './canonical.ts';
import type { RunContext, RunOptions } from './context.ts';
import { nextCursor, windowStart } from './cursor.ts';
import { assertDatasetTable, ensureDatasetTables } from '../store/adoptTables.ts';
import { recheckSchema, resolveDataSource, SchemaMismatchError } from './dataSource.ts';
import { MalformedRecordError } from './readNotionFields.ts';
import { applyRelinks, describeRelinks, planRelinkAtHand } from './relink/relinkTwoWay.ts';
import { agreedBase, ATTEMPTED, DELETED, planPair, type NotionState, type PairInput, type TwoWayEntry } from './planTwoWay.ts';
import { collectRelationIds, resolvePageIds, resolveRecordIds } from './relations.ts';
import type { RecordError, RunResult, WriteCounts } from './result.ts';
import { runFramed } from './runFrame.ts';
import { twoWayChanges } from './changeLog.ts';
import { checkDeletionValve, checkSafetyValve } from './safetyValve.ts';
import { notionProperties, notionState, readNotionPage, type ReadNotionPage } from './twoWay/notionSide.ts';
import { readOnlyEditReports, withComputed } from './twoWay/readOnly.ts';
import { newRecordId, postgresState, readChangedRows, rowColumns, writeRowsAndLinks, type PostgresWrite, type Row } from './twoWay/postgresSide.ts';

const zero = (): WriteCounts => ({ created: 0, updated: 0, deleted: 0, restored: 0 });

export async function runTwoWay(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  return runFramed(ctx, ds, opts, (result, started, guarded) => syncTwoWay(guarded, ds, opts, result, started));
}

async function syncTwoWay(ctx: RunContext, configured: ResolvedDataset, opts: RunOptions, result: RunResult, started: number): Promise<void> {
  const { store, notion, config } = ctx;
  const dryRun = Boolean(opts.dryRun);
  // The dataset as the schema resolves it: config fields get their kinds and column types (and columns).
  const { dataSourceId, dataset: ds } = await resolveDataSource(store, notion, configured, config.datasets, !dryRun);
  if (configured.configFields?.length) {
    if (dryRun) await assertDatasetTable(store, ds);
    else await ensureDatasetTables(store, [ds], { logger: ctx.logger });
  }
  const notionCursor = await readState(store, stateKeys.notionCursor(ds.name));
  const pgCursor = await readState(store, stateKeys.postgresCursor(ds.name));
  const targeted = opts.pageIds !== undefined || opts.recordIds !== undefined;
  const full = !targeted && (Boolean(opts.full) || ((!notionCursor || !pgCursor) && opts.hours === undefined));
  result.mode = full ? 'full' : 'incremental';
  const hoursAgo = opts.hours !== undefined ? new Date(started - opts.hours * 3_600_000).toISOString() : null;
  const overlap = config.sync.overlapSeconds;
  const errorKeys = new Set<string>();
  // keyIs: what the key is, for the error's details — a Postgres row id or a Notion page id.
  const fail = (key: string, e: unknown, keyIs: RecordError['keyIs'] = 'notion_page_id') => {
    if (errorKeys.has(key)) return;
    errorKeys.add(key);
    result.errors.push({ key, keyIs, error: (e as Error).message ?? String(e), kind: (e as { kind?: string }).kind ?? 'validation' });
  };

  // 1. Notion: pages edited in the window (everything on a full run).
  const reads = new Map<string, ReadNotionPage>();
  const failedNotionTimes: string[] = [];
  const queriedTimes: string[] = [];
  let returned = 0;
  // A page lacking a mapped property (or with another type) makes the schema suspect: settled below, before any write.
  let propertyMismatch = false;
  const takePage = (page: NotionPage) => {
    try {
      reads.set(page.id, readNotionPage(ds, page));
    } catch (e) {
      if (e instanceof MalformedRecordError && e.propertyMismatch) propertyMismatch = true;
      fail(page.id, e);
      failedNotionTimes.push(page.last_edited_time);
    }
  };
  const since = full ? undefined : (hoursAgo ?? windowStart(notionCursor!, overlap));
  if (targeted) {
    for (const id of new Set(opts.pageIds ?? [])) {
      const page = await retrieveOrFail(id);
      if (page) takePage(page);
    }
  } else {
    for await (const page of notion.queryPages(dataSourceId, { ...(since ? { editedOnOrAfter: since } : {}), complete: ds.fields.map((f) => f.property) })) {
      returned++;
      queriedTimes.push(page.last_edited_time);
      takePage(page);
    }
  }

  if (propertyMismatch) {
    try {
      // Throws (the run stops, nothing written) when the schema itself drifted; else those pages alone are odd.
      await recheckSchema(store, notion, configured, config.datasets, !dryRun);
    } catch (e) {
      if (e instanceof SchemaMismatchError) result.errors.length = 0;
      throw e;
    }
  }

  // 2. Postgres: rows updated in the window (all on a full run), the rows of the pages read, and
  //    the records that failed or whose page creation was interrupted last time.
  const rows = new Map<string, Row>();
  const windowRows = targeted ? [] : await readChangedRows(store, ds, full ? null : (hoursAgo ?? windowStart(pgCursor!, overlap)));
  for (const r of windowRows) rows.set(String(r.id), r);
  const selectSpec = { table: ds.table, columns: { id: 'uuid' as const, ...rowColumns(ds) } };
  const linkedPages = new Set([...rows.values()].map((r) => r.notion_page_id).filter(Boolean));
  const byPage = await selectRowsByKeys(store, { ...selectSpec, keyColumn: 'notion_page_id' }, [...reads.keys()].filter((id) => !linkedPages.has(id)));
  for (const r of byPage.values()) rows.set(String(r.id), r);
  const failures = targeted ? [] : await listFailures(store, ds.name);
  const pending = targeted ? [] : (await store.query<{ record_id: string }>(`SELECT record_id FROM jarvis_sync.sync_links WHERE dataset = $1 AND notion_page_id IS NULL`, [ds.name])).rows.map((r) => r.record_id);
  const wantedIds = [...(opts.recordIds ?? []), ...failures.filter((f) => f.source === 'postgres').map((f) => f.sourceId), ...pending, ...[...reads.values()].map((r) => r.rowId).filter((x): x is string => Boolean(x) && isUuid(x!))];
  const byId = await selectRowsByKeys(store, { ...selectSpec, keyColumn: 'id', keyType: 'uuid' }, wantedIds.filter((id) => !rows.has(id)));
  for (const r of byId.values()) rows.set(String(r.id), r);
  // A run for rows named by id (an app's edit, picked up by the change listener) reads their pages
  // too, one request each: without them the merge would take the last synced value for Notion's
  // side, and a Notion edit not synced yet would be overwritten with no conflict recorded.
  for (const id of new Set(opts.recordIds ?? [])) {
    const pageId = rows.get(id)?.notion_page_id;
    if (!pageId || reads.has(pageId) || errorKeys.has(pageId)) continue;
    const page = await retrieveOrFail(pageId);
    if (page) takePage(page);
  }
  for (const f of failures.filter((f) => f.source === 'notion' && !reads.has(f.sourceId) && !errorKeys.has(f.sourceId))) {
    const page = await retrieveOrFail(f.sourceId);
    if (page) takePage(page);
  }

  // 3. Interrupted creates: a row marked "creating" may already have its page; find it by the row id property.
  const claimedRows = new Set([...reads.values()].map((r) => r.rowId));
  for (const recordId of pending) {
    if (claimedRows.has(recordId)) continue;
    try {
      const found = await notion.findPagesByRichText(dataSourceId, ds.rowIdProperty!, recordId);
      const oldest = found.sort((a, b) => a.created_time.localeCompare(b.created_time))[0];
      if (oldest) takePage(oldest);
      if (found.length > 1) result.warnings.push(`row ${recordId} has ${found.length} Notion pages; linked the oldest (${oldest!.id})`);
    } catch (e) {
      fail(recordId, e, 'record_id');
    }
  }

  // 4a. Rebuild lost links before anything is paired, so a cleared notion_page_id never plans a
  //    create: sync_links, then the row id property, then natural keys (contacts: email, phone).
  //    What more than one row or page could claim is reported and held back, never guessed.
  const relink = await planRelinkAtHand(store, ds, rows, reads, { everything: full, skip: new Set(pending) });
  for (const [id, r] of relink.extraRows) rows.set(id, r);
  if (!dryRun) await applyRelinks(store, ds, relink);
  for (const r of relink.restores) rows.get(r.recordId)!.notion_page_id = r.pageId;
  if (relink.restores.length) {
    result.relinked = relink.restores;
    ctx.logger.info({ dataset: ds.name, relinked: relink.restores.length }, `${describeRelinks(relink)}${dryRun ? ' (dry run: not written)' : ''}: paired, not duplicated`);
  }
  if (relink.ambiguities.length) {
    result.ambiguousLinks = relink.ambiguities;
    for (const a of relink.ambiguities) result.warnings.push(`link not rebuilt (ambiguous; nothing created for these records): ${a.reason}`);
  }

  // 4b. Pair pages and rows: by notion_page_id, else by the page's row id property (a create whose
  //    write-back was interrupted). A copied page (same row id, row already linked) is a new record.
  const recordOfPage = new Map<string, string>();
  for (const r of rows.values()) if (r.notion_page_id) recordOfPage.set(String(r.notion_page_id), String(r.id));
  const pairs: Array<{ recordId: string | null; pageId: string | null }> = [];
  const pairedRows = new Set<string>();
  for (const read of reads.values()) {
    if (relink.heldPageIds.has(read.page.id)) continue;
    let recordId = recordOfPage.get(read.page.id) ?? null;
    if (!recordId && read.rowId && rows.get(read.rowId) && !rows.get(read.rowId)!.notion_page_id && !pairedRows.has(read.rowId)) recordId = read.rowId;
    if (recordId) pairedRows.add(recordId);
    pairs.push({ recordId, pageId: read.page.id });
  }
  for (const r of rows.values()) {
    if (!pairedRows.has(String(r.id)) && !relink.heldRecordIds.has(String(r.id))) pairs.push({ recordId: String(r.id), pageId: r.notion_page_id ?? null });
  }
  const links = await readLinks(store, ds.name, pairs.map((p) => p.recordId).filter((x): x is string => Boolean(x)));

  // 5. Full runs: the count valve, then linked pages that were not returned — the deletion valve
  //    before spending a request on each, then a confirming retrieve (trashed, gone, or still there).
  const notionGone = new Set<string>();
  if (full) {
    const activeRows = [...rows.values()].filter((r) => !r.deleted_at);
    checkSafetyValve(returned, activeRows.filter((r) => r.notion_page_id).length, config.sync.safetyValveRatio);
    // The other direction matters once the two sides have been paired: before that, an empty
    // table is simply a first sync.
    if (pgCursor) checkSafetyValve(activeRows.length, returned, config.sync.safetyValveRatio, 'Postgres', 'Notion');
    const absent = pairs.filter((p) => p.pageId && p.recordId && !reads.has(p.pageId) && !rows.get(p.recordId)?.deleted_at && !errorKeys.has(p.pageId));
    checkDeletionValve(absent.length, Math.max(returned, activeRows.length), { share: config.sync.deletionValveShare, minimum: config.sync.deletionValveMinimum, force: opts.force });
    for (const p of absent) {
      const page = await retrieveOrFail(p.pageId!);
      if (page) takePage(page);
      else if (!errorKeys.has(p.pageId!)) notionGone.add(p.pageId!);
    }
  }
  // Incremental and targeted runs: a changed row linked to a page we have no base for needs that
  // page's value; so does a record with an unconfirmed write of ours (ATTEMPTED) — only the page
  // tells whether it landed, and a run that lets the base stand in for the page (the contacts step
  // after Google) would otherwise replace the marker and later take our landed write for a Notion edit.
  for (const p of pairs) {
    const base = (p.recordId ? links.get(p.recordId)?.base : undefined) as Record<string, unknown> | null | undefined;
    if (p.pageId && p.recordId && !reads.has(p.pageId) && !notionGone.has(p.pageId) && (!base || base[ATTEMPTED]) && !errorKeys.has(p.pageId)) {
      const page = await retrieveOrFail(p.pageId);
      if (page) takePage(page);
      else if (!errorKeys.has(p.pageId)) notionGone.add(p.pageId);
    }
  }

  // 6. Canonical Notion states (relation page ids → Postgres ids).
  const relationIds = await resolvePageIds(store, config, ds, collectRelationIds(ds, [...reads.values()].map((r) => r.raw)));
  const notionStates = new Map<string, NotionState>();
  for (const read of reads.values()) {
    try {
      notionStates.set(read.page.id, notionState(ds, read, (name) => relationIds.get(name) ?? new Map()));
    } catch (e) {
      fail(read.page.id, e);
      failedNotionTimes.push(read.page.last_edited_time);
    }
  }

  // 7. Plan.
  const planOpts = { fields: ds.fields, bufferMs: config.sync.conflictBufferSeconds * 1000, tieWinner: config.sync.tieWinner };
  const entries: TwoWayEntry[] = [];
  const inputs = new Map<TwoWayEntry, PairInput>();
  for (const p of pairs) {
    const key = p.recordId ?? p.pageId!;
    if ((p.pageId && errorKeys.has(p.pageId)) || (p.recordId && errorKeys.has(p.recordId))) continue;
    try {
      // Inside the try: a row whose value cannot be read (a date Notion cannot hold) fails alone.
      const input = pairInput(ds, p, rows, notionStates, links, notionGone, ctx.clock.now());
      if (!input) continue;
      const entry = planPair(input, planOpts);
      // Equal on both sides, but not yet linked (a recovered create): the link itself must be written.
      if (entry.action === 'none' && p.recordId && p.pageId && (rows.get(p.recordId)?.notion_page_id ?? null) !== p.pageId) entry.action = 'link';
      entries.push(entry);
      inputs.set(entry, input);
    } catch (e) {
      fail(key, e, p.recordId ? 'record_id' : 'notion_page_id');
    }
  }
  const deletions = entries.filter((e) => e.final[DELETED] && [...e.toNotion, ...e.toPostgres].some((c) => c.field === DELETED)).length;
  const datasetSize = full ? Math.max(returned, [...rows.values()].filter((r) => !r.deleted_at).length) : await countActive(store, ds.table);
  checkDeletionValve(deletions, datasetSize, { share: config.sync.deletionValveShare, minimum: config.sync.deletionValveMinimum, force: opts.force });

  // Postgres edits to read-only fields: reported (warnings, sync_logs), never written to Notion.
  const readOnlyEdits = readOnlyEditReports(ds, entries);
  if (readOnlyEdits.length) {
    result.readOnlyEdits = readOnlyEdits.map((r) => r.report);
    result.warnings.push(...readOnlyEdits.map((r) => r.warning));
    ctx.logger.warn({ dataset: ds.name, readOnlyEdits: readOnlyEdits.length }, `${readOnlyEdits.length} Postgres edit(s) to read-only fields not written to Notion; first: ${readOnlyEdits[0]!.warning}`);
  }

  const active = entries.filter((e) => e.action !== 'none');
  result.unchanged = entries.length - active.length;
  result.conflicts = active.flatMap((e) => e.conflicts.map((c) => ({ ...c, recordId: e.recordId, pageId: e.pageId })));
  result.writes = { notion: zero(), postgres: zero() };
  if (dryRun) {
    result.plan = active;
    for (const e of active) count(result, e);
    result.skipped = result.errors.length;
    return;
  }

  // 8. Notion writes, one record at a time (paced); a record whose Notion write fails is not
  //    written to Postgres either, and is retried next run with the same inputs.
  const pageIdMaps = await resolveRecordIds(store, config, ds, collectRelationIds(ds, active.filter((e) => e.toNotion.length || e.action === 'create-in-notion').map((e) => e.final)));
  const pageIdOf = (name: string, id: string) => pageIdMaps.get(name)?.get(id);
  const creates = active.filter((e) => e.action === 'create-in-notion');
  if (creates.length) {
    // Mark before creating: a crash after Notion accepted the page is found again by its row id.
    // The marker's base is the value being sent, so the recovered pair merges field by field.
    await upsertLinks(store, ds.name, creates.map((e) => ({ recordId: e.recordId!, notionPageId: null, base: e.final })));
    await ctx.failpoint?.('create:marked');
  }
  // Remember what each Notion update is about to write, before writing it (see ATTEMPTED), on the
  // base the merge used: an earlier write of ours recognised as landed must stay agreed if this
  // one fails — on the ledger's raw base, Notion's copy of it would look like a Notion edit.
  const updates = active.filter((e) => e.action !== 'create-in-notion' && e.toNotion.some((c) => c.field !== DELETED) && e.recordId && inputs.get(e)?.base);
  if (updates.length) {
    await upsertLinks(
      store,
      ds.name,
      updates.map((e) => {
        const attempted = Object.fromEntries(e.toNotion.filter((c) => c.field !== DELETED).map((c) => [c.field, c.to]));
        return { recordId: e.recordId!, notionPageId: e.pageId, base: { ...agreedBase(inputs.get(e)!)!, [ATTEMPTED]: attempted }, notionEditedAt: null, pgUpdatedAt: null };
      }),
    );
  }
  const done: TwoWayEntry[] = [];
  const notionBound = active.filter((e) => e.action === 'create-in-notion' || e.toNotion.length).length;
  let notionWritesDone = 0;
  for (let entry of active) {
    const key = entry.recordId ?? entry.pageId!;
    if (entry.action === 'create-in-notion' || entry.toNotion.length) opts.onProgress?.({ dataset: ds.name, phase: 'write Notion', done: notionWritesDone++, total: notionBound });
    try {
      if (entry.action === 'create-in-notion') {
        const props = { ...notionProperties(ds, entry.final, 'all', pageIdOf), [ds.rowIdProperty!]: Build.rich_text(entry.recordId!) };
        const page = await notion.createPage(dataSourceId, props);
        await ctx.failpoint?.('create:notion-accepted');
        entry = withComputed(ds, { ...entry, pageId: page.id, notionEditedAt: Date.parse(page.last_edited_time) }, page, entry.final);
      } else if (entry.toNotion.length) {
        entry = await writeNotionUpdate(entry, inputs.get(entry)!);
      }
      done.push(entry);
    } catch (e) {
      fail(key, e, entry.recordId ? 'record_id' : 'notion_page_id');
    }
  }

  // 9. Postgres rows and ledger entries, in one transaction (row by row if the batch is refused).
  const now = new Date(ctx.clock.now());
  const perRecord = done.map((e) => {
    const existing = e.recordId ? rows.get(e.recordId) : undefined;
    const entry = { ...e, recordId: e.recordId ?? newRecordId() };
    // Values from Notion rewrite the row. Values pushed to Notion, or a new link, touch only its
    // standard columns: the page's time after our write, and Postgres as the source.
    const fromNotion = e.action === 'create-in-postgres' || e.toPostgres.length > 0;
    const needsRow = fromNotion || e.action === 'create-in-notion' || e.toNotion.length > 0 || (existing !== undefined && existing.notion_page_id !== e.pageId);
    const syncColumnsOnly = !fromNotion && existing !== undefined;
    const computedFields = syncColumnsOnly && e.computed?.length ? { computedFields: e.computed.map((c) => c.field) } : {};
    const write: PostgresWrite | null = needsRow ? { entry, existing, source: fromNotion ? 'notion' : 'supabase', syncColumnsOnly, ...computedFields } : null;
    const link: SyncLinkInput = { recordId: entry.recordId, notionPageId: e.pageId, base: e.base, notionEditedAt: e.notionEditedAt ? new Date(e.notionEditedAt) : null, pgUpdatedAt: existing?.updated_at ?? null };
    return { entry: e, write, link };
  });
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
        fail(r.entry.recordId ?? r.entry.pageId!, new Error(`Postgres rejected ${r.entry.recordId ?? r.entry.pageId}: ${(err as Error).message}`), r.entry.recordId ? 'record_id' : 'notion_page_id');
      }
    }
    // The change rows of the records written (and of every Notion write): one statement.
    await ctx.changes?.write(store, twoWayChanges(perRecord, (e) => written.has(e)));
  }
  await ctx.failpoint?.('create:recorded');
  for (const e of written) count(result, e);
  result.skipped = result.errors.length;

  // 10. Failures remembered for the next run, healed ones forgotten; cursors never pass a failure.
  const failed = result.errors.map((e) => ({ source: reads.has(e.key) || notionStates.has(e.key) ? 'notion' : rows.has(e.key) ? 'postgres' : 'notion', sourceId: e.key, error: e.error }));
  if (failed.length) await recordFailures(store, ds.name, failed);
  for (const source of ['notion', 'postgres']) {
    const healed = failures.filter((f) => f.source === source && !errorKeys.has(f.sourceId)).map((f) => f.sourceId);
    if (healed.length) await clearFailures(store, ds.name, source, healed);
  }
  const nowMinute = new Date(Math.floor(ctx.clock.now() / 60_000) * 60_000).toISOString();
  const fallback = new Date(started - overlap * 1000).toISOString();
  // Both cursors also move to when this run started (Notion's side to that minute): everything
  // edited before it was in reach of this run's reads, and the overlap still covers late commits and
  // late indexing. Without that, a quiet dataset would re-read, run after run, everything edited
  // within the overlap of its last edit — after a 100,000-row initial sync, every row.
  const startedMinute = new Date(Math.floor(started / 60_000) * 60_000).toISOString();
  const nextNotion = nextCursor(notionCursor, [...queriedTimes, startedMinute], failedNotionTimes, fallback, nowMinute);
  const failedRowTimes = result.errors.map((e) => rows.get(e.key)?.updated_at).filter(Boolean).map((d) => new Date(d).toISOString());
  const pgSeen = [...windowRows.map((r) => new Date(r.updated_at).toISOString()), new Date(started).toISOString()];
  const nextPg = nextCursor(pgCursor, pgSeen, failedRowTimes, new Date(started).toISOString(), new Date(ctx.clock.now()).toISOString());
  if (targeted) return;
  if (nextNotion && nextNotion !== notionCursor) await writeState(store, stateKeys.notionCursor(ds.name), nextNotion);
  if (nextPg && nextPg !== pgCursor) await writeState(store, stateKeys.postgresCursor(ds.name), nextPg);

  async function retrieveOrFail(pageId: string): Promise<NotionPage | null> {
    try {
      return await notion.retrievePage(pageId);
    } catch (e) {
      fail(pageId, e);
      return null;
    }
  }

  /**
   * PATCH the changed properties (and trash state). On 409 conflict_error, or a refusal because the
   * page was trashed since we read it (an incremental window never returns trashed pages), re-read
   * the page, re-merge, retry once: the merge then sees the trash like a full run would.
   */
  async function writeNotionUpdate(entry: TwoWayEntry, input: PairInput, attempt = 0): Promise<TwoWayEntry> {
    const props = entry.toNotion.filter((c) => c.field !== DELETED);
    const trash = entry.toNotion.find((c) => c.field === DELETED);
    try {
      const page = await notion.updatePage(entry.pageId!, {
        ...(props.length ? { properties: notionProperties(ds, entry.final, props, pageIdOf) } : {}),
        ...(trash ? { in_trash: Boolean(entry.final[DELETED]) } : {}),
      });
      return withComputed(ds, { ...entry, notionEditedAt: Date.parse(page.last_edited_time) }, page, input.postgres?.record);
    } catch (e) {
      if (!(isConcurrentEdit(e) || isTrashedPageRefusal(e)) || attempt > 0) throw e;
      const fresh = await notion.retrievePage(entry.pageId!);
      if (!fresh) throw e;
      const state = notionState(ds, readNotionPage(ds, fresh), (name) => relationIds.get(name) ?? new Map());
      const again = planPair({ ...input, notion: state }, planOpts);
      if (!again.toNotion.length) return again;
      Object.assign(entry, again);
      return writeNotionUpdate(again, { ...input, notion: state }, attempt + 1);
    }
  }
}

function isConcurrentEdit(e: unknown): boolean {
  return (e as { kind?: string }).kind === 'conflict';
}

/** Notion's 400 for property edits of a trashed ("archived") page. */
function isTrashedPageRefusal(e: unknown): boolean {
  const err = e as { kind?: string; message?: string };
  return err.kind === 'validation' && /\barchived\b|\bin trash\b/i.test(err.message ?? '');
}

function pairInput(
  ds: ResolvedDataset,
  p: { recordId: string | null; pageId: string | null },
  rows: Map<string, Row>,
  notionStates: Map<string, NotionState>,
  links: Map<string, SyncLink>,
  notionGone: Set<string>,
  now: number,
): PairInput | null {
  const row = p.recordId ? rows.get(p.recordId) : undefined;
  const postgres = row ? postgresState(ds, row) : undefined;
  const base = (p.recordId ? (links.get(p.recordId)?.base as CanonicalRecord | null) : null) ?? null;
  let notion = p.pageId ? notionStates.get(p.pageId) : undefined;
  if (p.pageId && notionGone.has(p.pageId)) {
    // Trashed and purged, or no longer shared: deleted in Notion.
    notion = { pageId: p.pageId, record: { ...(base ?? postgres?.record ?? {}), [DELETED]: true }, editedAt: now };
  }
  if (p.pageId && !notion && !base) return null; // the page could not be read; its error is recorded
  return { recordId: p.recordId, pageId: p.pageId, notion, postgres, base };
}

function count(result: RunResult, e: TwoWayEntry): void {
  const w = result.writes!;
  if (e.action === 'create-in-notion') {
    w.notion.created++;
    result.created++;
  } else if (e.action === 'create-in-postgres') {
    w.postgres.created++;
    result.created++;
  } else if (e.action === 'update') {
    for (const [side, changes] of [
      ['notion', e.toNotion],
      ['postgres', e.toPostgres],
    ] as const) {
      if (!changes.length) continue;
      const del = changes.find((c) => c.field === DELETED);
      if (del && del.to) {
        w[side].deleted++;
        result.deleted++;
      } else if (del) {
        w[side].restored++;
        result.restored++;
      } else {
        w[side].updated++;
        result.updated++;
      }
    }
  }
}

function isUuid(s: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);
}
