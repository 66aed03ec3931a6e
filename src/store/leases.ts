/**
 * Leases: per-name mutual exclusion kept in a table (jarvis_sync.leases), so it holds through any
 * pooler (a transaction pooler hands each transaction another server connection, which breaks
 * session advisory locks) and across machines sharing one database.
 *
 * - acquire: one INSERT … ON CONFLICT DO UPDATE that succeeds only when the row is free (released
 *   or expired) or its holder is proven dead on this machine; each acquisition bumps the fencing
 *   token.
 * - heartbeat: renews the expiry every ttl/3; a renewal that finds another token means the lease was
 *   taken over; renewals that keep failing past the ttl mean it can no longer be proven held. Either
 *   way the lease is lost: its signal aborts and every later fenced write refuses.
 * - fence: every write of a run runs in a transaction that first re-reads its row FOR SHARE with
 *   its token. A takeover (an UPDATE of that row) waits for such a transaction and fails it after,
 *   so a run that lost its lease writes nothing more.
 * - release: marks the row released (kept, so tokens only grow). A crashed holder's lease expires
 *   by itself `ttlMs` after its last renewal, or at once for a process proven dead on this machine.
 *
 * Time is the database's now(): one clock for every machine.
 */
import type { Logger } from '../lib/logger.ts';
import { currentProcessIdentity, isProvenDead, type ProcessIdentity } from './processIdentity.ts';
import type { QueryResult, Sql, Store } from './types.ts';

export const DEFAULT_LEASE_TTL_MS = 30_000;

export interface LeaseTimers {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/** Real timers, unref'd: a heartbeat never keeps a finished process alive. */
export const realLeaseTimers: LeaseTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface LeaseOptions {
  /** How long a lease outlives its last renewal (default 30 s). */
  ttlMs?: number;
  /** Renewal interval (default ttl / 3). */
  heartbeatMs?: number;
  identity?: ProcessIdentity;
  timers?: LeaseTimers;
  /** Local time, only to tell how long renewals have been failing (default Date.now). */
  now?: () => number;
  logger?: Logger;
}

export interface LeaseHolder {
  name: string;
  token: number;
  owner: string;
  since: Date;
  renewedAt: Date;
  expiresAt: Date;
}

export class LeaseLostError extends Error {
  constructor(
    readonly leaseName: string,
    reason: string,
  ) {
    super(`the lock on ${leaseName} was lost (${reason}); this run stopped writing so that two runs never write at once — the next run picks up where it stopped`);
    this.name = 'LeaseLostError';
  }
}

export interface Lease {
  readonly name: string;
  readonly token: number;
  readonly lost: boolean;
  /** Aborts when the lease is lost (reason: a LeaseLostError). */
  readonly signal: AbortSignal;
  /** Throws the LeaseLostError once the lease is lost. */
  assertHeld(): void;
  /** Inside a transaction: proves the lease still ours and holds it until the transaction ends. */
  fence(tx: Sql): Promise<void>;
  /** One renewal now (the heartbeat calls it); false once lost. */
  renew(): Promise<boolean>;
  /** Idempotent. Resolves false when the lease had been lost meanwhile (someone else holds it now). */
  release(): Promise<boolean>;
}

export type AcquireResult = { ok: true; lease: Lease } | { ok: false; holder: LeaseHolder | null };

const HOLDER_COLUMNS = `name, token::float8 AS token, owner, owner_process, acquired_at, renewed_at, expires_at`;

export async function acquireLease(store: Sql, name: string, opts: LeaseOptions = {}): Promise<AcquireResult> {
  const ttlMs = opts.ttlMs ?? DEFAULT_LEASE_TTL_MS;
  const identity = opts.identity ?? currentProcessIdentity();
  let token = await tryAcquire(store, name, ttlMs, identity, null);
  if (token === null) {
    const holder = await readHolder(store, name);
    // A holder that crashed on this machine need not wait out its ttl: take over from exactly that
    // holder (same token), so a live process that took it meanwhile is never displaced.
    if (holder && isProvenDead(holder.ownerProcess)) {
      token = await tryAcquire(store, name, ttlMs, identity, holder.token);
      if (token !== null) opts.logger?.warn({ lease: name, previousHolder: holder.owner, since: holder.since.toISOString() }, 'took over the lock of a process that is gone');
    }
    if (token === null) return { ok: false, holder: holder ? toHolder(holder) : await readHolder(store, name).then((h) => (h ? toHolder(h) : null)) };
  }
  return { ok: true, lease: new HeldLease(store, name, token, ttlMs, opts) };
}

/** Unreleased, unexpired leases (all, or those named). */
export async function activeLeases(sql: Sql, names?: string[]): Promise<LeaseHolder[]> {
  const { rows } = await sql.query<HolderRow>(
    `SELECT ${HOLDER_COLUMNS} FROM jarvis_sync.leases
      WHERE released_at IS NULL AND expires_at > now() AND ($1::text[] IS NULL OR name = ANY($1::text[]))
      ORDER BY name`,
    [names ?? null],
  );
  return rows.map((r) => toHolder(fromRow(r)));
}

/** "held by host pid 42 since 2026-…Z (renewed 3 s ago)" */
export function describeHolder(h: LeaseHolder, nowMs: number = Date.now()): string {
  const ago = Math.max(0, Math.round((nowMs - h.renewedAt.getTime()) / 1000));
  return `held by ${h.owner} since ${h.since.toISOString()} (renewed ${ago} s ago, expires ${h.expiresAt.toISOString()} unless renewed)`;
}

interface HolderRow {
  name: string;
  token: number;
  owner: string;
  owner_process: string | null;
  acquired_at: Date;
  renewed_at: Date;
  expires_at: Date;
}
type RawHolder = LeaseHolder & { ownerProcess: string | null };

async function tryAcquire(store: Sql, name: string, ttlMs: number, id: ProcessIdentity, deadToken: number | null): Promise<number | null> {
  const { rows } = await store.query<{ token: number }>(
    `INSERT INTO jarvis_sync.leases AS l (name, token, owner, owner_process, acquired_at, renewed_at, expires_at)
     VALUES ($1, 1, $2, $3, now(), now(), now() + $4 * interval '1 millisecond')
     ON CONFLICT (name) DO UPDATE
        SET token = l.token + 1, owner = excluded.owner, owner_process = excluded.owner_process,
            acquired_at = now(), renewed_at = now(), expires_at = excluded.expires_at, released_at = NULL
      WHERE l.released_at IS NOT NULL OR l.expires_at <= now() OR l.token = $5::bigint
     RETURNING token::float8 AS token`,
    [name, id.owner, id.process, ttlMs, deadToken],
  );
  return rows[0]?.token ?? null;
}

async function readHolder(sql: Sql, name: string): Promise<RawHolder | null> {
  const { rows } = await sql.query<HolderRow>(`SELECT ${HOLDER_COLUMNS} FROM jarvis_sync.leases WHERE name = $1 AND released_at IS NULL`, [name]);
  return rows[0] ? fromRow(rows[0]) : null;
}

function fromRow(r: HolderRow): RawHolder {
  return { name: r.name, token: Number(r.token), owner: r.owner, ownerProcess: r.owner_process, since: new Date(r.acquired_at), renewedAt: new Date(r.renewed_at), expiresAt: new Date(r.expires_at) };
}

function toHolder(r: RawHolder): LeaseHolder {
  const { ownerProcess: _p, ...h } = r;
  return h;
}

class HeldLease implements Lease {
  private readonly controller = new AbortController();
  private readonly timers: LeaseTimers;
  private readonly now: () => number;
  private readonly heartbeat: unknown;
  private lastRenewed: number;
  private renewing: Promise<boolean> | null = null;
  private released = false;

  constructor(
    private readonly store: Sql,
    readonly name: string,
    readonly token: number,
    private readonly ttlMs: number,
    private readonly opts: LeaseOptions,
  ) {
    this.timers = opts.timers ?? realLeaseTimers;
    this.now = opts.now ?? Date.now;
    this.lastRenewed = this.now();
    this.heartbeat = this.timers.setInterval(() => void this.renew(), opts.heartbeatMs ?? Math.max(1, Math.floor(ttlMs / 3)));
  }

  get lost(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  assertHeld(): void {
    if (this.lost) throw this.controller.signal.reason as LeaseLostError;
  }

  async fence(tx: Sql): Promise<void> {
    this.assertHeld();
    const { rowCount } = await tx.query(
      `SELECT 1 FROM jarvis_sync.leases WHERE name = $1 AND token = $2 AND released_at IS NULL AND expires_at > now() FOR SHARE`,
      [this.name, this.token],
    );
    if (rowCount === 0) {
      this.markLost('another process holds it now, or it expired');
      this.assertHeld();
    }
  }

  renew(): Promise<boolean> {
    if (this.lost || this.released) return Promise.resolve(!this.lost);
    this.renewing ??= this.renewOnce().finally(() => {
      this.renewing = null;
    });
    return this.renewing;
  }

  private async renewOnce(): Promise<boolean> {
    try {
      // An expired row whose token is still ours was taken by nobody: renewing it is safe, since a
      // takeover always bumps the token.
      const { rowCount } = await this.store.query(
        `UPDATE jarvis_sync.leases SET renewed_at = now(), expires_at = now() + $3 * interval '1 millisecond'
          WHERE name = $1 AND token = $2 AND released_at IS NULL`,
        [this.name, this.token, this.ttlMs],
      );
      if (rowCount === 0) {
        this.markLost('another process took it over');
        return false;
      }
      this.lastRenewed = this.now();
      return true;
    } catch (e) {
      const failingFor = this.now() - this.lastRenewed;
      this.opts.logger?.warn({ lease: this.name, err: (e as Error).message, failingForMs: failingFor }, 'could not renew the lock');
      if (failingFor >= this.ttlMs) this.markLost(`renewals failed for ${Math.round(failingFor / 1000)} s: ${(e as Error).message}`);
      return !this.lost;
    }
  }

  async release(): Promise<boolean> {
    if (this.released) return !this.lost;
    this.released = true;
    this.timers.clearInterval(this.heartbeat);
    await this.renewing?.catch(() => undefined);
    try {
      const { rowCount } = await this.store.query(
        `UPDATE jarvis_sync.leases SET released_at = now(), expires_at = least(expires_at, now()) WHERE name = $1 AND token = $2 AND released_at IS NULL`,
        [this.name, this.token],
      );
      if (rowCount === 0 && !this.lost) this.markLost('another process took it over before it was released');
    } catch (e) {
      // The row expires by itself; nothing else to do.
      this.opts.logger?.warn({ lease: this.name, err: (e as Error).message }, `could not release the lock; it expires within ${Math.round(this.ttlMs / 1000)} s`);
    }
    return !this.lost;
  }

  private markLost(reason: string): void {
    if (this.lost) return;
    this.timers.clearInterval(this.heartbeat);
    this.opts.logger?.error({ lease: this.name, token: this.token, reason }, 'lost the lock');
    this.controller.abort(new LeaseLostError(this.name, reason));
  }
}

/** A statement that changes data (for fencing); SELECTs and SHOWs are not fenced. */
const WRITE_STATEMENT = /^\s*(?:INSERT|UPDATE|DELETE|MERGE|TRUNCATE|COPY|ALTER|CREATE|DROP)\b|^\s*WITH\b[\s\S]*\b(?:INSERT|UPDATE|DELETE|MERGE)\b/i;

export function isWriteStatement(text: string): boolean {
  return WRITE_STATEMENT.test(text);
}

/**
 * The store a run writes through while it holds `lease`: every write (a data-changing statement, a
 * transaction, a script) runs in a transaction that first fences on the lease; reads pass through.
 */
export function fencedStore(store: Store, lease: Lease): Store {
  const fenced: Store = {
    kind: store.kind,
    get statementCount() {
      return store.statementCount;
    },
    async query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<QueryResult<T>> {
      lease.assertHeld();
      if (!isWriteStatement(text)) return store.query<T>(text, params);
      return store.transaction(async (tx) => {
        await lease.fence(tx);
        return tx.query<T>(text, params);
      });
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      lease.assertHeld();
      return store.transaction(async (tx) => {
        await lease.fence(tx);
        return fn(tx);
      });
    },
    exec: async (script: string) => {
      await fenced.transaction(async (tx) => {
        if (!tx.exec) throw new Error('this Sql cannot run scripts (exec)');
        await tx.exec(script);
      });
    },
    close: () => store.close(),
  };
  return fenced;
}
