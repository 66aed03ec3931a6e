/**
 * Turns webhook signals into runs, after a settle window: a page edited five times in a few seconds
 * is synced once, when it has been quiet for `settleMs`. Pages of one dataset that settle together
 * become one targeted run (`pageIds`); a signal about a whole dataset (Google Calendar's push
 * notifications) becomes one incremental run. The pollers (src/scheduler/) hand their findings in
 * the same way, marked `poll`: a run gets trigger `webhook` when a webhook announced any of its
 * changes, else `poll`.
 *
 * When the dataset is already running (a scheduled `sync all`, or the previous webhook run), the
 * settled pages wait for that run to finish and go in the next one — an edit is never dropped
 * because a run was in the way. Pending work is dropped only on shutdown; the next regular run
 * reads its whole window, so nothing is lost then either.
 */
import type { Logger } from '../../lib/logger.ts';
import type { Timers } from '../../lib/timers.ts';
import type { RunManager } from '../../scheduler/runManager.ts';

/** Who announced a change: a webhook, or a poll that found it. */
export type ChangeOrigin = 'webhook' | 'poll';

/**
 * Where the lag of a change a webhook announced goes once the run that wrote it has finished (the
 * service's Freshness registry fits). Pages are Notion's; a whole dataset is Google Calendar's push.
 * (What a poll found is measured by the pollers themselves, src/scheduler/lagTracker.ts.)
 */
export interface WebhookLagSink {
  recordLag(dataset: string, source: 'notion' | 'google', changedAt: number, writtenAt: number): void;
}

/** More settled pages than this in one dataset: one incremental run reads them cheaper (100 per request) than one retrieve each. */
export const MAX_TARGETED_PAGES = 25;

/** What the lag needs of a finished run (the RunManager's RunRecord fits). */
interface RunDone {
  finishedAt?: string;
  results: Array<{ dataset: string; status: string; errors: Array<{ key: string }> }>;
}

export interface DispatcherDeps {
  runs: Pick<RunManager, 'start' | 'whenDone'>;
  timers: Timers;
  settleMs: number;
  logger: Logger;
  lags?: WebhookLagSink;
  /** The service's clock (a change announced without a time was made at the latest when it arrived). */
  now?: () => number;
}

export class WebhookDispatcher {
  private readonly pageTimers = new Map<string, { dataset: string; pageId: string; handle: unknown; origin: ChangeOrigin }>();
  private readonly datasetTimers = new Map<string, { handle: unknown; origin: ChangeOrigin }>();
  /** Datasets with a settled change a webhook announced (their next run is a webhook's). */
  private readonly webhookReady = new Set<string>();
  /** Per dataset, what webhooks announced and no run has written yet: page id ('' for the whole dataset) → earliest change. */
  private readonly announced = new Map<string, Map<string, number>>();
  /** Settled pages per dataset, waiting to be dispatched. */
  private readonly readyPages = new Map<string, Set<string>>();
  /** Datasets whose whole-dataset (incremental) run has settled. */
  private readonly readyWhole = new Set<string>();
  private readonly dispatchTimers = new Map<string, unknown>();
  /** Datasets waiting for a run in the way to finish. */
  private readonly waiting = new Set<string>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closed = false;

  constructor(private readonly deps: DispatcherDeps) {}

  /** A page changed (at `changedAt`, when a webhook says): (re)starts its settle window. */
  touchPage(dataset: string, pageId: string, origin: ChangeOrigin = 'webhook', changedAt?: number): void {
    if (this.closed) return;
    if (origin === 'webhook') this.announce(dataset, pageId, changedAt);
    const key = `${dataset}\u0000${pageId}`;
    const existing = this.pageTimers.get(key);
    if (existing) this.deps.timers.clearTimeout(existing.handle);
    const settled: ChangeOrigin = existing?.origin === 'webhook' ? 'webhook' : origin;
    const handle = this.deps.timers.setTimeout(() => {
      this.pageTimers.delete(key);
      let set = this.readyPages.get(dataset);
      if (!set) this.readyPages.set(dataset, (set = new Set()));
      set.add(pageId);
      if (settled === 'webhook') this.webhookReady.add(dataset);
      this.scheduleDispatch(dataset);
    }, this.deps.settleMs);
    this.pageTimers.set(key, { dataset, pageId, handle, origin: settled });
  }

  /** Something in a dataset changed (no page ids): (re)starts the dataset's settle window. */
  touchDataset(dataset: string, origin: ChangeOrigin = 'webhook', changedAt?: number): void {
    if (this.closed) return;
    if (origin === 'webhook') this.announce(dataset, '', changedAt);
    const existing = this.datasetTimers.get(dataset);
    if (existing !== undefined) this.deps.timers.clearTimeout(existing.handle);
    const settled: ChangeOrigin = existing?.origin === 'webhook' ? 'webhook' : origin;
    this.datasetTimers.set(dataset, {
      origin: settled,
      handle: this.deps.timers.setTimeout(() => {
        this.datasetTimers.delete(dataset);
        this.readyWhole.add(dataset);
        if (settled === 'webhook') this.webhookReady.add(dataset);
        this.scheduleDispatch(dataset);
      }, this.deps.settleMs),
    });
  }

  /** Pages and datasets still inside their settle window. */
  get pendingCount(): number {
    return this.pageTimers.size + this.datasetTimers.size + [...this.readyPages.values()].reduce((n, s) => n + s.size, 0) + this.readyWhole.size;
  }

  /** Resolves when the runs this dispatcher started (and those they waited for) have finished. */
  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Stops: pending pages are dropped (the next regular run reads them). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const dropped = this.pendingCount;
    for (const t of this.pageTimers.values()) this.deps.timers.clearTimeout(t.handle);
    for (const t of this.datasetTimers.values()) this.deps.timers.clearTimeout(t.handle);
    for (const t of this.dispatchTimers.values()) this.deps.timers.clearTimeout(t);
    this.pageTimers.clear();
    this.datasetTimers.clear();
    this.dispatchTimers.clear();
    this.readyPages.clear();
    this.readyWhole.clear();
    this.webhookReady.clear();
    this.announced.clear();
    if (dropped) this.deps.logger.info({ dropped }, `webhooks: ${dropped} pending change(s) left to the next regular run`);
  }

  /** Pages that settle at the same moment go into one run: dispatch after the current timers. */
  private scheduleDispatch(dataset: string): void {
    if (this.dispatchTimers.has(dataset)) return;
    this.dispatchTimers.set(
      dataset,
      this.deps.timers.setTimeout(() => {
        this.dispatchTimers.delete(dataset);
        this.dispatch(dataset);
      }, 0),
    );
  }

  private dispatch(dataset: string): void {
    if (this.closed || this.waiting.has(dataset)) return;
    const pages = this.readyPages.get(dataset);
    const whole = this.readyWhole.has(dataset) || (pages !== undefined && pages.size > MAX_TARGETED_PAGES);
    if (!whole && !pages?.size) return;
    const pageIds = whole ? undefined : [...pages!];
    let outcome: ReturnType<DispatcherDeps['runs']['start']>;
    try {
      outcome = this.deps.runs.start(dataset, pageIds ? { pageIds } : {}, this.webhookReady.has(dataset) ? 'webhook' : 'poll');
    } catch (e) {
      this.deps.logger.warn({ dataset, err: (e as Error).message }, `webhooks: could not start a sync of ${dataset}: ${(e as Error).message}`);
      this.readyPages.delete(dataset);
      this.readyWhole.delete(dataset);
      this.webhookReady.delete(dataset);
      return;
    }
    if ('conflict' in outcome) {
      // Keep the pages; go again when the run in the way is done.
      this.waiting.add(dataset);
      this.deps.logger.debug({ dataset, runningRun: outcome.conflict }, `webhooks: ${dataset} is syncing; its changes go in the next run`);
      this.track(
        this.deps.runs.whenDone(outcome.conflict).finally(() => {
          this.waiting.delete(dataset);
          this.dispatch(dataset);
        }),
      );
      return;
    }
    this.readyPages.delete(dataset);
    this.readyWhole.delete(dataset);
    this.webhookReady.delete(dataset);
    this.deps.logger.info(
      { dataset, run: outcome.run.id, ...(pageIds ? { pages: pageIds.length } : {}) },
      pageIds ? `webhooks: syncing ${pageIds.length} changed page(s) of ${dataset}` : `webhooks: incremental sync of ${dataset}`,
    );
    const measured = this.takeAnnounced(dataset, pageIds);
    this.track(measured.size ? outcome.done.then((record) => this.written(dataset, measured, record)) : outcome.done);
  }

  private announce(dataset: string, key: string, changedAt: number | undefined): void {
    if (!this.deps.lags) return;
    const at = changedAt ?? this.deps.now?.() ?? Date.now();
    let m = this.announced.get(dataset);
    if (!m) this.announced.set(dataset, (m = new Map()));
    m.set(key, Math.min(m.get(key) ?? at, at));
  }

  /** The announced changes a run of `pageIds` (undefined: the whole dataset) writes; pages still settling wait for theirs. */
  private takeAnnounced(dataset: string, pageIds: string[] | undefined): Map<string, number> {
    const m = this.announced.get(dataset);
    const out = new Map<string, number>();
    if (!m) return out;
    for (const [key, at] of m) {
      const settling = key !== '' && this.pageTimers.has(`${dataset}\u0000${key}`);
      if (pageIds ? pageIds.includes(key) : !settling) {
        out.set(key, at);
        m.delete(key);
      }
    }
    if (!m.size) this.announced.delete(dataset);
    return out;
  }

  /** The run finished: the lag of each announced change its dataset step wrote (not a record error). */
  private written(dataset: string, measured: Map<string, number>, r: RunDone): void {
    const step = r.results.find((x) => x.dataset === dataset);
    if (step?.status !== 'success') return;
    const failed = new Set(step.errors.map((e) => e.key));
    const writtenAt = r.finishedAt ? Date.parse(r.finishedAt) : (this.deps.now?.() ?? Date.now());
    for (const [key, at] of measured) if (!failed.has(key)) this.deps.lags!.recordLag(dataset, key === '' ? 'google' : 'notion', at, writtenAt);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
