/**
 * GET /health in the spec's exact shape, computed from sync_logs (so it survives restarts and
 * covers every instance sharing the database) plus this process's running runs.
 *
 * A "sync" is a `full_sync_complete` row (one `sync all`) or a `<dataset>_sync` row that is not
 * part of one (a single-dataset run, e.g. from a webhook or POST /sync/<dataset>): the spec's
 * scheduler runs `sync all` every 15 minutes, and its example counts 96 syncs in 24 hours.
 * Contacts' Google leg (`contacts_google_sync`) is a step of a contacts run, not a sync of its own.
 * Steps of a `sync all` still going count on their own until its `full_sync_complete` row lands.
 * `sync_in_progress` is this process's knowledge (another instance's runs show once they finish).
 *
 * Runs whose sync_logs rows could not be written because Postgres was unreachable (kept by
 * src/store/pendingLogs.ts until the next successful write) count as if their rows had landed;
 * with the database unreachable right now the answer is `unhealthy` and the counts are theirs.
 */
import { pendingRowsParam, syncLogsWithPending } from '../store/pendingLogs.ts';
import type { SyncLogEntry } from '../store/syncLogs.ts';
import type { Sql } from '../store/types.ts';

export interface HealthResponse {
  status: 'healthy' | 'degraded' | 'unhealthy';
  /** Only in demo mode (`npm start` with nothing configured). */
  mode?: 'demo';
  sync_status: {
    sync_in_progress: boolean;
    last_sync_start: string | null;
    last_sync_end: string | null;
    last_sync_duration_seconds: number | null;
  };
  stats: {
    total_syncs_24h: number;
    success_rate: string;
  };
}

export interface HealthDeps {
  store: Sql;
  now(): number;
  syncInProgress(): boolean;
  mode?: 'live' | 'demo';
  /** sync_logs rows kept because Postgres was unreachable when their run ended. */
  pending?: () => SyncLogEntry[];
}

const DAY_MS = 24 * 3_600_000;

/** `sync_logs` rows (and kept rows, `$2`) that are syncs in the sense above, with their times, since `$1`. */
const SYNCS_SQL = `
  WITH runs AS (
    SELECT event_type, status, start_time, end_time
      FROM ${syncLogsWithPending('$2')} l
     WHERE start_time IS NOT NULL AND end_time IS NOT NULL AND end_time >= $1
       AND (event_type = 'full_sync_complete' OR (event_type LIKE '%\\_sync' AND event_type NOT LIKE '%\\_google\\_sync'))
  ), syncs AS (
    SELECT r.* FROM runs r
     WHERE r.event_type = 'full_sync_complete'
        OR NOT EXISTS (SELECT 1 FROM runs a WHERE a.event_type = 'full_sync_complete'
                                               AND r.start_time >= a.start_time AND r.end_time <= a.end_time)
  )`;

export async function computeHealth(deps: HealthDeps): Promise<{ body: HealthResponse; httpStatus: number; error?: unknown }> {
  const now = deps.now();
  const inProgress = deps.syncInProgress();
  const demo = deps.mode === 'demo' ? { mode: 'demo' as const } : {};
  const since = new Date(now - DAY_MS);
  const pending = deps.pending?.() ?? [];
  try {
    const kept = pendingRowsParam(pending);
    const { rows: counts } = await deps.store.query<{ total: number; ok: number }>(
      `${SYNCS_SQL} SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'success')::int AS ok FROM syncs`,
      [since, kept],
    );
    const { rows: last } = await deps.store.query<{ start_time: Date; end_time: Date }>(
      `${SYNCS_SQL} SELECT start_time, end_time FROM syncs ORDER BY end_time DESC LIMIT 1`,
      // The last sync may be older than a day: look back over everything for it.
      [new Date(0), kept],
    );
    // Degraded: a dataset whose latest run (in the last day) failed — it is failing now, not merely once.
    const { rows: failing } = await deps.store.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT ON (event_type) event_type, status
           FROM ${syncLogsWithPending('$2')} l
          WHERE event_type LIKE '%\\_sync' AND end_time IS NOT NULL AND end_time >= $1
          ORDER BY event_type, end_time DESC
       ) latest WHERE status = 'error'`,
      [since, kept],
    );
    const total = counts[0]?.total ?? 0;
    const ok = counts[0]?.ok ?? 0;
    const l = last[0];
    const body: HealthResponse = {
      status: (failing[0]?.n ?? 0) > 0 ? 'degraded' : 'healthy',
      ...demo,
      sync_status: {
        sync_in_progress: inProgress,
        last_sync_start: l ? isoSeconds(l.start_time) : null,
        last_sync_end: l ? isoSeconds(l.end_time) : null,
        last_sync_duration_seconds: l ? Math.round((l.end_time.getTime() - l.start_time.getTime()) / 100) / 10 : null,
      },
      stats: { total_syncs_24h: total, success_rate: percent(ok, total) },
    };
    return { body, httpStatus: 200 };
  } catch (error) {
    // The database cannot be read: what this process kept is all that is known.
    const syncs = keptSyncs(pending);
    const recent = syncs.filter((r) => r.end >= since.getTime());
    const ok = recent.filter((r) => r.status === 'success').length;
    const l = syncs.sort((a, b) => b.end - a.end)[0];
    return {
      body: {
        status: 'unhealthy',
        ...demo,
        sync_status: {
          sync_in_progress: inProgress,
          last_sync_start: l ? isoSeconds(new Date(l.start)) : null,
          last_sync_end: l ? isoSeconds(new Date(l.end)) : null,
          last_sync_duration_seconds: l ? Math.round((l.end - l.start) / 100) / 10 : null,
        },
        stats: { total_syncs_24h: recent.length, success_rate: percent(ok, recent.length) },
      },
      httpStatus: 503,
      error,
    };
  }
}

/** SYNCS_SQL's "syncs" over kept rows alone (for when the database cannot be read). */
function keptSyncs(entries: SyncLogEntry[]): Array<{ eventType: string; status: string; start: number; end: number }> {
  const runs = entries
    .filter((e) => e.startTime && e.endTime && (e.eventType === 'full_sync_complete' || (e.eventType.endsWith('_sync') && !e.eventType.endsWith('_google_sync'))))
    .map((e) => ({ eventType: e.eventType, status: e.status, start: e.startTime!.getTime(), end: e.endTime!.getTime() }));
  const alls = runs.filter((r) => r.eventType === 'full_sync_complete');
  return runs.filter((r) => r.eventType === 'full_sync_complete' || !alls.some((a) => r.start >= a.start && r.end <= a.end));
}

/** "2024-12-24T08:15:00Z", as the spec writes times. */
function isoSeconds(d: Date): string {
  return new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** "99.2%". With no syncs yet there were no failures: "100.0%". */
function percent(ok: number, total: number): string {
  // Rounded down, so 1,999 of 2,000 reads 99.9%, never 100.0%.
  return `${(total ? Math.floor((ok / total) * 1000) / 10 : 100).toFixed(1)}%`;
}
