/**
 * Turns webhook signals into runs, after a settle window: a page edited five times in a few seconds
 * is synced once, when it has been quiet for `settleMs`. Pages of one dataset that settle together
 * become one targeted run (`pageIds`); a signal about a whole dataset (Google Calendar's push
 * notifications) becomes one incremental run.
 *
 * When the dataset is already running (a scheduled `sync all`, or the previous webhook run), the
 * settled pages wait for that run to finish and go in the next one — an edit is never dropped
 * because a run was in the way. Pending work is dropped only on shutdown; the next regular run
 * reads its whole window, so nothing is lost then either.
 */
import type { Logger } from '../../lib/logger.ts';
import type { Timers } from '../../lib/timers.ts';
import type { RunManager } from '../../scheduler/runManager.ts';

/** More settled pages than this in one dataset: one incremental run reads them cheaper (100 per request) than one retrieve each. */
export const MAX_TARGETED_PAGES = 25;

export interface DispatcherDeps {
  runs: Pick<RunManager, 'start' | 'whenDone'>;
  timers: Timers;
  settleMs: number;
  logger: Logger;
}

export class WebhookDispatcher {
  private readonly pageTimers = new Map<string, { dataset: string; pageId: string; handle: unknown }>();
  private readonly datasetTimers = new Map<string, unknown>();
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

  /** A page changed: (re)starts its settle window. */
  touchPage(dataset: string, pageId: string): void {
    if (this.closed) return;
    const key = `${dataset}\u0000${pageId}`;
    const existing = this.pageTimers.get(key);
    if (existing) this.deps.timers.clearTimeout(existing.handle);
    const handle = this.deps.timers.setTimeout(() => {
      this.pageTimers.delete(key);
      let set = this.readyPages.get(dataset);
      if (!set) this.readyPages.set(dataset, (set = new Set()));
      set.add(pageId);
      this.scheduleDispatch(dataset);
    }, this.deps.settleMs);
    this.pageTimers.set(key, { dataset, pageId, handle });
  }

  /** Something in a dataset changed (no page ids): (re)starts the dataset's settle window. */
  touchDataset(dataset: string): void {
    if (this.closed) return;
    const existing = this.datasetTimers.get(dataset);
    if (existing !== undefined) this.deps.timers.clearTimeout(existing);
    this.datasetTimers.set(
      dataset,
      this.deps.timers.setTimeout(() => {
        this.datasetTimers.delete(dataset);
        this.readyWhole.add(dataset);
        this.scheduleDispatch(dataset);
      }, this.deps.settleMs),
    );
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
    for (const t of this.datasetTimers.values()) this.deps.timers.clearTimeout(t);
    for (const t of this.dispatchTimers.values()) this.deps.timers.clearTimeout(t);
    this.pageTimers.clear();
    this.datasetTimers.clear();
    this.dispatchTimers.clear();
    this.readyPages.clear();
    this.readyWhole.clear();
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
      outcome = this.deps.runs.start(dataset, pageIds ? { pageIds } : {}, 'webhook');
    } catch (e) {
      this.deps.logger.warn({ dataset, err: (e as Error).message }, `webhooks: could not start a sync of ${dataset}: ${(e as Error).message}`);
      this.readyPages.delete(dataset);
      this.readyWhole.delete(dataset);
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
    this.deps.logger.info(
      { dataset, run: outcome.run.id, ...(pageIds ? { pages: pageIds.length } : {}) },
      pageIds ? `webhooks: syncing ${pageIds.length} changed page(s) of ${dataset}` : `webhooks: incremental sync of ${dataset}`,
    );
    this.track(outcome.done);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }
}
