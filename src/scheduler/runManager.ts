/**
 * The single way runs start — HTTP requests, the scheduler, the pollers, webhooks and the Postgres
 * change listener all come through here. It knows nothing of HTTP: the server (src/server/app.ts)
 * and the notifier (src/notify/) use its RunRecord, and the server's /metrics counters are handed in.
 *
 * In this process a dataset never runs twice at once: a second start for the same dataset (or any
 * start while `all` runs, which covers every dataset, or `all` while anything runs) is refused with
 * the running run's id. Across processes the engine's advisory locks do the same job: a dataset
 * another instance is syncing comes back with status `locked`, listed in the record's `locked`.
 */
import { randomUUID } from 'node:crypto';
import type { RunContext, RunOptions } from '../engine/context.ts';
import type { RunResult } from '../engine/result.ts';
import { runAll, runDatasetSteps } from '../engine/runAll.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { systemTimers, type Timers } from '../lib/timers.ts';
import { redactString } from '../store/index.ts';

/**
 * 'webhook': a change a webhook announced (Notion's, Google Calendar's push); 'poll': a change a poll
 * found (src/scheduler/notionPoller.ts, googlePoller.ts); 'postgres': a change to a two-way row made
 * by an app or a person (src/scheduler/postgresChanges.ts).
 */
export type RunTrigger = 'http' | 'schedule' | 'webhook' | 'poll' | 'cli' | 'postgres';

/** Every trigger, in the order the OpenAPI document lists them. */
export const RUN_TRIGGERS: readonly RunTrigger[] = ['http', 'schedule', 'webhook', 'poll', 'cli', 'postgres'];

export interface RunRecord {
  id: string;
  /** A dataset name, or 'all'. */
  target: string;
  trigger: RunTrigger;
  status: 'running' | 'success' | 'error' | 'aborted';
  startedAt: string;
  finishedAt?: string;
  options: RunOptions;
  /** One per dataset step, in order (contacts has up to three); filled in as `all` progresses. */
  results: RunResult[];
  /** Set when the run failed as a whole (an exception, or the service stopped before it finished). */
  error?: string;
  /** Datasets another process was syncing (their step reported `locked`). */
  locked?: string[];
  /** The latest progress report of a long run (records done of total, per phase). */
  progress?: { dataset: string; phase: string; done: number; total?: number };
}

export interface RunNotifier {
  recordRun(record: RunRecord): Promise<void>;
}

/** Counts every finished dataset step (the server's Prometheus `Metrics`, src/server/metrics.ts). */
export interface RunMetrics {
  recordResult(result: RunResult, finishedAt: number): void;
}

export interface RunManagerDeps {
  context: RunContext;
  logger: Logger;
  clock: Clock;
  notifier?: RunNotifier;
  /** Finished runs kept for GET /runs/:id (default 200). */
  historySize?: number;
  /** Told of every finished step before the run's `done` resolves (so /metrics counts it at once). */
  metrics?: RunMetrics;
  timers?: Timers;
}

export type StartOutcome = { run: RunRecord; done: Promise<RunRecord> } | { conflict: string };

/** What the scheduler, the pollers and the change listener need of the RunManager. */
export interface RunStarter {
  /** Starts a run, or refuses with the id of the run of that target already going (`conflict`). */
  start(target: string, opts: RunOptions, trigger: RunTrigger): StartOutcome;
}

/** start() after drain() began: the service is stopping. */
export class ShuttingDownError extends Error {
  constructor() {
    super('the service is shutting down; no new runs are started');
    this.name = 'ShuttingDownError';
  }
}

export class UnknownTargetError extends Error {
  constructor(target: string, known: string[]) {
    super(`unknown dataset "${target}": one of ${known.join(', ')}, or all`);
    this.name = 'UnknownTargetError';
  }
}

export class RunManager implements RunStarter {
  private readonly records = new Map<string, RunRecord>();
  private readonly active = new Map<string, { record: RunRecord; done: Promise<RunRecord> }>();
  private readonly notifications = new Set<Promise<void>>();
  private readonly historySize: number;
  private readonly timers: Timers;
  private accepting = true;

  constructor(private readonly deps: RunManagerDeps) {
    this.historySize = deps.historySize ?? 200;
    this.timers = deps.timers ?? systemTimers;
  }

  get context(): RunContext {
    return this.deps.context;
  }

  /** Dataset names a run can target (besides 'all'). */
  targets(): string[] {
    return this.deps.context.config.datasets.map((d) => d.name);
  }

  /**
   * Starts a run unless one for the same dataset (or 'all', which covers every dataset) is running
   * in this process: then `{ conflict: runningRunId }`. Synchronous up to the registration, so
   * concurrent callers can never both start.
   */
  start(target: string, opts: RunOptions, trigger: RunTrigger): StartOutcome {
    if (!this.accepting) throw new ShuttingDownError();
    const ds = target === 'all' ? undefined : this.deps.context.config.datasets.find((d) => d.name === target);
    if (target !== 'all' && !ds) throw new UnknownTargetError(target, this.targets());
    const blocking = [...this.active.values()].find(({ record }) => target === 'all' || record.target === 'all' || record.target === target);
    if (blocking) return { conflict: blocking.record.id };

    const record: RunRecord = {
      id: randomUUID(),
      target,
      trigger,
      status: 'running',
      startedAt: new Date(this.deps.clock.now()).toISOString(),
      options: plainOptions(opts),
      results: [],
    };
    this.records.set(record.id, record);
    const log = this.deps.logger.child({ run: record.id, target, trigger });
    log.info({ options: describeOptions(opts) }, `run started: sync ${target}`);

    const ctx = this.deps.context;
    const runOpts: RunOptions = {
      ...opts,
      onProgress: (p) => {
        record.progress = { ...p };
        opts.onProgress?.(p);
      },
    };
    const execute = async (): Promise<RunResult[]> => {
      // Let start() return (and the caller register its interest) before any work begins.
      await Promise.resolve();
      if (ds) return runDatasetSteps(ctx, ds, runOpts);
      return runAll(ctx, runOpts, (r) => record.results.push(r));
    };
    const done = execute().then(
      (results) => this.finish(record, results, undefined, log),
      (e: unknown) => this.finish(record, record.results, e, log),
    );
    this.active.set(record.id, { record, done });
    return { run: record, done };
  }

  get(id: string): RunRecord | undefined {
    return this.records.get(id);
  }

  /** Newest first. */
  list(): RunRecord[] {
    return [...this.records.values()].reverse();
  }

  running(): RunRecord[] {
    return [...this.active.values()].map((a) => a.record);
  }

  /** Resolves when the run finishes (at once for a finished or unknown run). */
  async whenDone(id: string): Promise<RunRecord | undefined> {
    const a = this.active.get(id);
    return a ? a.done : this.records.get(id);
  }

  /** Resolves when nothing is running. */
  async idle(): Promise<void> {
    while (this.active.size) await Promise.allSettled([...this.active.values()].map((a) => a.done));
  }

  /**
   * Graceful shutdown: refuses new runs, then waits for the running ones up to `timeoutMs`. Runs
   * still going then are marked aborted (the engine writes nothing half-way that a next run cannot
   * finish: cursors only move after a run's writes, and its lock goes with the connection).
   */
  async drain(timeoutMs: number): Promise<void> {
    this.accepting = false;
    if (!this.active.size && !this.notifications.size) return;
    let timer: unknown;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = this.timers.setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const outcome = await Promise.race([this.idle().then(() => this.notified()).then(() => 'idle' as const), timedOut]);
    this.timers.clearTimeout(timer);
    if (outcome === 'idle') return;
    for (const { record } of [...this.active.values()]) {
      this.deps.logger.warn({ run: record.id, target: record.target }, `run of ${record.target} still going after ${timeoutMs} ms; stopping without it (the next run picks up from the last cursor)`);
      record.status = 'aborted';
      record.error = 'the service stopped before this run finished; the next run picks up from where the last one succeeded';
      record.finishedAt = new Date(this.deps.clock.now()).toISOString();
      this.active.delete(record.id);
    }
  }

  get accepts(): boolean {
    return this.accepting;
  }

  private async finish(record: RunRecord, results: RunResult[], error: unknown, log: Logger): Promise<RunRecord> {
    const finishedAt = this.deps.clock.now();
    if (!this.active.has(record.id)) return record; // drained: already marked aborted
    this.active.delete(record.id);
    record.results = results;
    record.finishedAt = new Date(finishedAt).toISOString();
    const locked = results.filter((r) => r.status === 'locked').map((r) => r.dataset);
    if (locked.length) record.locked = locked;
    if (error !== undefined) {
      record.status = 'error';
      record.error = redactString((error as Error)?.message ?? String(error));
    } else if (results.some((r) => r.status === 'error' || r.status === 'locked')) record.status = 'error';
    else if (results.some((r) => r.status === 'aborted')) record.status = 'aborted';
    else record.status = 'success';

    for (const r of results) this.deps.metrics?.recordResult(r, finishedAt);
    const summary = results.filter((r) => r.status !== 'skipped').map((r) => `${r.dataset}:${r.status}`);
    const fields = { status: record.status, datasets: summary, ...(record.error ? { err: record.error } : {}) };
    if (record.status === 'success') log.info(fields, `run finished: sync ${record.target}`);
    else log.warn(fields, `run finished with status ${record.status}: sync ${record.target}`);

    this.prune();
    this.notify(record, log);
    return record;
  }

  /** Notifications go out beside the run's completion: a slow chat webhook never holds a response up. */
  private notify(record: RunRecord, log: Logger): void {
    const notifier = this.deps.notifier;
    if (!notifier) return;
    const p = Promise.resolve()
      .then(() => notifier.recordRun(record))
      .catch((e: unknown) => log.error({ err: redactString((e as Error)?.message ?? String(e)) }, 'the notifier failed to process a finished run'))
      .finally(() => this.notifications.delete(p));
    this.notifications.add(p);
  }

  /** Resolves when every notification of finished runs has been handed to the notifier. */
  async notified(): Promise<void> {
    while (this.notifications.size) await Promise.allSettled([...this.notifications]);
  }

  private prune(): void {
    let excess = this.records.size - this.active.size - this.historySize;
    if (excess <= 0) return;
    for (const [id] of this.records) {
      if (excess <= 0) break;
      if (this.active.has(id)) continue;
      this.records.delete(id);
      excess--;
    }
  }
}

/** The options as data (no callbacks), safe to show and to serialize. */
function plainOptions(opts: RunOptions): RunOptions {
  return {
    ...(opts.full !== undefined ? { full: opts.full } : {}),
    ...(opts.hours !== undefined ? { hours: opts.hours } : {}),
    ...(opts.dryRun !== undefined ? { dryRun: opts.dryRun } : {}),
    ...(opts.force !== undefined ? { force: opts.force } : {}),
    ...(opts.pageIds ? { pageIds: [...opts.pageIds] } : {}),
    ...(opts.recordIds ? { recordIds: [...opts.recordIds] } : {}),
  };
}

function describeOptions(opts: RunOptions): Record<string, unknown> {
  return {
    ...(opts.full ? { full: true } : {}),
    ...(opts.hours !== undefined ? { hours: opts.hours } : {}),
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(opts.force ? { force: true } : {}),
    ...(opts.pageIds ? { pages: opts.pageIds.length } : {}),
    ...(opts.recordIds ? { rows: opts.recordIds.length } : {}),
  };
}
