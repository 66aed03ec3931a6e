/**
 * Prometheus metrics in the text exposition format (0.0.4), written by hand: a few counters and a
 * histogram fed by every finished run, plus the connectors' own request counters read at scrape time,
 * and — when the service hands in its freshness registry (watchFreshness) — how each dataset's
 * changes arrive and a histogram of the measured lags (edit → written on the other side).
 */
import type { RunResult } from '../engine/result.ts';
import type { DatasetFreshness, LagListener } from '../scheduler/freshness.ts';

/** Run durations span a webhook's one-page sync (well under a second) to a 10,000-page full sync. */
export const DURATION_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800];

/**
 * Change lags span a LISTEN-driven write (a few seconds) through a poll (tens of seconds) to an edit
 * that waited for the 15-minute schedule or the nightly pass; 5, 15 and 40 s are the issue's targets.
 */
export const LAG_BUCKETS = [1, 2.5, 5, 10, 15, 30, 40, 60, 120, 300, 900, 1800, 3600, 21600, 86400];

/** What Metrics reads of the freshness registry (src/scheduler/freshness.ts; Freshness fits as is). */
export interface FreshnessView {
  list(): DatasetFreshness[];
  onLag(listener: LagListener): () => void;
}

const RECORD_ACTIONS = ['created', 'updated', 'deleted', 'restored', 'unchanged', 'skipped'] as const;

export interface ProviderStats {
  requests: number;
  rateLimited: number;
}

export interface MetricsSnapshot {
  /** Runs in progress in this process. */
  inProgress: number;
  /** Per provider (notion, google): requests sent and rate-limit answers received since start. */
  providers: Record<string, ProviderStats | undefined>;
}

type Labels = Record<string, string>;

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  add(labels: Labels, n = 1): void {
    const key = labelString(labels);
    const v = this.values.get(key);
    if (v) v.value += n;
    else this.values.set(key, { labels, value: n });
  }
  entries() {
    return [...this.values.values()].sort((a, b) => labelString(a.labels).localeCompare(labelString(b.labels)));
  }
}

interface Histogram {
  buckets: number[];
  sum: number;
  count: number;
}

function observe(h: Histogram, bounds: number[], value: number): void {
  bounds.forEach((le, i) => {
    if (value <= le) h.buckets[i]++;
  });
  h.sum += value;
  h.count++;
}

export class Metrics {
  private readonly runs = new Counter();
  private readonly records = new Counter();
  private readonly recordErrors = new Counter();
  private readonly conflicts = new Counter();
  private readonly durations = new Map<string, Histogram>();
  private readonly lastRun = new Map<string, number>();
  /** Per dataset and source (the side the edit was made on). */
  private readonly lags = new Map<string, { labels: Labels; h: Histogram }>();
  private freshness: FreshnessView | null = null;

  /** One change of `dataset`, made on `source`, written on the other side `lagMs` after the edit. */
  observeLag(dataset: string, source: string, lagMs: number): void {
    const labels = { dataset, source };
    const key = labelString(labels);
    let e = this.lags.get(key);
    if (!e) this.lags.set(key, (e = { labels, h: { buckets: LAG_BUCKETS.map(() => 0), sum: 0, count: 0 } }));
    observe(e.h, LAG_BUCKETS, Math.max(0, lagMs) / 1000);
  }

  /**
   * Feeds the lag histogram from the registry's onLag hook (every measurement from now on: the
   * pollers' and the Postgres change listener's) and shows its arrival modes at each scrape.
   * Returns the unsubscribe.
   */
  watchFreshness(freshness: FreshnessView): () => void {
    this.freshness = freshness;
    const off = freshness.onLag((e) => this.observeLag(e.dataset, e.source, e.lagMs));
    return () => {
      off();
      if (this.freshness === freshness) this.freshness = null;
    };
  }

  /** Counts one dataset step of a finished run. */
  recordResult(r: RunResult, finishedAtMs: number): void {
    const dataset = r.dataset;
    this.runs.add({ dataset, status: r.status });
    if (r.status === 'skipped' || r.dryRun) return;
    for (const action of RECORD_ACTIONS) if (r[action]) this.records.add({ dataset, action }, r[action]);
    this.recordErrors.add({ dataset }, r.errors.length);
    this.conflicts.add({ dataset }, r.conflicts?.length ?? 0);
    let h = this.durations.get(dataset);
    if (!h) this.durations.set(dataset, (h = { buckets: DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 }));
    observe(h, DURATION_BUCKETS, r.durationMs / 1000);
    if (r.status !== 'locked') this.lastRun.set(dataset, finishedAtMs / 1000);
  }

  render(snapshot: MetricsSnapshot): string {
    const out: string[] = [];
    const family = (name: string, type: 'counter' | 'gauge' | 'histogram', help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    const sample = (name: string, labels: Labels, value: number) => out.push(`${name}${labelString(labels)} ${formatNumber(value)}`);

    family('jarvis_sync_runs_total', 'counter', 'Dataset runs finished, by dataset and status (success, error, aborted, locked, skipped).');
    for (const e of this.runs.entries()) sample('jarvis_sync_runs_total', e.labels, e.value);
    family('jarvis_sync_records_total', 'counter', 'Records processed by dataset runs, by action.');
    for (const e of this.records.entries()) sample('jarvis_sync_records_total', e.labels, e.value);
    family('jarvis_sync_record_errors_total', 'counter', 'Records that failed to sync (retried on the next run).');
    for (const e of this.recordErrors.entries()) sample('jarvis_sync_record_errors_total', e.labels, e.value);
    family('jarvis_sync_conflicts_total', 'counter', 'Fields changed on both sides and resolved newer-wins.');
    for (const e of this.conflicts.entries()) sample('jarvis_sync_conflicts_total', e.labels, e.value);

    family('jarvis_sync_api_requests_total', 'counter', 'HTTP requests sent to a provider API, retries included.');
    const providers = Object.entries(snapshot.providers).filter((p): p is [string, ProviderStats] => p[1] !== undefined);
    for (const [provider, s] of providers) sample('jarvis_sync_api_requests_total', { provider }, s.requests);
    family('jarvis_sync_api_rate_limited_total', 'counter', 'Rate-limit answers (429) received from a provider API.');
    for (const [provider, s] of providers) sample('jarvis_sync_api_rate_limited_total', { provider }, s.rateLimited);

    family('jarvis_sync_run_duration_seconds', 'histogram', 'Duration of dataset runs.');
    for (const [dataset, h] of [...this.durations].sort(([a], [b]) => a.localeCompare(b))) {
      DURATION_BUCKETS.forEach((le, i) => sample('jarvis_sync_run_duration_seconds_bucket', { dataset, le: formatNumber(le) }, h.buckets[i]));
      sample('jarvis_sync_run_duration_seconds_bucket', { dataset, le: '+Inf' }, h.count);
      sample('jarvis_sync_run_duration_seconds_sum', { dataset }, h.sum);
      sample('jarvis_sync_run_duration_seconds_count', { dataset }, h.count);
    }
    family('jarvis_sync_last_run_timestamp_seconds', 'gauge', 'When the last run of a dataset finished (Unix time).');
    for (const [dataset, t] of [...this.lastRun].sort(([a], [b]) => a.localeCompare(b))) sample('jarvis_sync_last_run_timestamp_seconds', { dataset }, t);
    family('jarvis_sync_run_in_progress', 'gauge', 'Runs in progress in this process.');
    sample('jarvis_sync_run_in_progress', {}, snapshot.inProgress);

    family('jarvis_sync_change_lag_seconds', 'histogram', 'From an edit to its write on the other side, by dataset and the side it was made on (source: notion, google, postgres).');
    for (const { labels, h } of [...this.lags.values()].sort((a, b) => labelString(a.labels).localeCompare(labelString(b.labels)))) {
      LAG_BUCKETS.forEach((le, i) => sample('jarvis_sync_change_lag_seconds_bucket', { ...labels, le: formatNumber(le) }, h.buckets[i]!));
      sample('jarvis_sync_change_lag_seconds_bucket', { ...labels, le: '+Inf' }, h.count);
      sample('jarvis_sync_change_lag_seconds_sum', labels, h.sum);
      sample('jarvis_sync_change_lag_seconds_count', labels, h.count);
    }
    const arrivals = this.freshness?.list() ?? [];
    family('jarvis_sync_change_arrival', 'gauge', 'How changes of a dataset from a source reach the service: 1 for the current way (arrival: webhook, listen, polling, schedule).');
    for (const f of arrivals) sample('jarvis_sync_change_arrival', { dataset: f.dataset, source: f.source, arrival: f.arrival }, 1);
    family('jarvis_sync_change_last_lag_seconds', 'gauge', 'The lag of the last change measured, by dataset and source.');
    for (const f of arrivals) if (f.lastLagMs !== null) sample('jarvis_sync_change_last_lag_seconds', { dataset: f.dataset, source: f.source }, f.lastLagMs / 1000);
    return out.join('\n') + '\n';
  }
}

function labelString(labels: Labels): string {
  const keys = Object.keys(labels);
  if (!keys.length) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k]!)}"`).join(',')}}`;
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}
