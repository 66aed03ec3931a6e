/**
 * sync_logs rows kept while Postgres is unreachable (src/store/pendingLogs.ts): kept in memory and
 * in a spool directory, counted, written first by the next successful write, never twice.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectionError } from '../../src/store/connectionErrors.ts';
import { PendingLogs, writeSyncLogsOrKeep } from '../../src/store/pendingLogs.ts';
import type { SyncLogEntry } from '../../src/store/syncLogs.ts';
import type { Sql, Store } from '../../src/store/types.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

const DB = 'postgres://postgres@db.example:5432/jarvis';
const T0 = Date.parse('2026-11-30T10:00:00Z');

/** A connection failure as the store reports it once the server went away. */
const unreachable = () => connectionError(DB, Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432'), { code: 'ECONNREFUSED' }), { connectedBefore: true });

/** `store`, or — while `down()` — a store whose every statement fails as an unreachable server's would. */
function switchable(store: Sql, down: () => boolean): Sql {
  return {
    query: (text, params) => (down() ? Promise.reject(unreachable()) : store.query(text, params)),
    transaction: (fn) => (down() ? Promise.reject(unreachable()) : store.transaction(fn)),
  } as Sql;
}

function run(name: string, status: 'success' | 'error', startMs: number, extra: SyncLogEntry[] = []): SyncLogEntry[] {
  return [{ eventType: `${name}_sync`, status, message: `${name} ${status}`, details: { mode: 'incremental' }, startTime: new Date(startMs), endTime: new Date(startMs + 5_000) }, ...extra];
}

describe.each(storeBackends().slice(-1))('kept sync_logs rows (%s)', (kind) => {
  let store: Store;
  const dirs: string[] = [];
  const spoolDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'jarvis-pending-'));
    dirs.push(d);
    return join(d, 'pending-sync-logs');
  };
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterEach(async () => {
    await store.query('DELETE FROM jarvis_sync.sync_logs');
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  afterAll(async () => {
    await store?.close();
  });

  const logRows = async () =>
    (await store.query<{ event_type: string; status: string; message: string; created_at: Date; end_time: Date | null }>('SELECT event_type, status, message, created_at, end_time FROM jarvis_sync.sync_logs ORDER BY created_at, event_type')).rows;

  it('Postgres unreachable: the run is kept (spooled atomically, secrets redacted), then written first by the next successful write, with its own time', async () => {
    let down = true;
    let now = T0;
    const dir = spoolDir();
    const pending = new PendingLogs({ dir, database: DB, now: () => now });
    const sql = switchable(store, () => down);
    const secretRun = run('books', 'error', T0 - 10_000, [{ eventType: 'books_record', status: 'error', message: 'Notion said no to secret_abcdefghijklmnopqrstuvwxyz0123 at postgres://u:hunter2@h/db' }]);

    expect(await writeSyncLogsOrKeep(sql, pending, secretRun)).toBe('kept');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^\d{15}-[0-9a-f-]{36}\.json$/); // no temporary file left behind
    const onDisk = readFileSync(join(dir, files[0]!), 'utf8');
    expect(onDisk).not.toContain('secret_abcdefghijklmnopqrstuvwxyz0123');
    expect(onDisk).not.toContain('hunter2');
    expect(pending.entries().map((e) => e.eventType)).toEqual(['books_sync', 'books_record']);
    expect(await logRows()).toEqual([]);

    down = false;
    now = T0 + 3_600_000;
    expect(await writeSyncLogsOrKeep(sql, pending, run('books', 'success', now - 5_000))).toBe('written');
    const rows = await logRows();
    expect(rows.map((r) => [r.event_type, r.status])).toEqual([
      ['books_record', 'error'],
      ['books_sync', 'error'],
      ['books_sync', 'success'],
    ]);
    // The kept rows carry the time they were kept, not the time they were finally written.
    expect(rows.filter((r) => r.status === 'error').map((r) => new Date(r.created_at).getTime())).toEqual([T0, T0]);
    expect(rows.find((r) => r.event_type === 'books_record')!.message).not.toContain('hunter2');
    expect(pending.entries()).toEqual([]);
    expect(fs.existsSync(dir)).toBe(false); // the spool is removed once empty
  });

  it('another process (a new instance on the same spool and database) sees and writes them; another database does not', async () => {
    const dir = spoolDir();
    new PendingLogs({ dir, database: DB, now: () => T0 }).keep(run('meetings', 'error', T0 - 5_000));
    expect(new PendingLogs({ dir, database: 'postgres://postgres@elsewhere:5432/jarvis' }).entries()).toEqual([]);
    const later = new PendingLogs({ dir, database: DB });
    expect(later.entries().map((e) => [e.eventType, e.status, e.endTime?.toISOString()])).toEqual([['meetings_sync', 'error', new Date(T0).toISOString()]]);
    expect(await later.write(store, [])).toBe(1);
    expect((await logRows()).map((r) => r.event_type)).toEqual(['meetings_sync']);
  });

  it('a failed write keeps everything (files renamed back); the rows are written once, never twice, by two writers at once', async () => {
    const dir = spoolDir();
    const a = new PendingLogs({ dir, database: DB, now: () => T0, owner: 'a' });
    const b = new PendingLogs({ dir, database: DB, now: () => T0, owner: 'b' });
    a.keep(run('tasks', 'error', T0 - 5_000));
    await expect(a.write(switchable(store, () => true), run('tasks', 'success', T0))).rejects.toThrow(/unavailable/);
    expect(readdirSync(dir)).toHaveLength(1);
    expect(b.entries()).toHaveLength(1);

    // a's insert waits until b has tried too: b finds the batch taken and writes only its own row.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow = { query: async (t: string, p?: unknown[]) => (await gate, store.query(t, p)), transaction: store.transaction.bind(store) } as Sql;
    const first = a.write(slow, run('tasks', 'success', T0 + 1_000));
    expect(a.entries()).toHaveLength(1); // taken, still counted until written
    const second = b.write(store, run('journals', 'success', T0 + 2_000));
    await second;
    release();
    await first;
    expect((await logRows()).map((r) => `${r.event_type}:${r.status}`).sort()).toEqual(['journals_sync:success', 'tasks_sync:error', 'tasks_sync:success']);
  });

  it('in one process, two writes at once (two datasets finishing) write a memory-kept batch once', async () => {
    const pending = new PendingLogs({ now: () => T0 }); // memory only
    pending.keep(run('contacts', 'error', T0 - 5_000));
    await Promise.all([pending.write(store, run('books', 'success', T0)), pending.write(store, run('highlights', 'success', T0))]);
    expect((await logRows()).filter((r) => r.event_type === 'contacts_sync')).toHaveLength(1);
  });

  it('a spool that cannot be written falls back to memory', async () => {
    const readOnly = { ...fs, writeFileSync: () => { throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' }); } } as unknown as typeof fs;
    const pending = new PendingLogs({ dir: spoolDir(), database: DB, fs: readOnly, now: () => T0 });
    expect(pending.keep(run('gmail', 'error', T0))).toMatchObject({ kept: 1, spooled: false });
    expect(pending.entries()).toHaveLength(1);
    await pending.write(store, []);
    expect((await logRows()).map((r) => r.event_type)).toEqual(['gmail_sync']);
  });

  it('bounded: run summaries are always kept, record rows only under the cap', () => {
    const pending = new PendingLogs({ maxEntries: 4, now: () => T0 });
    const records = (n: number) => Array.from({ length: n }, (_, i) => ({ eventType: 'books_record', status: 'error' as const, message: `r${i}` }));
    expect(pending.keep(run('books', 'error', T0, records(2)))).toMatchObject({ kept: 3, dropped: 0 });
    expect(pending.keep(run('books', 'error', T0, records(3)))).toMatchObject({ kept: 1, dropped: 3 });
    expect(pending.keep(run('books', 'error', T0))).toMatchObject({ kept: 1, dropped: 0 });
    expect(pending.entries().filter((e) => e.eventType === 'books_sync')).toHaveLength(3);
  });

  it('other failures are thrown; a kept batch the database refuses does not block the next run\'s rows', async () => {
    const pending = new PendingLogs({ now: () => T0 });
    const broken = { query: () => Promise.reject(new Error('relation "jarvis_sync.sync_logs" does not exist')), transaction: store.transaction.bind(store) } as unknown as Sql;
    await expect(writeSyncLogsOrKeep(broken, pending, run('books', 'success', T0))).rejects.toThrow(/does not exist/);
    expect(pending.entries()).toEqual([]);

    // The statement with the kept rows fails for a reason other than the connection (simulated:
    // the first statement fails); the new run's rows are written on their own, the kept ones stay.
    pending.keep(run('books', 'error', T0 - 5_000));
    let calls = 0;
    const refusesFirst = { query: (t: string, p?: unknown[]) => (++calls === 1 ? Promise.reject(new Error('value too long for type character varying(50)')) : store.query(t, p)), transaction: store.transaction.bind(store) } as unknown as Sql;
    expect(await writeSyncLogsOrKeep(refusesFirst, pending, run('highlights', 'success', T0))).toBe('written');
    expect((await logRows()).map((r) => r.event_type)).toEqual(['highlights_sync']);
    expect(pending.entries().map((e) => e.eventType)).toEqual(['books_sync']); // still kept for a later try
  });
});
