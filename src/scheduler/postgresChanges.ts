/**
 * Postgres → Notion in seconds (issue 15). A change an app or a person makes to a row of a two-way
 * dataset (insert, update, soft delete) is recorded by the table's triggers in
 * jarvis_sync.row_changes (0007_row_changes.sql, src/store/rowChanges.ts); this service reads those
 * records and starts a targeted run of just those rows (`recordIds`), once each row has been quiet
 * for the settle window — a burst of edits becomes one write per page.
 *
 * How the records are noticed:
 * - LISTEN where it works: the triggers `pg_notify` on commit and the service reads at once.
 *   PostgreSQL on a connection of its own (not through a transaction pooler, where a LISTEN would
 *   land on a server connection other clients borrow); PGlite within its process. A test
 *   notification must come back before LISTEN is trusted. The recorded changes are still read every
 *   minute, in case a notification is lost (a reconnect, a pooler).
 * - Otherwise polling: every `postgresChanges.pollSeconds` (5 s by default), one primary-key scan
 *   of a table that holds only the changes not synced yet — it returns nothing when nothing changed.
 *
 * Never lost, never twice for nothing: the change rows a run was started for are deleted when that
 * run has finished, by id, and only those. A row changed again while its run is in flight has a new
 * change row, which the next read finds and syncs afterwards. A run another instance was already
 * doing (`locked`) leaves its change rows for a later read. On shutdown, unsynced changes simply
 * stay recorded for the next start.
 *
 * Bad input — a notification or a change row naming a table that is not a two-way dataset's, an id
 * that is not a uuid, a row that does not exist — is dropped with a debug line and deleted.
 *
 * `datasets()` and `onLag()` say, per dataset, how changes arrive and how long the last one took
 * from the edit (its change row's time) to its write (the run's end), both on the database's clock.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/index.ts';
import type { RunOptions } from '../engine/context.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { quoteIdent } from '../store/identifiers.ts';
import { detectTransactionPooling } from '../store/poolerDetect.ts';
import {
  consumeRowChanges,
  heartbeatConsumer,
  listenPostgres,
  pruneStaleRowChanges,
  readRowChanges,
  recordsChanges,
  removeConsumer,
  ROW_CHANGES_CHANNEL,
} from '../store/rowChanges.ts';
import type { Store } from '../store/types.ts';
import type { Timers } from './index.ts';

/** How a dataset's Postgres changes reach the service ('schedule': they wait for the scheduled runs). */
export type PostgresArrival = 'listen' | 'polling' | 'schedule';

/** With LISTEN up, the recorded changes are still read this often (a lost notification waits at most this long). */
export const LISTEN_BACKSTOP_MS = 60_000;
/** LISTEN is trusted once a test notification came back within this long. */
export const PROBE_TIMEOUT_MS = 5_000;
/** After a lost LISTEN connection (or a failed attempt), the next attempt. */
export const RELISTEN_MS = 30_000;
/** The service tells the triggers it is there this often (they record only while a consumer was seen in 10 minutes). */
export const HEARTBEAT_MS = 60_000;
/** A run another instance was doing: its changes are read again after this long. */
export const LOCKED_RETRY_MS = 10_000;
/** At most this many change rows per read. */
export const READ_LIMIT = 1_000;
/** A row changed again and again is synced at the latest this many settle windows after its first change. */
export const MAX_SETTLE_WINDOWS = 10;
const PRUNE_EVERY_MS = 3_600_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Where the service reports arrival modes and lags besides datasets(): the dashboard's and
 * /metrics' freshness registry (src/scheduler/freshness.ts) fits as is.
 */
export interface FreshnessSink {
  set(dataset: string, source: 'postgres', arrival: PostgresArrival, pollIntervalSeconds: number | null): void;
  polled(dataset: string, source: 'postgres', at: number): void;
  recordLag(dataset: string, source: 'postgres', changedAt: number, writtenAt: number): void;
}

export interface PostgresChangesStatus {
  dataset: string;
  arrival: PostgresArrival;
  /** Seconds between two reads of the recorded changes (a backstop with LISTEN); null: not read. */
  pollIntervalSeconds: number | null;
  /** The last read, ISO 8601 (this process's clock). */
  lastPollAt: string | null;
  /** Edit → write of the last change synced; null: none yet. */
  lastLagMs: number | null;
  /** When it was written, ISO 8601 (the database's clock). */
  lastLagAt: string | null;
  lagCount: number;
  /** Rows changed and not written yet: settling, waiting for a run in the way, or in a run. */
  pending: number;
}

export type PostgresLagListener = (e: { dataset: string; lagMs: number; at: number }) => void;

/** The finished run as far as this service reads it (the RunManager's RunRecord fits). */
export interface ChangeRunRecord {
  results: Array<{ dataset: string; status: string; errors: Array<{ key: string }> }>;
}

/** What the service needs of the RunManager (it fits as is). */
export interface ChangeRuns {
  start(target: string, opts: RunOptions, trigger: 'postgres'): { run: { id: string }; done: Promise<ChangeRunRecord> } | { conflict: string };
  whenDone(id: string): Promise<unknown>;
}

export interface PostgresChangesDeps {
  runs: ChangeRuns;
  store: Store;
  config: Pick<Config, 'datasets' | 'postgresChanges' | 'database'>;
  logger: Logger;
  clock: Pick<Clock, 'now'>;
  timers: Timers;
  freshness?: FreshnessSink;
}

interface Changed {
  /** The change rows this batch stands for (deleted once its run has finished). */
  ids: number[];
  /** The earliest change (epoch ms, database clock). */
  changedAt: number;
}

interface Settling extends Changed {
  dataset: string;
  recordId: string;
  firstSeen: number;
  timer: unknown;
}

interface Stats {
  lastPollAt: string | null;
  lastLagMs: number | null;
  lastLagAt: string | null;
  lagCount: number;
  inRun: number;
}

export class PostgresChanges {
  private readonly consumer = randomUUID();
  /** table → dataset, for the enabled two-way datasets with a Notion database. */
  private readonly datasetOf = new Map<string, string>();
  private readonly tableOf = new Map<string, string>();
  private readonly stats = new Map<string, Stats>();
  private readonly settleMs: number;
  private readonly pollMs: number;
  private mode: PostgresArrival = 'schedule';
  private schema: string | null = null;
  private closed = false;
  /** Change ids read and not deleted yet (settling, ready, or in a run): a later read skips them. */
  private readonly known = new Set<number>();
  private readonly settling = new Map<string, Settling>();
  /** Settled rows per dataset, waiting for their run. */
  private readonly ready = new Map<string, Map<string, Changed>>();
  private readonly waiting = new Set<string>();
  private readonly dispatchTimers = new Map<string, unknown>();
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly lagListeners = new Set<PostgresLagListener>();
  /** Database work, one statement at a time: a read never overlaps the delete of what it read. */
  private chain: Promise<void> = Promise.resolve();
  private queuedRead: Promise<void> | null = null;
  private pollTimer: unknown;
  private heartbeatTimer: unknown;
  private relistenTimer: unknown;
  private probeTimer: unknown;
  private probeToken: string | null = null;
  private readonly retryTimers = new Set<unknown>();
  private listener: { close(): Promise<void> } | null = null;
  private lastPrune = 0;

  constructor(private readonly deps: PostgresChangesDeps) {
    const pc = deps.config.postgresChanges;
    this.settleMs = pc.settleSeconds * 1000;
    this.pollMs = pc.pollSeconds * 1000;
    for (const ds of deps.config.datasets) {
      if (!recordsChanges(ds) || !ds.databaseId) continue;
      this.datasetOf.set(ds.table, ds.name);
      this.tableOf.set(ds.name, ds.table);
      this.stats.set(ds.name, { lastPollAt: null, lastLagMs: null, lastLagAt: null, lagCount: 0, inRun: 0 });
    }
  }

  /** How changes arrive now: 'listen', 'polling', or 'schedule' (off, or no two-way dataset to watch). */
  get arrival(): PostgresArrival {
    return this.mode;
  }

  /**
   * Starts: announces this consumer (the triggers record from then on), reads what was recorded
   * while no service ran, and sets up LISTEN or polling. Returns at once; `started` resolves when
   * the first read is done and LISTEN has been tried (its test notification may still be on its way).
   */
  start(): void {
    if (!this.deps.config.postgresChanges.enabled || !this.datasetOf.size) {
      this.setMode('schedule');
      return;
    }
    this.setMode('polling');
    this.started = this.enqueue(async () => {
      await heartbeatConsumer(this.deps.store, this.consumer, this.mode);
      this.schema = (await this.deps.store.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema ?? 'public';
    })
      .then(() => this.requestRead())
      .then(() => this.setUpListen())
      .catch((e: unknown) => this.deps.logger.warn({ err: (e as Error).message }, `postgres changes: could not start (${(e as Error).message}); the scheduled runs carry Postgres edits to Notion`));
    this.schedulePoll();
    this.scheduleHeartbeat();
    this.deps.logger.info(
      { datasets: [...this.tableOf.keys()], settleSeconds: this.settleMs / 1000, pollSeconds: this.pollMs / 1000 },
      'postgres changes: edits to two-way rows start targeted syncs',
    );
  }

  started: Promise<void> = Promise.resolve();

  /** Per dataset: how changes arrive, the last lag, what is pending. */
  datasets(): PostgresChangesStatus[] {
    return [...this.stats].map(([dataset, s]) => ({
      dataset,
      arrival: this.mode,
      pollIntervalSeconds: this.interval() === null ? null : this.interval()! / 1000,
      lastPollAt: s.lastPollAt,
      lastLagMs: s.lastLagMs,
      lastLagAt: s.lastLagAt,
      lagCount: s.lagCount,
      pending: this.pendingOf(dataset),
    }));
  }

  /** Called with every lag measured from now on (e.g. for a histogram). Returns an unsubscribe. */
  onLag(listener: PostgresLagListener): () => void {
    this.lagListeners.add(listener);
    return () => this.lagListeners.delete(listener);
  }

  /** Resolves when nothing is being read or written and the runs this service started have finished. */
  async idle(): Promise<void> {
    for (;;) {
      await this.chain;
      if (this.inFlight.size) {
        await Promise.allSettled([...this.inFlight]);
        continue;
      }
      await this.chain;
      if (!this.inFlight.size) return;
    }
  }

  /** Reads the recorded changes now (what a notification does). */
  poll(): Promise<void> {
    return this.requestRead();
  }

  /** Stops: changes not synced yet stay recorded for the next start. Runs already started go on. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { timers } = this.deps;
    for (const t of [this.pollTimer, this.heartbeatTimer, this.relistenTimer, this.probeTimer]) if (t !== undefined) timers.clearTimeout(t);
    for (const s of this.settling.values()) timers.clearTimeout(s.timer);
    for (const t of this.dispatchTimers.values()) timers.clearTimeout(t);
    for (const t of this.retryTimers) timers.clearTimeout(t);
    this.retryTimers.clear();
    const left = this.settling.size + [...this.ready.values()].reduce((n, m) => n + m.size, 0);
    this.settling.clear();
    this.ready.clear();
    this.dispatchTimers.clear();
    const listener = this.listener;
    this.listener = null;
    await listener?.close().catch(() => undefined);
    if (this.mode !== 'schedule') await this.enqueue(() => removeConsumer(this.deps.store, this.consumer)).catch(() => undefined);
    await this.chain;
    if (left) this.deps.logger.info({ rows: left }, `postgres changes: ${left} changed row(s) left for the next start (they stay recorded)`);
  }

  // ---- reading ---------------------------------------------------------------------------------

  private enqueue<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.then(
      () => undefined,
      () => undefined,
    );
    return p;
  }

  /** A read, coalesced: however many notifications arrive meanwhile, one read is queued at most. */
  private requestRead(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.queuedRead) return this.queuedRead;
    const p = this.enqueue(async () => {
      this.queuedRead = null;
      if (!this.closed) await this.read();
    }).catch((e: unknown) => this.deps.logger.debug({ err: (e as Error).message }, 'postgres changes: reading the recorded changes failed; trying again at the next read'));
    this.queuedRead = p;
    return p;
  }

  private async read(): Promise<void> {
    const { store, logger, clock } = this.deps;
    const changes = await readRowChanges(store, READ_LIMIT);
    const now = clock.now();
    for (const [dataset, s] of this.stats) {
      s.lastPollAt = new Date(now).toISOString();
      this.deps.freshness?.polled(dataset, 'postgres', now);
    }
    const ignored: number[] = [];
    const fresh = new Map<string, Array<{ id: number; recordId: string; changedAt: number }>>();
    for (const c of changes) {
      if (this.known.has(c.id)) continue;
      const dataset = c.tableSchema === this.schema ? this.datasetOf.get(c.tableName) : undefined;
      if (!dataset) {
        logger.debug({ change: c.id, table: `${c.tableSchema}.${c.tableName}` }, 'postgres changes: ignored a change of a table that is not a two-way dataset synced here');
        ignored.push(c.id);
      } else if (!UUID.test(c.recordId)) {
        logger.debug({ change: c.id, dataset, recordId: c.recordId.slice(0, 100) }, 'postgres changes: ignored a change whose row id is not a uuid');
        ignored.push(c.id);
      } else {
        let list = fresh.get(dataset);
        if (!list) fresh.set(dataset, (list = []));
        list.push({ id: c.id, recordId: c.recordId.toLowerCase(), changedAt: c.changedAt });
      }
    }
    // Rows that do not exist (a forged change row, a row deleted since): nothing to sync.
    for (const [dataset, list] of fresh) {
      const ids = [...new Set(list.map((c) => c.recordId))];
      const { rows } = await store.query<{ id: string }>(`SELECT id::text AS id FROM ${quoteIdent(this.tableOf.get(dataset)!)} WHERE id = ANY($1::uuid[])`, [ids]);
      const present = new Set(rows.map((r) => r.id.toLowerCase()));
      for (const c of list) {
        if (!present.has(c.recordId)) {
          logger.debug({ change: c.id, dataset, recordId: c.recordId }, 'postgres changes: ignored a change of a row that does not exist');
          ignored.push(c.id);
          continue;
        }
        this.known.add(c.id);
        this.touch(dataset, c.recordId, c.id, c.changedAt);
      }
    }
    if (ignored.length) await consumeRowChanges(store, ignored);
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      const pruned = await pruneStaleRowChanges(store);
      if (pruned) logger.info({ pruned }, `postgres changes: dropped ${pruned} change row(s) older than a day (the scheduled runs have covered them)`);
    }
  }

  // ---- settling and dispatching --------------------------------------------------------------

  /** A row changed: (re)starts its settle window, never beyond MAX_SETTLE_WINDOWS from its first change. */
  private touch(dataset: string, recordId: string, id: number, changedAt: number): void {
    if (this.closed) return;
    const key = `${dataset}\u0000${recordId}`;
    const now = this.deps.clock.now();
    let s = this.settling.get(key);
    if (s) {
      this.deps.timers.clearTimeout(s.timer);
      s.ids.push(id);
      s.changedAt = Math.min(s.changedAt, changedAt);
    } else {
      s = { dataset, recordId, ids: [id], changedAt, firstSeen: now, timer: undefined };
      this.settling.set(key, s);
    }
    const wait = Math.max(0, Math.min(this.settleMs, s.firstSeen + this.settleMs * MAX_SETTLE_WINDOWS - now));
    s.timer = this.deps.timers.setTimeout(() => {
      this.settling.delete(key);
      let rows = this.ready.get(dataset);
      if (!rows) this.ready.set(dataset, (rows = new Map()));
      const had = rows.get(recordId);
      rows.set(recordId, had ? { ids: [...had.ids, ...s!.ids], changedAt: Math.min(had.changedAt, s!.changedAt) } : { ids: s!.ids, changedAt: s!.changedAt });
      this.scheduleDispatch(dataset);
    }, wait);
  }

  /** Rows that settle at the same moment go into one run: dispatch after the current timers. */
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
    const batch = this.ready.get(dataset);
    if (!batch?.size) return;
    const recordIds = [...batch.keys()];
    let outcome: ReturnType<ChangeRuns['start']>;
    try {
      outcome = this.deps.runs.start(dataset, { recordIds }, 'postgres');
    } catch (e) {
      this.ready.delete(dataset);
      if ((e as Error).name === 'ShuttingDownError') return; // they stay recorded for the next start
      this.deps.logger.warn({ dataset, err: (e as Error).message }, `postgres changes: could not start a sync of ${dataset}: ${(e as Error).message}`);
      this.forget(batch);
      return;
    }
    if ('conflict' in outcome) {
      // Keep the rows; go again when the run in the way is done.
      this.waiting.add(dataset);
      this.deps.logger.debug({ dataset, runningRun: outcome.conflict }, `postgres changes: ${dataset} is syncing; its changed rows go in the next run`);
      this.track(
        this.deps.runs.whenDone(outcome.conflict).finally(() => {
          this.waiting.delete(dataset);
          this.dispatch(dataset);
        }),
      );
      return;
    }
    this.ready.delete(dataset);
    const stats = this.stats.get(dataset)!;
    stats.inRun += batch.size;
    this.deps.logger.info({ dataset, run: outcome.run.id, rows: recordIds.length }, `postgres changes: syncing ${recordIds.length} changed row(s) of ${dataset}`);
    this.track(
      outcome.done.then(
        (record) => this.finished(dataset, batch, record),
        () => this.finished(dataset, batch, undefined),
      ),
    );
  }

  /** The run of `batch` has finished: its change rows are deleted, unless another instance held the dataset. */
  private async finished(dataset: string, batch: Map<string, Changed>, record: ChangeRunRecord | undefined): Promise<void> {
    const stats = this.stats.get(dataset)!;
    stats.inRun -= batch.size;
    const step = record?.results.find((r) => r.dataset === dataset);
    if (step?.status === 'locked') {
      // Another instance is syncing the dataset; whether its run saw these edits is unknown: read them again later.
      this.deps.logger.debug({ dataset }, `postgres changes: another instance is syncing ${dataset}; its changed rows are read again in ${LOCKED_RETRY_MS / 1000} s`);
      this.forget(batch);
      if (!this.closed) {
        const t = this.deps.timers.setTimeout(() => {
          this.retryTimers.delete(t);
          void this.requestRead();
        }, LOCKED_RETRY_MS);
        this.retryTimers.add(t);
      }
      return;
    }
    const ids = [...batch.values()].flatMap((c) => c.ids);
    let consumed: Awaited<ReturnType<typeof consumeRowChanges>>;
    try {
      consumed = await this.enqueue(() => consumeRowChanges(this.deps.store, ids));
    } catch (e) {
      // Read again (and synced again, harmlessly) once the database answers.
      this.deps.logger.debug({ dataset, err: (e as Error).message }, 'postgres changes: could not delete the change rows of a finished run');
      this.forget(batch);
      return;
    }
    for (const id of ids) this.known.delete(id);
    // Written: the dataset's step succeeded and the row is not among its failed records.
    if (step?.status !== 'success' || !consumed.length) return;
    const failed = new Set(step.errors.map((e) => e.key.toLowerCase()));
    const writtenAt = Math.max(...consumed.map((c) => c.now));
    for (const [recordId, c] of batch) {
      if (failed.has(recordId)) continue;
      const lagMs = Math.max(0, writtenAt - c.changedAt);
      stats.lastLagMs = lagMs;
      stats.lastLagAt = new Date(writtenAt).toISOString();
      stats.lagCount++;
      this.deps.freshness?.recordLag(dataset, 'postgres', c.changedAt, writtenAt);
      for (const l of this.lagListeners) {
        try {
          l({ dataset, lagMs, at: writtenAt });
        } catch {
          // a listener's failure is its own
        }
      }
    }
  }

  /** Change rows no longer held here: the next read takes them up again. */
  private forget(batch: Map<string, Changed>): void {
    for (const c of batch.values()) for (const id of c.ids) this.known.delete(id);
  }

  private track(p: Promise<unknown>): void {
    const tracked = p.catch(() => undefined).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private pendingOf(dataset: string): number {
    let n = this.ready.get(dataset)?.size ?? 0;
    for (const s of this.settling.values()) if (s.dataset === dataset) n++;
    return n + (this.stats.get(dataset)?.inRun ?? 0);
  }

  // ---- timers ----------------------------------------------------------------------------------

  private interval(): number | null {
    return this.mode === 'listen' ? LISTEN_BACKSTOP_MS : this.mode === 'polling' ? this.pollMs : null;
  }

  private schedulePoll(): void {
    if (this.pollTimer !== undefined) this.deps.timers.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
    const ms = this.interval();
    if (this.closed || ms === null) return;
    this.pollTimer = this.deps.timers.setTimeout(() => {
      this.pollTimer = undefined;
      void this.requestRead().finally(() => {
        if (this.pollTimer === undefined) this.schedulePoll();
      });
    }, ms);
  }

  private scheduleHeartbeat(): void {
    if (this.closed) return;
    this.heartbeatTimer = this.deps.timers.setTimeout(() => {
      this.enqueue(() => heartbeatConsumer(this.deps.store, this.consumer, this.mode))
        .catch((e: unknown) => this.deps.logger.debug({ err: (e as Error).message }, 'postgres changes: the heartbeat failed'))
        .finally(() => this.scheduleHeartbeat());
    }, HEARTBEAT_MS);
  }

  private setMode(mode: PostgresArrival): void {
    this.mode = mode;
    const interval = this.interval();
    for (const dataset of this.stats.keys()) this.deps.freshness?.set(dataset, 'postgres', mode, interval === null ? null : interval / 1000);
  }

  // ---- LISTEN ------------------------------------------------------------------------------------

  private async setUpListen(): Promise<void> {
    const { store, config, logger } = this.deps;
    if (this.closed || !config.postgresChanges.listen) return;
    let listener: { close(): Promise<void> };
    try {
      if (store.listen) {
        const stop = await store.listen(ROW_CHANGES_CHANNEL, (payload) => this.notified(payload));
        listener = { close: stop };
      } else if (config.database.url) {
        const pooling = await detectTransactionPooling(config.database.url);
        if (pooling.pooling === 'transaction') {
          logger.info({ pollSeconds: this.pollMs / 1000 }, `postgres changes: the database is reached through a transaction pooler, where LISTEN cannot work; reading the recorded changes every ${this.pollMs / 1000} s`);
          return;
        }
        listener = await listenPostgres(config.database.url, ROW_CHANGES_CHANNEL, (payload) => this.notified(payload), (err) => this.lost(err));
      } else return;
    } catch (e) {
      logger.info({ err: (e as Error).message }, `postgres changes: LISTEN failed (${(e as Error).message}); reading the recorded changes every ${this.pollMs / 1000} s`);
      this.relistenLater();
      return;
    }
    if (this.closed) {
      await listener.close().catch(() => undefined);
      return;
    }
    this.listener = listener;
    // Trusted once a notification of ours comes back.
    const token = randomUUID();
    this.probeToken = token;
    this.probeTimer = this.deps.timers.setTimeout(() => {
      this.probeTimer = undefined;
      if (this.probeToken !== token || this.closed) return;
      this.probeToken = null;
      logger.info(`postgres changes: LISTEN is set up but its test notification did not arrive within ${PROBE_TIMEOUT_MS / 1000} s; reading the recorded changes every ${this.pollMs / 1000} s`);
      const l = this.listener;
      this.listener = null;
      void l?.close().catch(() => undefined);
    }, PROBE_TIMEOUT_MS);
    await store.query('SELECT pg_notify($1, $2)', [ROW_CHANGES_CHANNEL, `probe:${token}`]);
  }

  private notified(payload: string): void {
    if (this.closed) return;
    if (payload.startsWith('probe:')) {
      if (this.probeToken === null || payload !== `probe:${this.probeToken}`) return; // another instance's
      this.probeToken = null;
      if (this.probeTimer !== undefined) this.deps.timers.clearTimeout(this.probeTimer);
      this.probeTimer = undefined;
      this.setMode('listen');
      this.schedulePoll();
      this.deps.logger.info('postgres changes: LISTEN works; edits are read as they are committed');
      // Anything committed between the last read and LISTEN.
      void this.requestRead();
      return;
    }
    if (!this.datasetOf.has(payload)) {
      this.deps.logger.debug({ payload: payload.slice(0, 100) }, 'postgres changes: ignored a notification that names no two-way dataset table synced here');
      return;
    }
    void this.requestRead();
  }

  /** The LISTEN connection is gone: poll until it is back. */
  private lost(err?: Error): void {
    if (this.closed) return;
    this.listener = null;
    this.probeToken = null;
    this.setMode('polling');
    this.schedulePoll();
    this.deps.logger.warn({ err: err?.message }, `postgres changes: the LISTEN connection was lost; reading the recorded changes every ${this.pollMs / 1000} s until it is back`);
    void this.requestRead();
    this.relistenLater();
  }

  private relistenLater(): void {
    if (this.closed || this.deps.store.listen) return;
    if (this.relistenTimer !== undefined) this.deps.timers.clearTimeout(this.relistenTimer);
    this.relistenTimer = this.deps.timers.setTimeout(() => {
      this.relistenTimer = undefined;
      void this.setUpListen();
    }, RELISTEN_MS);
  }
}

/** The service part of `serve`: created and started in one call. */
export function startPostgresChanges(deps: PostgresChangesDeps): PostgresChanges {
  const changes = new PostgresChanges(deps);
  changes.start();
  return changes;
}
