/**
 * Measures the lag of the changes the pollers hand to the dispatcher: each change waits here until
 * a finished run has written it (a run of its dataset, or `all`, started after the change was
 * found, whose step for the dataset succeeded and which read the page, or the whole dataset), and
 * its lag goes to Freshness. Runs are looked up in the RunManager's history; nothing is hooked
 * into the run path.
 */
import type { ChangeSource, Freshness } from './freshness.ts';

/** The part of the RunManager's records a lag needs. */
export interface FinishedRunView {
  target: string;
  status: string;
  startedAt: string;
  finishedAt?: string;
  options: { pageIds?: string[]; recordIds?: string[] };
  results: Array<{ dataset: string; status: string }>;
}

/** What the pollers read of the RunManager (it satisfies this as is). */
export interface RunsView {
  running(): Array<{ target: string }>;
  list(): FinishedRunView[];
}

/** A change nobody wrote within this long is forgotten (the run failed; the next regular run takes it). */
const FORGET_AFTER_MS = 60 * 60_000;

interface Pending {
  dataset: string;
  source: ChangeSource;
  /** null: the whole dataset (an incremental run). */
  pageId: string | null;
  /** The step of the run that must have succeeded (contacts' Google leg is `contacts_google`). */
  step: string;
  changedAt: number;
  foundAt: number;
}

export class LagTracker {
  private readonly pending = new Map<string, Pending>();

  constructor(private readonly freshness: Freshness) {}

  /** A change made at `changedAt`, found at `foundAt`, handed to the dispatcher. */
  add(dataset: string, source: ChangeSource, pageId: string | null, changedAt: number, foundAt: number, step = dataset): void {
    const k = `${source}\u0000${dataset}\u0000${pageId ?? ''}`;
    const old = this.pending.get(k);
    // The same page again before its run: the run writes both; the older change waited longer.
    if (old) old.changedAt = Math.min(old.changedAt, changedAt);
    else this.pending.set(k, { dataset, source, pageId, step, changedAt, foundAt });
  }

  get size(): number {
    return this.pending.size;
  }

  /** Records the lag of every change a finished run has written. */
  settle(runs: RunsView, now: number): void {
    if (!this.pending.size) return;
    const finished = runs.list().filter((r) => r.status !== 'running' && r.finishedAt);
    for (const [k, p] of this.pending) {
      const writer = finished
        .filter((r) => covers(r, p))
        .map((r) => Date.parse(r.finishedAt!))
        .sort((a, b) => a - b)[0];
      if (writer !== undefined) {
        this.freshness.recordLag(p.dataset, p.source, p.changedAt, writer);
        this.pending.delete(k);
      } else if (now - p.foundAt > FORGET_AFTER_MS) this.pending.delete(k);
    }
  }
}

function covers(r: FinishedRunView, p: Pending): boolean {
  if (r.target !== p.dataset && r.target !== 'all') return false;
  if (Date.parse(r.startedAt) < p.foundAt) return false;
  if (r.options.recordIds) return false;
  if (r.options.pageIds && (p.pageId === null || !r.options.pageIds.includes(p.pageId))) return false;
  return r.results.some((x) => x.dataset === p.step && x.status === 'success');
}
