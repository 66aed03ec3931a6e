/**
 * `jarvis-sync status [--json]`: the service's health read straight from the database (sync_logs),
 * so it works whether or not the service runs, and for every instance sharing the database.
 *
 * The header is the spec's health (the same computation as GET /health); the table has the last
 * run of each dataset step with its counts and its runs in the last 24 hours. `--json` prints the
 * health object of GET /health with a `datasets` array added.
 *
 * Exit code: 0 healthy, 1 degraded or unhealthy or nothing synced yet (so a cron job or a
 * monitoring probe can use it), 2 bad configuration.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../../config/index.ts';
import { syncOrder } from '../../datasets/index.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { computeHealth, type HealthResponse } from '../../server/health.ts';
import { describeDatabaseUrl } from '../../store/connectionErrors.ts';
import { DataDirInUseError, openStore, type SyncLogEntry } from '../../store/index.ts';
import { PENDING_DIR_NAME, PendingLogs, pendingRowsParam, syncLogsWithPending } from '../../store/pendingLogs.ts';
import { activeLeases } from '../../store/leases.ts';
import type { Sql, Store } from '../../store/types.ts';
import { UsageError, type ParsedCommand } from '../args.ts';

export interface DatasetStatus {
  dataset: string;
  /** The last run's status (success, error, aborted, locked…), or 'never' / 'not_configured'. */
  status: string;
  mode: string | null;
  last_run_start: string | null;
  last_run_end: string | null;
  duration_seconds: number | null;
  created: number;
  updated: number;
  deleted: number;
  restored: number;
  unchanged: number;
  errors: number;
  conflicts: number;
  runs_24h: number;
  failed_runs_24h: number;
  message: string | null;
}

export interface StatusReport extends HealthResponse {
  datasets: DatasetStatus[];
  /** Runs whose sync_logs rows are kept because Postgres was unreachable (counted above); only when some are. */
  unwritten_runs?: number;
}

const DAY_MS = 24 * 3_600_000;

export async function statusCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void, clock: Clock = systemClock): Promise<number> {
  if (cmd.positionals.length > 0) throw new UsageError(`status takes no arguments (got ${cmd.positionals.join(' ')})`);
  const json = Boolean(cmd.flags.json);
  if (!config.database.url && !existsSync(join(config.database.dataDir, 'pgdata'))) {
    out(json ? JSON.stringify({ status: 'unknown', message: 'nothing has synced yet' }, null, 2) : `nothing has synced yet: no database in ${join(config.database.dataDir, 'pgdata')} (run \`jarvis-sync sync all\` or \`npm start\`)`);
    return 1;
  }
  let store: Store;
  try {
    store = await openStore(config.database.url ? { databaseUrl: config.database.url, maxConnections: 2 } : { dataDir: join(config.database.dataDir, 'pgdata') });
  } catch (e) {
    if (!(e instanceof DataDirInUseError)) throw e;
    // The running service holds the embedded database: ask it instead.
    return statusFromServer(config, json, out, e);
  }
  try {
    // Rows a run kept because Postgres was unreachable (another process's, spooled in the data dir).
    const pending = config.database.url ? new PendingLogs({ dir: join(config.database.dataDir, PENDING_DIR_NAME), database: describeDatabaseUrl(config.database.url) }).entries() : [];
    const report = await readStatus(store, config, clock.now(), pending);
    if (!report) {
      out(json ? JSON.stringify({ status: 'unknown', message: 'nothing has synced yet' }, null, 2) : 'nothing has synced yet: the database has no sync_logs table (run `jarvis-sync migrate`, then `jarvis-sync sync all`)');
      return 1;
    }
    logger.debug({ status: report.status }, 'status read');
    // A migrated database with no run yet is not "healthy / 100%": a probe must not take an
    // installation that never synced for a working one.
    const neverSynced = !report.sync_status.last_sync_end && report.stats.total_syncs_24h === 0 && report.datasets.every((d) => d.status === 'never' || d.status === 'not_configured');
    if (json) out(JSON.stringify(neverSynced ? { ...report, message: 'nothing has synced yet' } : report, null, 2));
    else {
      if (neverSynced) out('nothing has synced yet: the database is ready but no dataset has run (run `jarvis-sync sync all` or `npm start`)\n');
      printStatus(report, clock.now(), out);
    }
    return report.status === 'healthy' && !neverSynced ? 0 : 1;
  } finally {
    await store.close();
  }
}

/**
 * The report, or null when the database has no sync_logs table yet. `pending`: sync_logs rows kept
 * because Postgres was unreachable, counted as if they had been written.
 */
export async function readStatus(sql: Sql, config: Config, now: number, pending: SyncLogEntry[] = []): Promise<StatusReport | null> {
  const { rows: exists } = await sql.query<{ ok: boolean }>(`SELECT to_regclass('jarvis_sync.sync_logs') IS NOT NULL AS ok`);
  if (!exists[0]?.ok) return null;
  const steps = datasetSteps(config);
  const inProgress = await locksHeld(sql, steps);
  const health = await computeHealth({ store: sql, now: () => now, syncInProgress: () => inProgress.length > 0, pending: () => pending });
  if (health.error) throw health.error;
  const kept = pendingRowsParam(pending);

  const { rows: last } = await sql.query<{ event_type: string; status: string; message: string | null; details: Record<string, unknown> | null; created_at: Date; start_time: Date | null; end_time: Date | null }>(
    `SELECT DISTINCT ON (event_type) event_type, status, message, details, created_at, start_time, end_time
       FROM ${syncLogsWithPending('$1')} l
      WHERE event_type LIKE '%\\_sync'
      ORDER BY event_type, created_at DESC`,
    [kept],
  );
  const { rows: counts } = await sql.query<{ event_type: string; runs: number; failed: number }>(
    `SELECT event_type, count(*)::int AS runs, count(*) FILTER (WHERE status <> 'success')::int AS failed
       FROM ${syncLogsWithPending('$2')} l
      WHERE event_type LIKE '%\\_sync' AND created_at >= $1
      GROUP BY event_type`,
    [new Date(now - DAY_MS), kept],
  );
  const lastBy = new Map(last.map((r) => [r.event_type.replace(/_sync$/, ''), r]));
  const countBy = new Map(counts.map((r) => [r.event_type.replace(/_sync$/, ''), r]));
  const names = [...new Set([...steps.map((s) => s.name), ...lastBy.keys()])].sort((a, b) => rank(a) - rank(b));

  const datasets = names.map((name): DatasetStatus => {
    const row = lastBy.get(name);
    const c = countBy.get(name);
    const d = row?.details ?? {};
    const num = (k: string) => (typeof d[k] === 'number' ? (d[k] as number) : 0);
    const step = steps.find((s) => s.name === name);
    const start = row?.start_time ?? null;
    const end = row?.end_time ?? null;
    return {
      dataset: name,
      status: inProgress.includes(name) ? 'running' : row ? String(d.status ?? row.status) : step?.configured === false ? 'not_configured' : 'never',
      mode: row ? String(d.mode ?? '') || null : null,
      last_run_start: start ? new Date(start).toISOString() : null,
      last_run_end: end ? new Date(end).toISOString() : row ? new Date(row.created_at).toISOString() : null,
      duration_seconds: typeof d.durationMs === 'number' ? Math.round(d.durationMs / 100) / 10 : start && end ? Math.round((new Date(end).getTime() - new Date(start).getTime()) / 100) / 10 : null,
      created: num('created'),
      updated: num('updated'),
      deleted: num('deleted'),
      restored: num('restored'),
      unchanged: num('unchanged'),
      errors: num('errors'),
      conflicts: num('conflicts'),
      runs_24h: c?.runs ?? 0,
      failed_runs_24h: c?.failed ?? 0,
      message: row?.message ?? null,
    };
  });
  const unwritten = pending.filter((e) => e.eventType.endsWith('_sync')).length;
  return { ...health.body, datasets, ...(unwritten ? { unwritten_runs: unwritten } : {}) };
}

/** Every dataset step a `sync all` can run, with whether it is configured. */
function datasetSteps(config: Config): Array<{ name: string; configured: boolean }> {
  const google = Boolean(config.google.credentials);
  const steps: Array<{ name: string; configured: boolean }> = [];
  for (const d of config.datasets) {
    const configured = d.enabled && (d.pattern === 'calendar' || d.pattern === 'gmail' ? google : Boolean(d.databaseId));
    steps.push({ name: d.name, configured });
    if (d.google === 'people') steps.push({ name: `${d.name}_google`, configured: d.enabled && google });
  }
  return steps;
}

function rank(name: string): number {
  const base = name.replace(/_google$/, '');
  const i = syncOrder.indexOf(base);
  return (i === -1 ? syncOrder.length : i) * 2 + (name.endsWith('_google') ? 1 : 0);
}

/**
 * Dataset steps whose advisory lock (the engine's `jarvis-sync:dataset:<name>`) some session holds
 * right now: read from pg_locks, never by taking the lock, so a run starting this instant is not
 * disturbed.
 */
async function locksHeld(sql: Sql, steps: Array<{ name: string }>): Promise<string[]> {
  try {
    const held = await activeLeases(sql, steps.map((s) => `dataset:${s.name}`));
    return held.map((h) => h.name.replace(/^dataset:/, ''));
  } catch (e) {
    // A database not migrated to leases yet has no such table: nothing of this version runs on it.
    if ((e as { code?: string }).code === '42P01') return [];
    throw e;
  }
}

function printStatus(r: StatusReport, now: number, out: (s: string) => void): void {
  const s = r.sync_status;
  out(`jarvis-sync: ${r.status}${r.mode === 'demo' ? ' (demo)' : ''}`);
  out(
    s.last_sync_end
      ? `last sync: ${ago(Date.parse(s.last_sync_end), now)} (${s.last_sync_start} → ${s.last_sync_end}, ${s.last_sync_duration_seconds} s)`
      : 'last sync: never',
  );
  out(`last 24 h: ${r.stats.total_syncs_24h} sync${r.stats.total_syncs_24h === 1 ? '' : 's'}, ${r.stats.success_rate} successful${s.sync_in_progress ? '; a sync is running now' : ''}`);
  if (r.unwritten_runs) {
    out(`${r.unwritten_runs} run${r.unwritten_runs === 1 ? '' : 's'} ended while Postgres was unreachable: counted here, written to sync_logs by the next sync that reaches it`);
  }
  out('');
  const header = ['dataset', 'status', 'mode', 'last run', 'duration', 'created', 'updated', 'deleted', 'errors', 'runs 24h', 'failed 24h'];
  const shown = r.datasets.filter((d) => d.status !== 'not_configured');
  const rows = shown.map((d) => [
    d.dataset,
    d.status,
    d.mode ?? '',
    d.last_run_end ? ago(Date.parse(d.last_run_end), now) : '',
    d.duration_seconds === null ? '' : `${d.duration_seconds.toFixed(1)} s`,
    ...(d.last_run_end ? [d.created, d.updated, d.deleted, d.errors].map(String) : ['', '', '', '']),
    String(d.runs_24h),
    String(d.failed_runs_24h),
  ]);
  for (const line of table(header, rows, new Set([4, 5, 6, 7, 8, 9, 10]))) out(line);
  const unconfigured = r.datasets.filter((d) => d.status === 'not_configured').map((d) => d.dataset);
  if (unconfigured.length) out(`not configured: ${unconfigured.join(', ')}`);
  const failing = r.datasets.filter((d) => d.status === 'error' || d.status === 'aborted');
  if (failing.length) {
    out('');
    for (const d of failing) out(`${d.dataset}: ${d.message ?? d.status}`);
  }
}

/** Columns padded to their widest cell; numeric columns right-aligned. */
export function table(header: string[], rows: string[][], right: Set<number>): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => [...(r[i] ?? '')].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

export function ago(at: number, now: number): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 172_800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} days ago`;
}

/** The embedded database is held by the running service: its /health answers instead. */
async function statusFromServer(config: Config, json: boolean, out: (s: string) => void, cause: Error): Promise<number> {
  const host = ['0.0.0.0', '::', ''].includes(config.server.host) ? '127.0.0.1' : config.server.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${config.server.port}/health`;
  let health: HealthResponse;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    health = (await res.json()) as HealthResponse;
  } catch {
    throw new Error(`${cause.message}; and the service did not answer at ${url}`);
  }
  if (json) out(JSON.stringify(health, null, 2));
  else {
    out(`jarvis-sync: ${health.status} (from the running service at ${url}; per-dataset details need the database, which the service holds — see its dashboard)`);
    const s = health.sync_status;
    out(s.last_sync_end ? `last sync: ${s.last_sync_start} → ${s.last_sync_end}, ${s.last_sync_duration_seconds} s` : 'last sync: never');
    out(`last 24 h: ${health.stats.total_syncs_24h} syncs, ${health.stats.success_rate} successful${s.sync_in_progress ? '; a sync is running now' : ''}`);
  }
  return health.status === 'healthy' ? 0 : 1;
}
