/**
 * Freshness: per dataset and source, how changes arrive and how long the last one took to land.
 *
 * The pollers (notionPoller.ts, googlePoller.ts) fill it in; the dashboard and /metrics can read it
 * (`list()`, and `onLag()` for a histogram). The lag is measured from when the change was made —
 * Notion's `last_edited_time`, a Google event's `updated` time, or at worst the last poll that did
 * not see it yet — to when the run that wrote it to Postgres finished. Notion's timestamps are
 * rounded down to the minute, so the lag is measured from that minute or the previous poll that did
 * not show the change, whichever is later: the change happened at or after both, so the lag is never
 * shorter than the truth (unless Notion's index showed the edit later than a poll made after it).
 */

/** How a dataset's changes reach this service. */
export type ChangeArrival = 'webhook' | 'listen' | 'polling' | 'schedule';

/** Where the changes come from (the side that was edited). */
export type ChangeSource = 'notion' | 'google' | 'postgres';

export interface DatasetFreshness {
  dataset: string;
  source: ChangeSource;
  arrival: ChangeArrival;
  /** Seconds between two polls of this dataset (a backup poll when arrival is webhook); null: not polled. */
  pollIntervalSeconds: number | null;
  /** The last poll of this dataset, ISO 8601; null: not yet. */
  lastPollAt: string | null;
  /** Edit → written, of the last change that arrived; null: none measured yet. */
  lastLagMs: number | null;
  /** When that change was written, ISO 8601. */
  lastLagAt: string | null;
  /** Changes measured since start. */
  lagCount: number;
}

export type LagListener = (e: { dataset: string; source: ChangeSource; lagMs: number; at: number }) => void;

export class Freshness {
  private readonly entries = new Map<string, DatasetFreshness>();
  private readonly listeners = new Set<LagListener>();

  /** Declares (or updates) how a dataset's changes from `source` arrive. */
  set(dataset: string, source: ChangeSource, arrival: ChangeArrival, pollIntervalSeconds: number | null): void {
    const e = this.entry(dataset, source);
    e.arrival = arrival;
    e.pollIntervalSeconds = pollIntervalSeconds;
  }

  polled(dataset: string, source: ChangeSource, at: number): void {
    this.entry(dataset, source).lastPollAt = new Date(at).toISOString();
  }

  /** A change of `dataset` made at `changedAt` was written at `writtenAt` (epoch ms). */
  recordLag(dataset: string, source: ChangeSource, changedAt: number, writtenAt: number): void {
    const e = this.entry(dataset, source);
    const lagMs = Math.max(0, writtenAt - changedAt);
    e.lastLagMs = lagMs;
    e.lastLagAt = new Date(writtenAt).toISOString();
    e.lagCount++;
    for (const l of this.listeners) {
      try {
        l({ dataset, source, lagMs, at: writtenAt });
      } catch {
        // A listener's failure is its own; the measurement stands.
      }
    }
  }

  /** Called with every lag measured from now on (e.g. to feed a Prometheus histogram). Returns an unsubscribe. */
  onLag(listener: LagListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(dataset: string, source: ChangeSource): DatasetFreshness | undefined {
    const e = this.entries.get(key(dataset, source));
    return e ? { ...e } : undefined;
  }

  /** Every dataset and source, in the order they were declared. */
  list(): DatasetFreshness[] {
    return [...this.entries.values()].map((e) => ({ ...e }));
  }

  private entry(dataset: string, source: ChangeSource): DatasetFreshness {
    let e = this.entries.get(key(dataset, source));
    if (!e) {
      e = { dataset, source, arrival: 'schedule', pollIntervalSeconds: null, lastPollAt: null, lastLagMs: null, lastLagAt: null, lagCount: 0 };
      this.entries.set(key(dataset, source), e);
    }
    return e;
  }
}

const key = (dataset: string, source: ChangeSource) => `${source}\u0000${dataset}`;
