/**
 * The plan of a two-way run: the pages read made canonical (relation page ids → Postgres ids),
 * every pair merged by the pure core (planPair), the deletion valve on the plan, and the Postgres
 * edits to read-only fields reported. Nothing is written here.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import type { CanonicalRecord } from '../canonical.ts';
import { DELETED, planPair, type NotionState, type PairInput, type PlanOptions, type TwoWayEntry } from '../planTwoWay.ts';
import { collectRelationIds, resolvePageIds } from '../relations.ts';
import type { RunResult, WriteCounts } from '../result.ts';
import { checkDeletionValve } from '../safetyValve.ts';
import { countActive, type SyncLink } from '../../store/index.ts';
import { notionState } from './notionSide.ts';
import type { Pair, Paired } from './pair.ts';
import { postgresState, type Row } from './postgresSide.ts';
import { readOnlyEditReports } from './readOnly.ts';
import type { NotionReads } from './readNotionSide.ts';
import type { PostgresReads } from './readPostgresSide.ts';
import type { TwoWayRun } from './run.ts';

export interface TwoWayPlan {
  /** Every record planned, unchanged ones included. */
  entries: TwoWayEntry[];
  /** The entries with something to write. */
  active: TwoWayEntry[];
  /** What each entry was planned from (a retried Notion write merges again from it). */
  inputs: Map<TwoWayEntry, PairInput>;
  /** Canonical Notion states by page id. */
  notionStates: Map<string, NotionState>;
  /** Relation page ids → Postgres ids, per related dataset. */
  relationIds: Map<string, Map<string, string>>;
  planOpts: PlanOptions;
}

export async function planTwoWayRun(run: TwoWayRun, reads: NotionReads, pg: PostgresReads, paired: Paired, notionGone: Set<string>): Promise<TwoWayPlan> {
  const { ctx, ds, result, errors, window, opts } = run;
  const { store, config } = ctx;

  const relationIds = await resolvePageIds(store, config, ds, collectRelationIds(ds, [...reads.pages.values()].map((r) => r.raw)));
  const notionStates = new Map<string, NotionState>();
  for (const read of reads.pages.values()) {
    try {
      notionStates.set(read.page.id, notionState(ds, read, (name) => relationIds.get(name) ?? new Map()));
    } catch (e) {
      errors.fail(read.page.id, e);
      reads.failedEditTimes.push(read.page.last_edited_time);
    }
  }

  const planOpts: PlanOptions = { fields: ds.fields, bufferMs: config.sync.conflictBufferSeconds * 1000, tieWinner: config.sync.tieWinner };
  const entries: TwoWayEntry[] = [];
  const inputs = new Map<TwoWayEntry, PairInput>();
  for (const p of paired.pairs) {
    const key = p.recordId ?? p.pageId!;
    if ((p.pageId && errors.has(p.pageId)) || (p.recordId && errors.has(p.recordId))) continue;
    try {
      // Inside the try: a row whose value cannot be read (a date Notion cannot hold) fails alone.
      const input = pairInput(ds, p, pg.rows, notionStates, paired.links, notionGone, ctx.clock.now());
      if (!input) continue;
      const entry = planPair(input, planOpts);
      // Equal on both sides, but not yet linked (a recovered create): the link itself must be written.
      if (entry.action === 'none' && p.recordId && p.pageId && (pg.rows.get(p.recordId)?.notion_page_id ?? null) !== p.pageId) entry.action = 'link';
      entries.push(entry);
      inputs.set(entry, input);
    } catch (e) {
      errors.fail(key, e, p.recordId ? 'record_id' : 'notion_page_id');
    }
  }
  const deletions = entries.filter((e) => e.final[DELETED] && [...e.toNotion, ...e.toPostgres].some((c) => c.field === DELETED)).length;
  const datasetSize = window.full ? Math.max(reads.returned, [...pg.rows.values()].filter((r) => !r.deleted_at).length) : await countActive(store, ds.table);
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
  return { entries, active, inputs, notionStates, relationIds, planOpts };
}

/** A dry run's report: the plan, counted as if written. */
export function reportPlan(run: TwoWayRun, plan: TwoWayPlan): void {
  run.result.plan = plan.active;
  for (const e of plan.active) countWrite(run.result, e);
  run.result.skipped = run.result.errors.length;
}

/**
 * What the merge gets for a pair: the page's state (a page Notion no longer has: deleted), the
 * row's, and the base. null when the page could not be read and there is no base to stand in
 * (its error is recorded).
 */
export function pairInput(
  ds: ResolvedDataset,
  p: Pair,
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
  if (p.pageId && !notion && !base) return null;
  return { recordId: p.recordId, pageId: p.pageId, notion, postgres, base };
}

/** Counts an entry's writes into the run's totals and its per-side counts. */
export function countWrite(result: RunResult, e: TwoWayEntry): void {
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

const zero = (): WriteCounts => ({ created: 0, updated: 0, deleted: 0, restored: 0 });
