/**
 * One-way runner (Notion → Postgres): fetch → plan → valves → apply → record.
 * The decisions are made by the pure core (canonical, planOneWay, safetyValve); this file only
 * moves data between the connector, the core and the store.
 */
import type { ResolvedDataset } from '../config/index.ts';
import { errorKind } from '../connectors/errors.ts';
import type { NotionPage } from '../connectors/notion/types.ts';
import { clearFailures, listFailures, quoteIdent, readState, recordFailures, selectRowsByKeys, softDeleteByKeys, stateKeys, upsertRows, writeState, type UpsertedRow } from '../store/index.ts';
import type { ColumnType } from '../store/types.ts';
import { oneWayChanges } from './changeLog.ts';
import { canonicalFromNotion, canonicalFromRow, recordToColumns, type RawNotionValue } from './canonical.ts';
import type { RunContext, RunOptions } from './context.ts';
import { nextCursor, windowStart } from './cursor.ts';
import { assertDatasetTable, ensureDatasetTables } from '../store/adoptTables.ts';
import { recheckSchema, resolveDataSource, SchemaMismatchError } from './dataSource.ts';
import { planOneWay, type PlanEntry, type SourceRecord, type TargetRecord } from './planOneWay.ts';
import { MalformedRecordError, readNotionFields, ResultDriftError } from './readNotionFields.ts';
import type { RunResult } from './result.ts';
import { runFramed } from './runFrame.ts';
import { checkSafetyValve } from './safetyValve.ts';

interface ReadPage {
  key: string;
  editedAt: string;
  raw: Record<string, RawNotionValue>;
}

export async function runOneWay(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  return runFramed(ctx, ds, opts, async (result, started, ctx) => {
    const cursor = await readState(ctx.store, stateKeys.notionCursor(ds.name));
    const full = opts.pageIds === undefined && (Boolean(opts.full) || (!cursor && opts.hours === undefined));
    result.mode = full ? 'full' : 'incremental';
    const since = full ? undefined : opts.hours !== undefined ? new Date(started - opts.hours * 3_600_000).toISOString() : windowStart(cursor!, ctx.config.sync.overlapSeconds);
    await syncPages(ctx, ds, { full, since, dryRun: Boolean(opts.dryRun), cursor, started, pageIds: opts.pageIds }, result);
  });
}

async function syncPages(
  ctx: RunContext,
  configured: ResolvedDataset,
  run: { full: boolean; since?: string; dryRun: boolean; cursor: string | null; started: number; pageIds?: string[] },
  result: RunResult,
): Promise<void> {
  const { store, notion } = ctx;
  // The dataset as the schema resolves it: config fields get their kinds and column types.
  const { dataSourceId, dataset: ds } = await resolveDataSource(store, notion, configured, ctx.config.datasets, !run.dryRun);
  if (configured.configFields?.length) await ensureConfigColumns(ctx, ds, run.dryRun);

  // 1. Fetch: every page edited in the window (or all), then the records that failed last time.
  const pages = new Map<string, ReadPage>();
  const failedEditTimes: string[] = [];
  const trashed = new Set<string>();
  let returned = 0;
  // Pages lacking a mapped property (or with another type) make the schema suspect; a computed
  // property giving another result type is drift for sure. Both are settled before any write.
  let propertyMismatch = false;
  let resultDrift: string | null = null;
  const readPage = (page: NotionPage) => {
    try {
      pages.set(page.id, { key: page.id, editedAt: page.last_edited_time, raw: readNotionFields(ds.fields, page) });
    } catch (e) {
      if (e instanceof MalformedRecordError && e.propertyMismatch) propertyMismatch = true;
      if (e instanceof ResultDriftError) resultDrift ??= (e as Error).message;
      result.errors.push({ key: page.id, keyIs: 'notion_page_id', error: (e as Error).message, kind: 'validation' });
      failedEditTimes.push(page.last_edited_time);
    }
  };
  if (run.pageIds) {
    // Targeted (webhook) run: just these pages, by id.
    for (const id of new Set(run.pageIds)) await confirmPage(id);
  } else {
    // Only the mapped properties are completed past 25 references: an unmapped long relation or rollup costs nothing.
    const complete = ds.fields.map((f) => f.property);
    for await (const page of notion.queryPages(dataSourceId, run.since ? { editedOnOrAfter: run.since, complete } : { complete })) {
      returned++;
      readPage(page);
    }
  }
  const previouslyFailed = run.pageIds ? [] : (await listFailures(store, ds.name, 'notion')).map((f) => f.sourceId);
  const erroredNow = new Set(result.errors.map((e) => e.key));
  for (const id of previouslyFailed) if (!pages.has(id) && !erroredNow.has(id)) await confirmPage(id);

  // 2. Full syncs: the safety valve on the counts, then rows whose page was not returned are confirmed one by one.
  if (run.full) {
    const active = await activePageIds(ctx, ds);
    checkSafetyValve(returned, active.length, ctx.config.sync.safetyValveRatio);
    const erroredKeys = new Set(result.errors.map((e) => e.key));
    for (const id of active) if (!pages.has(id) && !erroredKeys.has(id) && !trashed.has(id)) await confirmPage(id);
  }

  async function confirmPage(id: string) {
    try {
      const page = await notion.retrievePage(id);
      if (!page || page.in_trash || page.archived) trashed.add(id);
      else readPage(page);
    } catch (e) {
      result.errors.push({ key: id, keyIs: 'notion_page_id', error: (e as Error).message, kind: errorKind(e) });
    }
  }

  try {
    if (resultDrift) throw new SchemaMismatchError(`${ds.name}: Notion data source does not match the mapping: ${resultDrift}. Nothing was written.`);
    // Throws (the run stops, nothing written) when the schema itself drifted; else those pages alone are odd.
    if (propertyMismatch) await recheckSchema(store, notion, configured, ctx.config.datasets, !run.dryRun);
  } catch (e) {
    // One schema problem, not a record error per page: the pages are fine, the mapping is not.
    if (e instanceof SchemaMismatchError) result.errors.length = 0;
    throw e;
  }

  // 3. Plan against what Postgres holds for exactly these pages.
  const sources = await canonicalize(ctx, ds, pages, result);
  const columns = columnTypes(ds);
  const existing = await selectRowsByKeys(store, { table: ds.table, keyColumn: 'notion_page_id', columns }, [...pages.keys(), ...trashed]);
  const targets = new Map<string, TargetRecord>();
  for (const [key, row] of existing) {
    targets.set(key, { id: String(row.id), record: canonicalFromRow(ds.fields, row), deletedAt: row.deleted_at ? new Date(row.deleted_at).toISOString() : null });
  }
  const plan = planOneWay(sources, targets);
  const deletes: PlanEntry[] = [...trashed].filter((k) => targets.get(k) && !targets.get(k)!.deletedAt).map((k) => ({ action: 'delete', key: k, id: targets.get(k)!.id }));
  plan.entries.push(...deletes);
  result.unchanged = plan.unchanged;
  result.skipped = result.errors.length;
  count(result, plan.entries);
  if (run.dryRun) {
    result.plan = plan.entries;
    return;
  }

  // 4. Apply: one batched upsert (falling back to row by row to isolate a bad record), then soft deletes.
  const editedAt = new Map(sources.map((s) => [s.key, s.editedAt]));
  const writes = plan.entries.filter((e) => e.action !== 'delete') as Array<Extract<PlanEntry, { action: 'create' | 'update' }>>;
  const writeFailed = await applyUpserts(ctx, ds, writes, editedAt, result);
  for (const key of writeFailed) failedEditTimes.push(editedAt.get(key)!);
  if (deletes.length) {
    await store.transaction(async (tx) => {
      await softDeleteByKeys(tx, { table: ds.table, keyColumn: 'notion_page_id' }, deletes.map((d) => d.key), new Date(ctx.clock.now()));
      await ctx.changes?.write(tx, oneWayChanges(deletes, [], 'notionPageId'));
    });
  }

  // 5. Remember failures for the next run; forget those that now synced.
  const failedKeys = new Set(result.errors.map((e) => e.key));
  if (result.errors.length) await recordFailures(store, ds.name, result.errors.map((e) => ({ source: 'notion', sourceId: e.key, error: e.error })));
  const healed = previouslyFailed.filter((id) => !failedKeys.has(id));
  if (healed.length) await clearFailures(store, ds.name, 'notion', healed);

  // 6. Cursor: newest synced edit, never past a failure.
  const synced = sources.filter((s) => !failedKeys.has(s.key)).map((s) => s.editedAt);
  const fallback = new Date(Math.floor(run.started / 60_000) * 60_000 - ctx.config.sync.overlapSeconds * 1000).toISOString();
  const nowMinute = new Date(Math.floor(ctx.clock.now() / 60_000) * 60_000).toISOString();
  if (run.pageIds) return;
  const next = nextCursor(run.cursor, synced, failedEditTimes, fallback, nowMinute);
  if (next && next !== run.cursor) await writeState(store, stateKeys.notionCursor(ds.name), next);
}

/**
 * A dataset with config fields gets their columns once its schema is known (the first run, or a
 * field added to the config): additively, as migrate would; a dry run only checks.
 */
async function ensureConfigColumns(ctx: RunContext, ds: ResolvedDataset, dryRun: boolean): Promise<void> {
  if (dryRun) await assertDatasetTable(ctx.store, ds);
  else await ensureDatasetTables(ctx.store, [ds], { logger: ctx.logger });
}

/** Resolves relation page ids to Postgres ids (one lookup per related dataset) and builds canonical records. */
async function canonicalize(ctx: RunContext, ds: ResolvedDataset, pages: Map<string, ReadPage>, result: RunResult): Promise<SourceRecord[]> {
  const relationIds = new Map<string, Map<string, string>>();
  for (const f of ds.fields.filter((x) => x.kind === 'relation' && x.relation)) {
    const target = ctx.config.datasets.find((d) => d.name === f.relation!.dataset);
    if (!target) throw new Error(`${ds.name}.${f.field}: related dataset ${f.relation!.dataset} is not configured`);
    const wanted = new Set<string>();
    for (const p of pages.values()) for (const id of (p.raw[f.field] as string[] | undefined) ?? []) wanted.add(id);
    const rows = await selectRowsByKeys(ctx.store, { table: target.table, keyColumn: 'notion_page_id', columns: { id: 'uuid' } }, [...wanted]);
    const map = relationIds.get(target.name) ?? new Map<string, string>();
    for (const [k, row] of rows) map.set(k, String(row.id));
    relationIds.set(target.name, map);
  }
  const out: SourceRecord[] = [];
  for (const p of pages.values()) {
    try {
      const { record, unresolved } = canonicalFromNotion(ds.fields, p.raw, (name) => relationIds.get(name) ?? new Map());
      for (const u of unresolved) {
        result.warnings.push(`${p.key}: ${u.field} links to ${u.pageIds.length} page(s) not synced yet (${u.pageIds.slice(0, 3).join(', ')}); left empty until the next sync`);
      }
      out.push({ key: p.key, editedAt: p.editedAt, record });
    } catch (e) {
      result.errors.push({ key: p.key, keyIs: 'notion_page_id', error: `page ${p.key}: ${(e as Error).message}`, kind: 'validation' });
    }
  }
  return out;
}

function columnTypes(ds: ResolvedDataset): Record<string, ColumnType> {
  const columns: Record<string, ColumnType> = { id: 'uuid', deleted_at: 'timestamptz' };
  for (const f of ds.fields) {
    columns[f.column] = f.columnType;
    if (f.endColumn) columns[f.endColumn] = f.columnType;
  }
  return columns;
}

async function applyUpserts(
  ctx: RunContext,
  ds: ResolvedDataset,
  writes: Array<Extract<PlanEntry, { action: 'create' | 'update' }>>,
  editedAt: Map<string, string>,
  result: RunResult,
): Promise<string[]> {
  if (!writes.length) return [];
  const { id: _id, ...dataColumns } = columnTypes(ds);
  const spec = {
    table: ds.table,
    keyColumn: 'notion_page_id',
    columns: { ...dataColumns, notion_updated_at: 'timestamptz', last_sync_source: 'text' } as Record<string, ColumnType>,
  };
  const toRow = (w: (typeof writes)[number]) => ({
    notion_page_id: w.key,
    ...recordToColumns(ds.fields, w.record),
    notion_updated_at: editedAt.get(w.key) ?? null,
    last_sync_source: 'notion',
    deleted_at: null,
  });
  try {
    // The change rows go in the same transaction as the rows: both land, or neither.
    await ctx.store.transaction(async (tx) => ctx.changes?.write(tx, oneWayChanges(writes, await upsertRows(tx, spec, writes.map(toRow)), 'notionPageId')));
    return [];
  } catch (batchError) {
    ctx.logger.warn({ dataset: ds.name, err: (batchError as Error).message }, 'batched upsert failed; retrying row by row to isolate the bad record');
  }
  const failed: string[] = [];
  const upserted: UpsertedRow[] = [];
  for (const w of writes) {
    try {
      upserted.push(...(await upsertRows(ctx.store, spec, [toRow(w)])));
    } catch (e) {
      failed.push(w.key);
      result.errors.push({ key: w.key, keyIs: 'notion_page_id', error: `Postgres rejected page ${w.key}: ${(e as Error).message}`, kind: 'validation' });
      if (w.action === 'create') result.created--;
      else if (w.restore) result.restored--;
      else result.updated--;
    }
  }
  result.skipped = result.errors.length;
  // Row by row only isolates a bad record; the change rows of those written still go in one statement.
  await ctx.changes?.write(ctx.store, oneWayChanges(writes, upserted, 'notionPageId'));
  return failed;
}

function count(result: RunResult, entries: PlanEntry[]): void {
  for (const e of entries) {
    if (e.action === 'create') result.created++;
    else if (e.action === 'delete') result.deleted++;
    else if (e.restore) result.restored++;
    else result.updated++;
  }
}

async function activePageIds(ctx: RunContext, ds: ResolvedDataset): Promise<string[]> {
  const { rows } = await ctx.store.query<{ notion_page_id: string }>(
    `SELECT notion_page_id FROM ${quoteIdent(ds.table)} WHERE deleted_at IS NULL AND notion_page_id IS NOT NULL`,
  );
  return rows.map((r) => r.notion_page_id);
}
