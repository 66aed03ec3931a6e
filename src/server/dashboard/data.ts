/**
 * What the dashboard shows, computed from sync_logs (the spec's audit trail) and the server's
 * in-memory run registry. Three indexed queries per request, whatever the history's size:
 *   1. the newest `<dataset>_sync` row of each dataset (a LATERAL LIMIT 1 per dataset);
 *   2. the last 24 hours of `<dataset>_sync` rows, grouped by dataset and hour;
 *   3. the newest error rows (but `full_sync_complete`, which only repeats them) and conflict rows.
 * Counts come from `details` (what runFrame writes); rows written by other tools, such as the
 * original Python service, may lack them — those read as null, never as an SQL error.
 */
import type { Config, ResolvedDataset } from '../../config/index.ts';
import { syncOrder } from '../../datasets/index.ts';
import type { ChangeArrival, ChangeSource, DatasetFreshness } from '../../scheduler/freshness.ts';
import type { Sql } from '../../store/index.ts';

/**
 * The part of the server's RunManager the dashboard reads: the runs going on in this process
 * (started over HTTP, by the scheduler or by a webhook). Structural, so the RunManager fits as is.
 */
export interface RunRecordLike {
  id: string;
  /** A dataset name, or `all`. */
  target: string;
  status: string;
  startedAt?: Date | string | number | null;
  /** The latest progress report of a long run. */
  progress?: RunProgress;
}

export interface RunProgress {
  dataset: string;
  phase: string;
  done: number;
  total?: number;
}

export interface RunRegistryLike {
  running(): RunRecordLike[];
}

export interface DashboardDeps {
  store: Sql;
  runs?: RunRegistryLike;
  config: Config;
  /** How each dataset's changes arrive and their last measured lag (the service's Freshness registry). */
  freshness?: { list(): DatasetFreshness[] };
  /** Milliseconds since the epoch; defaults to Date.now (tests pin it). */
  now?: () => number;
}

export interface RunCounts {
  created: number | null;
  updated: number | null;
  deleted: number | null;
  restored: number | null;
  unchanged: number | null;
  skipped: number | null;
}

export interface LastRun {
  logId: string;
  /** When the run was recorded (its end). */
  at: string;
  startedAt: string | null;
  endedAt: string | null;
  /** `success`, `error` or `aborted` (a safety valve tripped). */
  status: string;
  mode: string | null;
  durationMs: number | null;
  counts: RunCounts;
  errors: number | null;
  warnings: number | null;
  conflicts: number | null;
  notionRequests: number | null;
  googleRequests: number | null;
  message: string | null;
  /** Two-way runs: writes per destination. */
  writes: { notion: Partial<Record<'created' | 'updated' | 'deleted' | 'restored', number>>; postgres: Partial<Record<'created' | 'updated' | 'deleted' | 'restored', number>> } | null;
}

export interface WindowStats {
  runs: number;
  failedRuns: number;
  /** Records written: created + updated + deleted + restored. */
  records: number;
  errors: number;
  conflicts: number;
}

export interface DashboardRun {
  id: string;
  /** A dataset name, or `all`. */
  target: string;
  status: string;
  startedAt: string | null;
  progress: RunProgress | null;
}

export interface DashboardDataset {
  name: string;
  label: string;
  pattern: 'one-way' | 'two-way' | 'calendar' | 'gmail' | 'google-leg';
  /** e.g. "Notion → Postgres". */
  direction: string;
  /** The Postgres table it syncs into, as the config names it (`datasets.<name>.table`). */
  table: string;
  configured: boolean;
  /** Whether `POST /sync/<name>` runs it (the contacts Google leg runs as part of contacts). */
  runnable: boolean;
  /** What to set when it is not configured. */
  hint: string | null;
  lastRun: LastRun | null;
  last24h: WindowStats;
  running: DashboardRun | null;
  /**
   * How changes reach the service, per side they are made on (Notion, Google, Postgres), with the
   * lag of the last one measured (edit → written on the other side). Empty without a running service
   * (or for a dataset nothing watches).
   */
  arrivals: DashboardArrival[];
}

export interface DashboardArrival {
  source: ChangeSource;
  /** `webhook`, `listen`, `polling`, or `schedule` (they wait for the scheduled runs). */
  arrival: ChangeArrival;
  /** Seconds between two polls (a backup poll with webhooks or LISTEN); null: not polled. */
  pollIntervalSeconds: number | null;
  lastPollAt: string | null;
  /** Edit → written of the last change measured, in milliseconds; null: none yet. */
  lastLagMs: number | null;
  lastLagAt: string | null;
  /** Changes measured since the service started. */
  lagCount: number;
}

export interface HourBucket {
  /** Start of the hour, ISO (UTC). */
  start: string;
  runs: number;
  failedRuns: number;
  records: number;
}

export interface LogEntry {
  id: string;
  at: string;
  eventType: string;
  /** The dataset the row belongs to, when its event type names one. */
  dataset: string | null;
  message: string | null;
  /** Record errors and conflicts: the record (Notion page id or row id). */
  record: string | null;
}

export interface ConflictEntry extends LogEntry {
  field: string | null;
  winner: string | null;
  reason: string | null;
}

export interface DashboardData {
  generatedAt: string;
  window: { from: string; to: string; hours: number };
  datasets: DashboardDataset[];
  hours: HourBucket[];
  totals24h: WindowStats & { successRate: number | null };
  recentErrors: LogEntry[];
  recentConflicts: ConflictEntry[];
  running: DashboardRun[];
  /** True when sync_logs holds no run at all (a fresh install). */
  empty: boolean;
}

const HOUR = 3_600_000;
const WINDOW_HOURS = 24;
const GOOGLE_LEG = 'contacts_google';
const GOOGLE_HINT = 'set GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN';
const SOURCE_ORDER: ChangeSource[] = ['notion', 'google', 'postgres'];
const COUNT_KEYS = ['created', 'updated', 'deleted', 'restored', 'unchanged', 'skipped'] as const;

/** A number stored in details, or 0 — never an SQL error on rows whose details hold something else. */
const jsonNumber = (key: string) =>
  `CASE WHEN jsonb_typeof(details->'${key}') = 'number' THEN (details->>'${key}')::numeric ELSE 0 END`;

interface DatasetEntry {
  name: string;
  label: string;
  pattern: DashboardDataset['pattern'];
  direction: string;
  table: string;
  configured: boolean;
  runnable: boolean;
  hint: string | null;
}

/** The rows of the table: every dataset the config knows, in the spec's order, with the contacts Google leg after contacts. */
function datasetEntries(config: Config): DatasetEntry[] {
  const googleConfigured = config.google.credentials !== null;
  const order = (d: ResolvedDataset) => {
    const i = syncOrder.indexOf(d.name);
    return i < 0 ? syncOrder.length : i;
  };
  const entries: DatasetEntry[] = [];
  for (const ds of [...config.datasets].sort((a, b) => order(a) - order(b))) {
    const google = ds.pattern === 'calendar' || ds.pattern === 'gmail';
    const configured = ds.enabled && (google ? googleConfigured : ds.databaseId !== null);
    let hint: string | null = null;
    if (!ds.enabled) hint = 'disabled in the config file';
    else if (!configured) hint = google ? GOOGLE_HINT : `set ${ds.databaseIdEnv}`;
    // Contacts with Google but no Notion database still runs: its Google leg.
    const googleLeg = ds.google === 'people' && ds.enabled && googleConfigured;
    entries.push({
      name: ds.name,
      label: ds.name,
      pattern: ds.pattern,
      direction: ds.pattern === 'two-way' ? 'Notion ⇄ Postgres' : google ? 'Google → Postgres' : 'Notion → Postgres',
      table: ds.table,
      configured,
      runnable: configured || googleLeg,
      hint,
    });
    if (ds.google === 'people') {
      entries.push({
        name: GOOGLE_LEG,
        label: `${ds.name} · Google`,
        pattern: 'google-leg',
        direction: 'Google ⇄ Postgres',
        table: ds.table,
        configured: googleLeg,
        runnable: false,
        hint: googleLeg ? `runs with ${ds.name}` : ds.enabled ? GOOGLE_HINT : 'disabled in the config file',
      });
    }
  }
  return entries;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

function asRecord(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function numberOf(d: Record<string, unknown>, key: string): number | null {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function stringOf(d: Record<string, unknown>, key: string): string | null {
  const v = d[key];
  return typeof v === 'string' ? v : null;
}

function writesOf(d: Record<string, unknown>): LastRun['writes'] {
  const w = asRecord(d.writes);
  if (!Object.keys(w).length) return null;
  const side = (s: unknown) => {
    const r = asRecord(s);
    const out: Partial<Record<'created' | 'updated' | 'deleted' | 'restored', number>> = {};
    for (const k of ['created', 'updated', 'deleted', 'restored'] as const) {
      const n = numberOf(r, k);
      if (n !== null) out[k] = n;
    }
    return out;
  };
  return { notion: side(w.notion), postgres: side(w.postgres) };
}

function toRun(r: RunRecordLike): DashboardRun {
  const s = r.startedAt;
  const startedAt = s === null || s === undefined ? null : new Date(s).toISOString();
  const p = r.progress;
  const progress = p ? { dataset: p.dataset, phase: p.phase, done: p.done, ...(p.total !== undefined ? { total: p.total } : {}) } : null;
  return { id: String(r.id), target: String(r.target), status: String(r.status), startedAt, progress };
}

/** `meetings_record` → `meetings`; `contacts_google_sync` → `contacts_google`. */
function datasetOfEvent(eventType: string, names: string[]): string | null {
  let best: string | null = null;
  for (const n of names) if (eventType.startsWith(`${n}_`) && (!best || n.length > best.length)) best = n;
  return best;
}

const emptyStats = (): WindowStats => ({ runs: 0, failedRuns: 0, records: 0, errors: 0, conflicts: 0 });

export async function loadDashboard(deps: DashboardDeps): Promise<DashboardData> {
  const { store, config } = deps;
  const now = deps.now?.() ?? Date.now();
  const currentHour = Math.floor(now / HOUR) * HOUR;
  const from = currentHour - (WINDOW_HOURS - 1) * HOUR;
  const entries = datasetEntries(config);
  const names = entries.map((e) => e.name);
  const syncEvents = names.map((n) => `${n}_sync`);
  const conflictEvents = names.map((n) => `${n}_conflict`);

  const [last, hourly, errors, conflicts] = await Promise.all([
    store.query<{ event_type: string; id: string; status: string; message: string | null; details: unknown; created_at: Date; start_time: Date | null; end_time: Date | null }>(
      `SELECT e.event_type, l.id, l.status, l.message, l.details, l.created_at, l.start_time, l.end_time
       FROM unnest($1::text[]) AS e(event_type)
       CROSS JOIN LATERAL (
         SELECT s.id, s.status, s.message, s.details, s.created_at, s.start_time, s.end_time
         FROM jarvis_sync.sync_logs s
         WHERE s.event_type = e.event_type
         ORDER BY s.created_at DESC, s.id
         LIMIT 1
       ) l`,
      [syncEvents],
    ),
    store.query<{ event_type: string; hour: Date; runs: number; failed: number; records: number; errors: number; conflicts: number }>(
      `SELECT event_type, date_trunc('hour', created_at) AS hour,
              count(*)::int AS runs,
              count(*) FILTER (WHERE status = 'error')::int AS failed,
              sum(${jsonNumber('created')} + ${jsonNumber('updated')} + ${jsonNumber('deleted')} + ${jsonNumber('restored')})::float8 AS records,
              sum(${jsonNumber('errors')})::float8 AS errors,
              sum(${jsonNumber('conflicts')})::float8 AS conflicts
       FROM jarvis_sync.sync_logs
       WHERE event_type = ANY($1::text[]) AND created_at >= $2
       GROUP BY 1, 2`,
      [syncEvents, new Date(from)],
    ),
    // `full_sync_complete` rows only count the failed datasets, whose own rows are listed already.
    store.query<{ id: string; event_type: string; message: string | null; details: unknown; created_at: Date }>(
      `SELECT id, event_type, message, details, created_at
       FROM jarvis_sync.sync_logs
       WHERE status = 'error' AND event_type <> 'full_sync_complete'
       ORDER BY created_at DESC, id
       LIMIT $1`,
      [20],
    ),
    store.query<{ id: string; event_type: string; message: string | null; details: unknown; created_at: Date }>(
      `SELECT id, event_type, message, details, created_at
       FROM jarvis_sync.sync_logs
       WHERE event_type = ANY($1::text[])
       ORDER BY created_at DESC, id
       LIMIT $2`,
      [conflictEvents, 10],
    ),
  ]);

  const hours: HourBucket[] = Array.from({ length: WINDOW_HOURS }, (_, i) => ({
    start: new Date(from + i * HOUR).toISOString(),
    runs: 0,
    failedRuns: 0,
    records: 0,
  }));
  const perDataset = new Map<string, WindowStats>(names.map((n) => [n, emptyStats()]));
  const totals = emptyStats();
  for (const r of hourly.rows) {
    // A row stamped after `now` (clock skew between this host and the database) counts in the current hour.
    const i = Math.min(WINDOW_HOURS - 1, Math.max(0, Math.floor((r.hour.getTime() - from) / HOUR)));
    const bucket = hours[i]!;
    bucket.runs += r.runs;
    bucket.failedRuns += r.failed;
    bucket.records += r.records;
    const name = r.event_type.slice(0, -'_sync'.length);
    for (const stats of [perDataset.get(name), totals]) {
      if (!stats) continue;
      stats.runs += r.runs;
      stats.failedRuns += r.failed;
      stats.records += r.records;
      stats.errors += r.errors;
      stats.conflicts += r.conflicts;
    }
  }

  const lastByEvent = new Map(last.rows.map((r) => [r.event_type, r]));
  const freshness = deps.freshness?.list() ?? [];
  // Contacts' Google side belongs to its Google leg's row.
  const arrivalsOf = (e: DatasetEntry): DashboardArrival[] =>
    freshness
      .filter((f) => (e.pattern === 'google-leg' ? f.source === 'google' && `${f.dataset}_google` === e.name : f.dataset === e.name && !(f.source === 'google' && entries.some((x) => x.name === `${e.name}_google`))))
      .sort((a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source))
      .map((f) => ({ source: f.source, arrival: f.arrival, pollIntervalSeconds: f.pollIntervalSeconds, lastPollAt: f.lastPollAt, lastLagMs: f.lastLagMs, lastLagAt: f.lastLagAt, lagCount: f.lagCount }));
  const running = (deps.runs?.running() ?? []).map(toRun);

  const datasets: DashboardDataset[] = entries.map((e) => {
    const row = lastByEvent.get(`${e.name}_sync`);
    let lastRun: LastRun | null = null;
    if (row) {
      const d = asRecord(row.details);
      const counts = Object.fromEntries(COUNT_KEYS.map((k) => [k, numberOf(d, k)])) as unknown as RunCounts;
      const measured = row.start_time && row.end_time ? row.end_time.getTime() - row.start_time.getTime() : null;
      lastRun = {
        logId: row.id,
        at: row.created_at.toISOString(),
        startedAt: iso(row.start_time),
        endedAt: iso(row.end_time),
        status: stringOf(d, 'status') ?? row.status,
        mode: stringOf(d, 'mode'),
        durationMs: numberOf(d, 'durationMs') ?? measured,
        counts,
        errors: numberOf(d, 'errors'),
        warnings: numberOf(d, 'warnings'),
        conflicts: numberOf(d, 'conflicts'),
        notionRequests: numberOf(d, 'notionRequests'),
        googleRequests: numberOf(d, 'googleRequests'),
        message: row.message,
        writes: writesOf(d),
      };
    }
    return { ...e, lastRun, last24h: perDataset.get(e.name)!, running: running.find((r) => r.target === e.name) ?? null, arrivals: arrivalsOf(e) };
  });

  return {
    generatedAt: new Date(now).toISOString(),
    window: { from: new Date(from).toISOString(), to: new Date(currentHour + HOUR).toISOString(), hours: WINDOW_HOURS },
    datasets,
    hours,
    totals24h: { ...totals, successRate: totals.runs ? (totals.runs - totals.failedRuns) / totals.runs : null },
    recentErrors: errors.rows.map((r) => ({
      id: r.id,
      at: r.created_at.toISOString(),
      eventType: r.event_type,
      dataset: datasetOfEvent(r.event_type, names),
      message: r.message,
      record: recordOf(asRecord(r.details)),
    })),
    recentConflicts: conflicts.rows.map((r) => {
      const d = asRecord(r.details);
      return {
        id: r.id,
        at: r.created_at.toISOString(),
        eventType: r.event_type,
        dataset: datasetOfEvent(r.event_type, names),
        message: r.message,
        record: recordOf(d),
        field: stringOf(d, 'field'),
        winner: stringOf(d, 'winner'),
        reason: stringOf(d, 'reason'),
      };
    }),
    running,
    empty: last.rows.length === 0,
  };
}

function recordOf(d: Record<string, unknown>): string | null {
  return stringOf(d, 'notion_page_id') ?? stringOf(d, 'key') ?? stringOf(d, 'record_id');
}
