/**
 * What every step of a two-way run shares: the dataset as its schema resolves it, the run's
 * window (targeted, incremental or full, and from when), and its record errors. Built once by
 * startTwoWayRun; the steps (readNotionSide.ts … cursors.ts) take it and hand on what they found.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import { errorKind } from '../../connectors/errors.ts';
import { readState, stateKeys } from '../../store/index.ts';
import { assertDatasetTable, ensureDatasetTables } from '../../store/adoptTables.ts';
import type { RunContext, RunOptions } from '../context.ts';
import { windowStart } from '../cursor.ts';
import { resolveDataSource } from '../dataSource.ts';
import type { RecordError, RunResult } from '../result.ts';

export interface TwoWayRun {
  /** The lease-fenced context (store, connectors, config, clock, logger, failpoint, changes). */
  ctx: RunContext;
  /** The dataset as configured (a schema re-check starts from it). */
  configured: ResolvedDataset;
  /** The dataset as the schema resolves it: config fields with their kinds and column types. */
  ds: ResolvedDataset;
  dataSourceId: string;
  opts: RunOptions;
  result: RunResult;
  /** When the run started (epoch ms). */
  started: number;
  dryRun: boolean;
  window: RunWindow;
  errors: RecordErrors;
}

/** Which records a run reads. */
export interface RunWindow {
  /** The cursors as stored before this run. */
  notionCursor: string | null;
  pgCursor: string | null;
  /** Pages or rows named by id (webhooks, the change listener): read those alone; cursors stay. */
  targeted: boolean;
  /** Everything on both sides (asked for, or a side has no cursor yet): finds deletions. */
  full: boolean;
  /** Incremental: Notion pages edited on or after this instant (cursor − overlap, or --hours). */
  notionSince: string | null;
  /** Incremental: Postgres rows changed since this instant. */
  pgSince: string | null;
}

/**
 * The window, pure. A targeted run reads what it names; without both cursors (and no --hours) a run
 * is full; otherwise incremental from each cursor minus the overlap (Notion truncates to the
 * minute, commits land late), or from `hours` before the start.
 */
export function chooseWindow(cursors: { notion: string | null; pg: string | null }, opts: RunOptions, started: number, overlapSeconds: number): RunWindow {
  const targeted = opts.pageIds !== undefined || opts.recordIds !== undefined;
  const full = !targeted && (Boolean(opts.full) || ((!cursors.notion || !cursors.pg) && opts.hours === undefined));
  const hoursAgo = opts.hours !== undefined ? new Date(started - opts.hours * 3_600_000).toISOString() : null;
  const since = (cursor: string | null) => (targeted || full ? null : (hoursAgo ?? windowStart(cursor!, overlapSeconds)));
  return { notionCursor: cursors.notion, pgCursor: cursors.pg, targeted, full, notionSince: since(cursors.notion), pgSince: since(cursors.pg) };
}

/** Resolves the data source (adding a config field's columns), reads the cursors, chooses the window. */
export async function startTwoWayRun(ctx: RunContext, configured: ResolvedDataset, opts: RunOptions, result: RunResult, started: number): Promise<TwoWayRun> {
  const { store, notion, config } = ctx;
  const dryRun = Boolean(opts.dryRun);
  const { dataSourceId, dataset: ds } = await resolveDataSource(store, notion, configured, config.datasets, !dryRun);
  if (configured.configFields?.length) {
    if (dryRun) await assertDatasetTable(store, ds);
    else await ensureDatasetTables(store, [ds], { logger: ctx.logger });
  }
  const notionCursor = await readState(store, stateKeys.notionCursor(ds.name));
  const pgCursor = await readState(store, stateKeys.postgresCursor(ds.name));
  const window = chooseWindow({ notion: notionCursor, pg: pgCursor }, opts, started, config.sync.overlapSeconds);
  result.mode = window.full ? 'full' : 'incremental';
  return { ctx, configured, ds, dataSourceId, opts, result, started, dryRun, window, errors: new RecordErrors(result) };
}

/**
 * The run's record errors (result.errors), one per record: the first failure of a record is kept,
 * and a record that failed is left out of every later step.
 */
export class RecordErrors {
  private readonly keys = new Set<string>();

  constructor(private readonly result: RunResult) {}

  /** keyIs: what the key is, for the error's details — a Postgres row id or a Notion page id. */
  fail(key: string, e: unknown, keyIs: RecordError['keyIs'] = 'notion_page_id'): void {
    if (this.keys.has(key)) return;
    this.keys.add(key);
    this.result.errors.push({ key, keyIs, error: (e as Error).message ?? String(e), kind: errorKind(e) ?? 'validation' });
  }

  has(key: string): boolean {
    return this.keys.has(key);
  }
}
