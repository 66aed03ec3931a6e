/**
 * sync_logs retention (sync.logRetentionDays): rows older than the setting go, newer ones stay; at
 * most once an hour across processes (the turn is claimed in sync_state); 0 keeps everything; a
 * run prunes after it records itself.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { configFileSchema } from '../../src/config/schema.ts';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { pruneSyncLogs } from '../../src/store/changeLogs.ts';
import { readState, stateKeys, writeSyncLogs } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, dataset, type Harness } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const DAY = 86_400_000;

describe('the retention setting', () => {
  it('defaults to 30 days; 0 (keep forever) and whole days are accepted, a negative or fractional value is not', () => {
    expect(loadConfig({ env: {}, cwd: '/nonexistent-jarvis-test-cwd' }).sync.logRetentionDays).toBe(30);
    expect(configFileSchema.safeParse({ sync: { logRetentionDays: 0 } }).success).toBe(true);
    expect(configFileSchema.safeParse({ sync: { logRetentionDays: 90 } }).success).toBe(true);
    expect(configFileSchema.safeParse({ sync: { logRetentionDays: -1 } }).success).toBe(false);
    expect(configFileSchema.safeParse({ sync: { logRetentionDays: 1.5 } }).success).toBe(false);
  });
});

describe.each(storeBackends())('sync_logs retention on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(() => resetTables(store));

  const now = new Date('2026-03-02T09:00:00.000Z');
  const ago = (days: number) => new Date(now.getTime() - days * DAY);
  const messages = async () => (await store.query<{ message: string }>('SELECT message FROM jarvis_sync.sync_logs ORDER BY created_at')).rows.map((r) => r.message);
  const seed = () =>
    writeSyncLogs(store, [
      { eventType: 'books_sync', status: 'success', message: '45 days', createdAt: ago(45) },
      { eventType: 'create_supabase_book', status: 'success', message: '31 days', createdAt: ago(31), runId: '00000000-0000-4000-8000-000000000001', recordId: '00000000-0000-4000-8000-000000000002', changedFields: ['title'] },
      { eventType: 'books_sync', status: 'success', message: '29 days', createdAt: ago(29) },
      { eventType: 'books_sync', status: 'error', message: 'today', createdAt: ago(0.1) },
    ]);

  it('deletes only the rows older than the retention', async () => {
    await seed();
    expect(await pruneSyncLogs(store, { retentionDays: 30, now })).toBe(2);
    expect(await messages()).toEqual(['29 days', 'today']);
  });

  it('prunes at most once per interval, across processes (the turn is kept in sync_state)', async () => {
    await seed();
    expect(await pruneSyncLogs(store, { retentionDays: 30, now })).toBe(2);
    await writeSyncLogs(store, [{ eventType: 'books_sync', status: 'success', message: 'old again', createdAt: ago(40) }]);
    // 20 minutes later: not this call's turn, nothing deleted.
    expect(await pruneSyncLogs(store, { retentionDays: 30, now: new Date(now.getTime() + 20 * 60_000) })).toBeNull();
    expect(await messages()).toContain('old again');
    expect(await readState(store, stateKeys.syncLogsPrunedAt)).not.toBeNull();
    // An hour after the last prune: its turn again.
    expect(await pruneSyncLogs(store, { retentionDays: 30, now: new Date(now.getTime() + 61 * 60_000) })).toBe(1);
    expect(await messages()).toEqual(['29 days', 'today']);
  });

  it('0 keeps every row forever', async () => {
    await seed();
    expect(await pruneSyncLogs(store, { retentionDays: 0, now })).toBeNull();
    expect(await messages()).toHaveLength(4);
  });

  describe('after a run', () => {
    let h: Harness;
    beforeEach(async () => {
      h = await createHarness(store, { books: 2, highlightsPerBook: 0, firstBookHighlights: 0 });
    });
    afterEach(() => h.close());

    it('a run prunes with the configured retention, measured on the database clock that stamps created_at; a dry run does not', async () => {
      // Date.now(): the database's clock (the run's own clock is a FakeClock elsewhere in time).
      const before = (days: number) => new Date(Date.now() - days * DAY);
      await writeSyncLogs(store, [
        { eventType: 'books_sync', status: 'success', message: '12 days', createdAt: before(12) },
        { eventType: 'books_sync', status: 'success', message: '8 days', createdAt: before(8) },
      ]);
      h.config.sync.logRetentionDays = 10;
      await runOneWay(h.ctx, dataset(h, 'books'), { dryRun: true });
      expect(await messages()).toContain('12 days');
      const r = await runOneWay(h.ctx, dataset(h, 'books'));
      expect(r.status).toBe('success');
      const left = await messages();
      expect(left).not.toContain('12 days');
      expect(left).toContain('8 days');
      expect(left).toContain(r.message); // the run's own summary row stays
    });
  });
});
