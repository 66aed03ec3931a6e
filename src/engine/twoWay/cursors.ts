/**
 * The end of a two-way run: failures remembered for the next run (healed ones forgotten), and the
 * cursors moved — never past a record that failed. A targeted run moves no cursor: the next regular
 * run still reads its whole window.
 */
import { clearFailures, recordFailures, stateKeys, writeState } from '../../store/index.ts';
import { nextCursor } from '../cursor.ts';
import type { NotionState } from '../planTwoWay.ts';
import type { RunResult } from '../result.ts';
import type { Row } from './postgresSide.ts';
import type { NotionReads } from './readNotionSide.ts';
import type { PostgresReads } from './readPostgresSide.ts';
import type { RunWindow, TwoWayRun } from './run.ts';

export async function rememberFailures(run: TwoWayRun, reads: NotionReads, notionStates: Map<string, NotionState>, pg: PostgresReads): Promise<void> {
  const { ctx, ds, result, errors } = run;
  const { store } = ctx;
  const failed = result.errors.map((e) => ({ source: reads.pages.has(e.key) || notionStates.has(e.key) ? 'notion' : pg.rows.has(e.key) ? 'postgres' : 'notion', sourceId: e.key, error: e.error }));
  if (failed.length) await recordFailures(store, ds.name, failed);
  for (const source of ['notion', 'postgres']) {
    const healed = pg.failures.filter((f) => f.source === source && !errors.has(f.sourceId)).map((f) => f.sourceId);
    if (healed.length) await clearFailures(store, ds.name, source, healed);
  }
}

export async function advanceCursors(run: TwoWayRun, reads: NotionReads, pg: PostgresReads): Promise<void> {
  const { ctx, ds, window } = run;
  const { notion, postgres } = nextCursors({
    window,
    started: run.started,
    now: ctx.clock.now(),
    overlapSeconds: ctx.config.sync.overlapSeconds,
    queriedEditTimes: reads.queriedEditTimes,
    failedEditTimes: reads.failedEditTimes,
    windowRows: pg.windowRows,
    rows: pg.rows,
    errors: run.result.errors,
  });
  if (window.targeted) return;
  if (notion && notion !== window.notionCursor) await writeState(ctx.store, stateKeys.notionCursor(ds.name), notion);
  if (postgres && postgres !== window.pgCursor) await writeState(ctx.store, stateKeys.postgresCursor(ds.name), postgres);
}

/**
 * The next cursors, pure. Each moves up to the newest edit the run read, but not past a record
 * that failed (a page's edit time, a row's updated_at). Both also move to when this run started
 * (Notion's side to that minute): everything edited before it was in reach of this run's reads, and
 * the overlap still covers late commits and late indexing. Without that, a quiet dataset would
 * re-read, run after run, everything edited within the overlap of its last edit — after a
 * 100,000-row initial sync, every row. Neither goes past now (an edit time from the future).
 */
export function nextCursors(input: {
  window: Pick<RunWindow, 'notionCursor' | 'pgCursor'>;
  started: number;
  now: number;
  overlapSeconds: number;
  queriedEditTimes: string[];
  failedEditTimes: string[];
  windowRows: Row[];
  rows: Map<string, Row>;
  errors: RunResult['errors'];
}): { notion: string | null; postgres: string | null } {
  const { window, started, now } = input;
  const minute = (ms: number) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString();
  const fallback = new Date(started - input.overlapSeconds * 1000).toISOString();
  const notion = nextCursor(window.notionCursor, [...input.queriedEditTimes, minute(started)], input.failedEditTimes, fallback, minute(now));
  const failedRowTimes = input.errors.map((e) => input.rows.get(e.key)?.updated_at).filter(Boolean).map((d) => new Date(d).toISOString());
  const pgSeen = [...input.windowRows.map((r) => new Date(r.updated_at).toISOString()), new Date(started).toISOString()];
  const postgres = nextCursor(window.pgCursor, pgSeen, failedRowTimes, new Date(started).toISOString(), new Date(now).toISOString());
  return { notion, postgres };
}
