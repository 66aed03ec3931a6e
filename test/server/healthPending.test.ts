/**
 * computeHealth counts runs whose sync_logs rows are kept because Postgres was unreachable
 * (src/store/pendingLogs.ts), with the database readable and without it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { computeHealth } from '../../src/server/health.ts';
import { writeSyncLog, type SyncLogEntry } from '../../src/store/index.ts';
import type { Sql, Store } from '../../src/store/types.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000);
const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const kept = (eventType: string, status: 'success' | 'error', endMinutesAgo: number, minutes = 1): SyncLogEntry => ({
  eventType,
  status,
  message: '',
  startTime: at(endMinutesAgo + minutes),
  endTime: at(endMinutesAgo),
  createdAt: at(endMinutesAgo),
});

describe.each(storeBackends().slice(-1))('health with kept rows (%s)', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterEach(async () => {
    await store.query('DELETE FROM jarvis_sync.sync_logs');
  });
  afterAll(async () => {
    await store?.close();
  });
  const health = (pending: SyncLogEntry[], sql: Sql = store) => computeHealth({ store: sql, now: () => NOW, syncInProgress: () => false, pending: () => pending });

  it('a failed run that could not log makes it degraded and counts — not "healthy, 100%"', async () => {
    await writeSyncLog(store, { eventType: 'books_sync', status: 'success', message: '', startTime: at(31), endTime: at(30) });
    expect((await health([])).body).toMatchObject({ status: 'healthy', stats: { total_syncs_24h: 1, success_rate: '100.0%' } });
    const r = await health([kept('books_sync', 'error', 5)]);
    expect(r.httpStatus).toBe(200);
    expect(r.body).toEqual({
      status: 'degraded',
      sync_status: { sync_in_progress: false, last_sync_start: iso(at(6)), last_sync_end: iso(at(5)), last_sync_duration_seconds: 60 },
      stats: { total_syncs_24h: 2, success_rate: '50.0%' },
    });
  });

  it('a kept dataset run inside a kept sync all counts once, as the sync all', async () => {
    const r = await health([kept('books_sync', 'error', 5), kept('full_sync_complete', 'error', 4, 3), kept('books_record', 'error', 5)]);
    expect(r.body.stats).toEqual({ total_syncs_24h: 1, success_rate: '0.0%' });
  });

  it('the database unreachable right now: unhealthy (503), with what was kept counted', async () => {
    const down = { query: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')), transaction: () => Promise.reject(new Error('down')) } as unknown as Sql;
    const r = await health([kept('books_sync', 'error', 5), kept('meetings_sync', 'success', 3), kept('books_sync', 'error', 60 * 25)], down);
    expect(r.httpStatus).toBe(503);
    expect(r.body).toEqual({
      status: 'unhealthy',
      sync_status: { sync_in_progress: false, last_sync_start: iso(at(4)), last_sync_end: iso(at(3)), last_sync_duration_seconds: 60 },
      stats: { total_syncs_24h: 2, success_rate: '50.0%' },
    });
    // Nothing kept: the same answer as before this change.
    expect((await health([], down)).body.stats).toEqual({ total_syncs_24h: 0, success_rate: '100.0%' });
  });
});
