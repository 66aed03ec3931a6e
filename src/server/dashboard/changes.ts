/**
 * `GET /api/dashboard/runs/<runId>/changes`: the records one run changed — its change rows in
 * sync_logs (migration 0004), linked to the run by run_id, which is the id of the run's summary row
 * (`lastRun.logId` in /api/dashboard). Two indexed reads: the summary row by id, the changes by run_id.
 */
import { listRunChanges, type ChangeLogRow } from '../../store/changeLogs.ts';
import type { Sql } from '../../store/index.ts';

export const RUN_CHANGES_DEFAULT_LIMIT = 200;
export const RUN_CHANGES_MAX_LIMIT = 1000;

export interface RunChangesData {
  runId: string;
  /** The run's summary row; null when it is gone (retention) or the run is still going. */
  run: { dataset: string | null; eventType: string; status: string; message: string | null; at: string; startedAt: string | null; endedAt: string | null } | null;
  /** Change rows of the run in all (the page shows `limit` of them from `offset`). */
  total: number;
  offset: number;
  limit: number;
  changes: ChangeLogRow[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRunId(s: string): boolean {
  return UUID.test(s);
}

export async function loadRunChanges(store: Sql, runId: string, page: { limit?: number; offset?: number } = {}): Promise<RunChangesData> {
  const limit = Math.min(RUN_CHANGES_MAX_LIMIT, Math.max(1, Math.floor(page.limit ?? RUN_CHANGES_DEFAULT_LIMIT)));
  const offset = Math.max(0, Math.floor(page.offset ?? 0));
  const [summary, listed] = await Promise.all([
    store.query<{ dataset: string | null; event_type: string; status: string; message: string | null; created_at: Date; start_time: Date | null; end_time: Date | null }>(
      `SELECT dataset, event_type, status, message, created_at, start_time, end_time FROM jarvis_sync.sync_logs WHERE id = $1`,
      [runId],
    ),
    listRunChanges(store, runId, { limit, offset }),
  ]);
  const s = summary.rows[0];
  return {
    runId,
    run: s
      ? { dataset: s.dataset, eventType: s.event_type, status: s.status, message: s.message, at: s.created_at.toISOString(), startedAt: s.start_time?.toISOString() ?? null, endedAt: s.end_time?.toISOString() ?? null }
      : null,
    total: listed.total,
    offset,
    limit,
    changes: listed.changes,
  };
}
