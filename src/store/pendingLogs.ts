/**
 * sync_logs rows that could not be written because Postgres was unreachable when the run ended.
 * Without them a run that failed because the database went away leaves no trace, and /health and
 * `status` go on saying "healthy, 100%".
 *
 * They are kept until the next successful write to sync_logs, which writes them first, in the same
 * statement. Where they are kept:
 * - in this process's memory, always;
 * - when a spool directory is given (<dataDir>/pending-sync-logs), also on disk, one file per run,
 *   written atomically (temporary file, then rename), so that a one-shot `jarvis-sync sync` that
 *   exits, a crash, and `status` in another process still see them. A batch is taken for writing
 *   by renaming its file (only one process can), so two processes never write it twice; a failed
 *   write renames it back.
 * Entries are redacted like sync_logs rows before they reach the disk, and each batch records the
 * database it belongs to (host, port and name — never the password): a spool is only counted and
 * written against that database.
 */
import { randomUUID } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { join } from 'node:path';
import { isTransientConnectionFailure, StoreConnectionError } from './connectionErrors.ts';
import { redactSecrets, redactString } from './redact.ts';
import { writeSyncLogs, type SyncLogEntry } from './syncLogs.ts';
import type { Sql } from './types.ts';

/** The spool directory's name under the configured data dir. */
export const PENDING_DIR_NAME = 'pending-sync-logs';

/** Default cap on entries kept: summaries are always kept, record rows only while under it. */
const MAX_ENTRIES = 10_000;

type Fs = Pick<typeof nodeFs, 'mkdirSync' | 'writeFileSync' | 'renameSync' | 'readdirSync' | 'readFileSync' | 'unlinkSync' | 'rmdirSync'>;

export interface PendingLogsOptions {
  /** Spool directory; without one, memory only. */
  dir?: string;
  /** Which database the entries belong to (describeDatabaseUrl: no password). */
  database?: string;
  now?: () => number;
  fs?: Fs;
  maxEntries?: number;
  /** Names this process's claims on spool files (tests give two instances different ones). */
  owner?: string;
}

interface Batch {
  id: string;
  entries: SyncLogEntry[];
}

interface SpoolFile {
  version: 1;
  id: string;
  database: string | null;
  keptAt: string;
  entries: Array<Omit<SyncLogEntry, 'startTime' | 'endTime' | 'createdAt'> & { startTime: string | null; endTime: string | null; createdAt: string | null }>;
}

export class PendingLogs {
  /** Batches not on disk (no spool dir, or writing it failed). Spooled batches live in their files. */
  private memory: Batch[] = [];
  /** Batches a write() in progress has taken (from memory, or claimed spool files): still counted. */
  private readonly inFlight = new Set<Batch>();
  private readonly fs: Fs;
  private readonly now: () => number;
  private readonly owner: string;

  constructor(private readonly opts: PendingLogsOptions = {}) {
    this.fs = opts.fs ?? nodeFs;
    this.now = opts.now ?? Date.now;
    this.owner = opts.owner ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  }

  /**
   * Keeps the entries of one run. Entries without createdAt get the current time, so that they land
   * in sync_logs with the time they happened, not the time they were finally written.
   */
  keep(entries: SyncLogEntry[]): { kept: number; dropped: number; spooled: boolean } {
    const at = new Date(this.now());
    const stamped = entries.map((e) => ({ ...e, message: redactString(e.message), details: e.details === undefined ? undefined : redactSecrets(e.details), createdAt: e.createdAt ?? at }));
    // A database down for days must not grow memory or the spool without bound: run summaries are
    // always kept (they are what /health counts), record rows only while under the cap.
    const room = Math.max(0, (this.opts.maxEntries ?? MAX_ENTRIES) - this.entries().length);
    const summaries = stamped.filter((e) => isSummary(e.eventType));
    const records = stamped.filter((e) => !isSummary(e.eventType));
    const keptRecords = records.slice(0, Math.max(0, room - summaries.length));
    const batch: Batch = { id: randomUUID(), entries: [...summaries, ...keptRecords] };
    const spooled = this.spool(batch, at);
    if (!spooled) this.memory.push(batch);
    return { kept: batch.entries.length, dropped: records.length - keptRecords.length, spooled };
  }

  /** Everything kept, oldest first: this process's memory and the spool's batches for this database. */
  entries(): SyncLogEntry[] {
    return [...this.readSpool(), ...this.inFlight, ...this.memory].flatMap((b) => b.entries);
  }

  /**
   * Writes what is kept, then `entries`, in one statement (all or nothing). On success the kept
   * entries are gone (their spool files removed); on failure they stay and the error is thrown.
   * Returns how many kept entries were written.
   */
  async write(sql: Sql, entries: SyncLogEntry[]): Promise<number> {
    // Taken, not copied: a concurrent write() (two datasets finishing at once) must not write them too.
    const claimed = this.claimSpool();
    const fromMemory = this.memory.splice(0);
    const taken = [...claimed.map((c) => c.batch), ...fromMemory];
    for (const b of taken) this.inFlight.add(b);
    const kept = taken.flatMap((b) => b.entries);
    try {
      if (kept.length || entries.length) await writeSyncLogs(sql, [...kept, ...entries]);
    } catch (e) {
      this.unclaim(claimed);
      this.memory.unshift(...fromMemory);
      throw e;
    } finally {
      for (const b of taken) this.inFlight.delete(b);
    }
    for (const c of claimed) this.ignore(() => this.fs.unlinkSync(c.path));
    if (claimed.length) this.removeDirIfEmpty();
    return kept.length;
  }

  /** Writes one batch file atomically; false when there is no spool dir or it cannot be written. */
  private spool(batch: Batch, at: Date): boolean {
    const dir = this.opts.dir;
    if (!dir) return false;
    const file: SpoolFile = {
      version: 1,
      id: batch.id,
      database: this.opts.database ?? null,
      keptAt: at.toISOString(),
      entries: batch.entries.map((e) => ({ ...e, startTime: iso(e.startTime), endTime: iso(e.endTime), createdAt: iso(e.createdAt) })),
    };
    const name = `${String(at.getTime()).padStart(15, '0')}-${batch.id}.json`;
    const tmp = join(dir, `.${name}.tmp-${this.owner}`);
    try {
      this.fs.mkdirSync(dir, { recursive: true });
      this.fs.writeFileSync(tmp, JSON.stringify(file), { mode: 0o600 });
      this.fs.renameSync(tmp, join(dir, name));
      return true;
    } catch {
      this.ignore(() => this.fs.unlinkSync(tmp));
      return false; // memory still has it
    }
  }

  /** The spool's batches for this database, oldest first (file names start with the time). */
  private readSpool(): Batch[] {
    const dir = this.opts.dir;
    if (!dir) return [];
    return this.spoolNames()
      .map((name) => this.readBatch(join(dir, name)))
      .filter((b): b is Batch => b !== null);
  }

  private spoolNames(): string[] {
    try {
      return this.fs
        .readdirSync(this.opts.dir!)
        .filter((n) => /^\d{15}-[0-9a-f-]{36}\.json$/.test(n))
        .sort();
    } catch {
      return []; // no spool yet
    }
  }

  private readBatch(path: string): Batch | null {
    let file: SpoolFile;
    try {
      file = JSON.parse(this.fs.readFileSync(path, 'utf8')) as SpoolFile;
    } catch {
      return null; // taken by another process just now, or not ours to read
    }
    if (file.version !== 1 || !Array.isArray(file.entries)) return null;
    if ((file.database ?? null) !== (this.opts.database ?? null)) return null;
    return {
      id: file.id,
      entries: file.entries.map((e) => ({ ...e, startTime: date(e.startTime), endTime: date(e.endTime), createdAt: date(e.createdAt) ?? undefined })),
    };
  }

  /** Takes the spool's batches for writing, each by renaming its file: another process gets ENOENT. */
  private claimSpool(): Array<{ batch: Batch; path: string; name: string }> {
    const dir = this.opts.dir;
    if (!dir) return [];
    const claimed: Array<{ batch: Batch; path: string; name: string }> = [];
    for (const name of this.spoolNames()) {
      const path = join(dir, `${name}.claimed-${this.owner}`);
      try {
        this.fs.renameSync(join(dir, name), path);
      } catch {
        continue; // another process took it
      }
      const batch = this.readBatch(path);
      if (batch) claimed.push({ batch, path, name });
      else this.ignore(() => this.fs.renameSync(path, join(dir, name))); // another database's: put it back
    }
    return claimed;
  }

  private unclaim(claimed: Array<{ path: string; name: string }>): void {
    for (const c of claimed) this.ignore(() => this.fs.renameSync(c.path, join(this.opts.dir!, c.name)));
  }

  private removeDirIfEmpty(): void {
    this.ignore(() => this.fs.rmdirSync(this.opts.dir!)); // ENOTEMPTY: other batches remain
  }

  private ignore(fn: () => void): void {
    try {
      fn();
    } catch {
      // best effort: the file is gone already, or the directory holds other batches
    }
  }
}

/** A run's summary row (what /health and status count), as opposed to a record, conflict or warning row. */
function isSummary(eventType: string): boolean {
  return eventType === 'full_sync_complete' || eventType.endsWith('_sync');
}

function iso(d: Date | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}

function date(s: string | null | undefined): Date | null {
  return s ? new Date(s) : null;
}

/** Whether a failed write means "Postgres is unreachable" (keep the rows) rather than a bug (throw). */
export function isConnectionFailure(e: unknown): boolean {
  return e instanceof StoreConnectionError || isTransientConnectionFailure(e);
}

/**
 * Writes sync_logs rows, first any kept ones; when Postgres is unreachable keeps `entries` instead
 * of throwing. Any other failure is thrown, after writing `entries` alone was tried (so a kept
 * batch that the database refuses cannot block every later run's log).
 */
export async function writeSyncLogsOrKeep(
  sql: Sql,
  pending: PendingLogs,
  entries: SyncLogEntry[],
  logger?: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
): Promise<'written' | 'kept'> {
  try {
    const flushed = await pending.write(sql, entries);
    if (flushed) logger?.info({ rows: flushed }, 'sync_logs rows kept while Postgres was unreachable are written now');
    return 'written';
  } catch (e) {
    if (isConnectionFailure(e)) {
      const { kept, dropped, spooled } = pending.keep(entries);
      logger?.warn(
        { rows: kept, ...(dropped ? { dropped } : {}), spooled, err: redactString((e as Error).message) },
        'Postgres is unreachable: this run\'s sync_logs rows are kept and written with the next successful write; /health and status count the run meanwhile',
      );
      return 'kept';
    }
    if (!pending.entries().length) throw e;
    await writeSyncLogs(sql, entries);
    logger?.warn({ err: redactString((e as Error).message) }, 'kept sync_logs rows could not be written; they stay kept');
    return 'written';
  }
}

const registry = new WeakMap<object, PendingLogs>();

/**
 * The kept rows of the database behind `store`: the one attached when the store was opened, or
 * (engine tests, library use) a memory-only one made on first use. Runs and /health look it up by
 * the same store object, the one in the run context.
 */
export function pendingLogsFor(store: object): PendingLogs {
  let pending = registry.get(store);
  if (!pending) {
    pending = new PendingLogs();
    registry.set(store, pending);
  }
  return pending;
}

export function attachPendingLogs(store: object, pending: PendingLogs): PendingLogs {
  registry.set(store, pending);
  return pending;
}

/** A relation with sync_logs' columns: its rows and the kept entries passed as JSON in `param`. */
export function syncLogsWithPending(param: string): string {
  return `(SELECT event_type, status, message, details, created_at, start_time, end_time FROM jarvis_sync.sync_logs
           UNION ALL
           SELECT event_type, status, message, details, created_at, start_time, end_time
             FROM jsonb_to_recordset(${param}::jsonb)
                  AS p(event_type text, status text, message text, details jsonb, created_at timestamptz, start_time timestamptz, end_time timestamptz))`;
}

/** The JSON parameter for syncLogsWithPending. */
export function pendingRowsParam(entries: SyncLogEntry[]): string {
  return JSON.stringify(
    entries.map((e) => ({
      event_type: e.eventType,
      status: e.status,
      message: e.message,
      details: e.details ?? null,
      created_at: iso(e.createdAt),
      start_time: iso(e.startTime),
      end_time: iso(e.endTime),
    })),
  );
}
