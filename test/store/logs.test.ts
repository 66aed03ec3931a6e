import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  clearFailures, deleteLinks, deleteState, listFailures, readLinks, readState, recentSyncLogs, recordFailures,
  redactSecrets, upsertLinks, writeState, writeSyncLog, writeSyncLogs, type Store,
} from '../../src/store/index.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('redactSecrets', () => {
  it('drops credential keys at any depth and masks credential-looking values', () => {
    const input = {
      dataset: 'meetings',
      token: 'x',
      nested: { Authorization: 'Bearer abc', password: 'p', apiKey: 'k', client_secret: 's', keep: 1, list: [{ accessToken: 't', ok: true }] },
      message: 'failed with ntn_abcdefghijklmnopqrstuvwxyz012345 at postgres://me:hunter2@db.example.com/x',
      header: 'Bearer eyJhbGciOi.abc.def',
      err: Object.assign(new Error('oops ya29.a0AfH6SMBxyzxyzxyz'), { code: 'E1' }),
      when: new Date('2024-01-01T00:00:00Z'),
      big: 10n,
    };
    const out = redactSecrets(input) as any;
    expect(out).toEqual({
      dataset: 'meetings',
      nested: { keep: 1, list: [{ ok: true }] },
      message: 'failed with [redacted] at postgres://me:[redacted]@db.example.com/x',
      header: 'Bearer [redacted]',
      err: { name: 'Error', message: 'oops [redacted]', code: 'E1' },
      when: new Date('2024-01-01T00:00:00Z'),
      big: '10',
    });
    expect(input.token).toBe('x'); // the input is not modified
  });

  it('cuts cycles but keeps shared references', () => {
    const shared = { a: 1 };
    const cyclic: any = { shared, again: shared };
    cyclic.self = cyclic;
    expect(redactSecrets(cyclic)).toEqual({ shared: { a: 1 }, again: { a: 1 }, self: '[circular]' });
  });
});

describe.each(storeBackends())('sync_state, sync_logs and the ledger on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => resetTables(store));

  it('reads, upserts and deletes sync_state values', async () => {
    expect(await readState(store, 'gmail_history_id')).toBeNull();
    await writeState(store, 'gmail_history_id', '123');
    await writeState(store, 'gmail_history_id', '456');
    expect(await readState(store, 'gmail_history_id')).toBe('456');
    const { rows } = await store.query('SELECT count(*) AS n, max(updated_at) AS at FROM sync_state');
    expect(rows[0].n).toBe(1);
    expect(rows[0].at).toBeInstanceOf(Date);
    await deleteState(store, 'gmail_history_id');
    expect(await readState(store, 'gmail_history_id')).toBeNull();
  });

  it('writes sync logs (one statement for many) and reads them back newest first, filtered', async () => {
    const start = new Date('2024-12-24T08:15:00Z');
    const id = await writeSyncLog(store, {
      eventType: 'meetings_sync', status: 'success', message: 'synced 3', details: { created: 3, notion_token: 'secret' }, startTime: start, endTime: new Date('2024-12-24T08:16:30Z'),
    });
    const before = store.statementCount;
    const ids = await writeSyncLogs(store, [
      { eventType: 'meetings_record', status: 'error', message: 'bad page', details: { page: 'p1' } },
      { eventType: 'meetings_record', status: 'warning', message: 'unresolved relation' },
    ]);
    expect(store.statementCount - before).toBe(1);
    expect(ids).toHaveLength(2);
    const all = await recentSyncLogs(store, { limit: 10 });
    expect(all.map((r) => r.id).sort()).toEqual([id, ...ids].sort());
    const summary = all.find((r) => r.id === id)!;
    expect(summary).toMatchObject({ eventType: 'meetings_sync', status: 'success', message: 'synced 3', details: { created: 3 }, startTime: start, endTime: new Date('2024-12-24T08:16:30Z') });
    expect(summary.createdAt).toBeInstanceOf(Date);
    expect((await recentSyncLogs(store, { limit: 10, status: 'error' })).map((r) => r.id)).toEqual([ids[0]]);
    expect((await recentSyncLogs(store, { limit: 10, eventType: 'meetings_record' })).length).toBe(2);
    expect((await recentSyncLogs(store, { limit: 1 })).length).toBe(1);
    expect(await recentSyncLogs(store, { limit: 10, since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await writeSyncLogs(store, [])).toEqual([]);
  });

  it("runs the spec's monitoring queries as written", async () => {
    const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);
    await writeSyncLogs(store, [
      { eventType: 'meetings_sync', status: 'success', message: 'ok', createdAt: hoursAgo(1) },
      { eventType: 'meetings_sync', status: 'success', message: 'ok', createdAt: hoursAgo(2) },
      { eventType: 'meetings_sync', status: 'error', message: 'Notion 502', createdAt: hoursAgo(3) },
      { eventType: 'tasks_sync', status: 'error', message: 'Notion 502', createdAt: hoursAgo(30) },
      { eventType: 'full_sync_complete', status: 'success', message: 'all', createdAt: new Date('2024-12-24T08:16:30Z'), startTime: new Date('2024-12-24T08:15:00Z'), endTime: new Date('2024-12-24T08:16:30Z') },
      { eventType: 'full_sync_complete', status: 'success', message: 'all', createdAt: new Date('2024-12-24T08:40:00Z'), startTime: new Date('2024-12-24T08:39:00Z'), endTime: new Date('2024-12-24T08:39:30Z') },
      { eventType: 'full_sync_complete', status: 'success', message: 'all', createdAt: new Date('2024-12-24T09:05:00Z'), startTime: new Date('2024-12-24T09:04:00Z'), endTime: new Date('2024-12-24T09:05:00Z') },
    ]);

    const recent = await store.query(`-- Recent sync activity
SELECT event_type, status, COUNT(*) 
FROM sync_logs 
WHERE created_at > NOW() - INTERVAL '24 hours'
GROUP BY event_type, status
ORDER BY COUNT(*) DESC;`);
    expect(recent.rows).toEqual([
      { event_type: 'meetings_sync', status: 'success', count: 2 },
      { event_type: 'meetings_sync', status: 'error', count: 1 },
    ]);

    const errors = await store.query(`-- Error patterns
SELECT event_type, message, COUNT(*)
FROM sync_logs
WHERE status = 'error'
GROUP BY event_type, message
ORDER BY COUNT(*) DESC;`);
    expect(errors.rows.sort((a, b) => a.event_type.localeCompare(b.event_type))).toEqual([
      { event_type: 'meetings_sync', message: 'Notion 502', count: 1 },
      { event_type: 'tasks_sync', message: 'Notion 502', count: 1 },
    ]);

    const durations = await store.query(`-- Sync duration trends
SELECT 
    DATE_TRUNC('hour', created_at) as hour,
    AVG(EXTRACT(EPOCH FROM (end_time - start_time))) as avg_duration
FROM sync_logs
WHERE event_type = 'full_sync_complete'
GROUP BY hour
ORDER BY hour DESC;`);
    expect(durations.rows).toEqual([
      { hour: new Date('2024-12-24T09:00:00Z'), avg_duration: 60 },
      { hour: new Date('2024-12-24T08:00:00Z'), avg_duration: 60 },
    ]);
  });

  it('upserts links in one statement and reads them back', async () => {
    const before = store.statementCount;
    await upsertLinks(store, 'meetings', [
      { recordId: uuid(1), notionPageId: 'page-1', base: { title: 'A', tags: ['x'] }, baseHash: 'h1', notionEditedAt: new Date('2024-01-01T10:00:00Z'), pgUpdatedAt: '2024-01-01T10:00:01.000Z' },
      { recordId: uuid(2), notionPageId: 'page-2', base: { title: 'B' }, baseHash: 'h2' },
    ]);
    expect(store.statementCount - before).toBe(1);
    const links = await readLinks(store, 'meetings', null);
    expect(links.size).toBe(2);
    expect(links.get(uuid(1))).toMatchObject({
      recordId: uuid(1), notionPageId: 'page-1', googleId: null, base: { title: 'A', tags: ['x'] }, baseHash: 'h1',
      notionEditedAt: new Date('2024-01-01T10:00:00Z'), pgUpdatedAt: new Date('2024-01-01T10:00:01Z'),
    });
    expect(links.get(uuid(1))!.syncedAt).toBeInstanceOf(Date);

    await upsertLinks(store, 'meetings', [{ recordId: uuid(1), notionPageId: 'page-1', base: { title: 'A2' }, baseHash: 'h3' }]);
    const one = await readLinks(store, 'meetings', [uuid(1), uuid(9)]);
    expect([...one.keys()]).toEqual([uuid(1)]);
    expect(one.get(uuid(1))).toMatchObject({ base: { title: 'A2' }, baseHash: 'h3', notionEditedAt: null });
    expect((await readLinks(store, 'tasks', null)).size).toBe(0); // per dataset
    expect(await deleteLinks(store, 'meetings', [uuid(2)])).toBe(1);
    expect((await readLinks(store, 'meetings', null)).size).toBe(1);
  });

  it('keeps one link per Notion page per dataset', async () => {
    await upsertLinks(store, 'meetings', [{ recordId: uuid(1), notionPageId: 'page-1' }]);
    await expect(upsertLinks(store, 'meetings', [{ recordId: uuid(2), notionPageId: 'page-1' }])).rejects.toThrow(/duplicate key/);
    await upsertLinks(store, 'tasks', [{ recordId: uuid(2), notionPageId: 'page-1' }]);
  });

  it('records failures with attempt counts, lists and clears them', async () => {
    await recordFailures(store, 'books', [
      { source: 'notion', sourceId: 'p1', error: 'first' },
      { source: 'notion', sourceId: 'p2', error: 'x' },
      { source: 'google', sourceId: 'g1', error: 'y' },
    ]);
    await recordFailures(store, 'books', [{ source: 'notion', sourceId: 'p1', error: 'second' }]);
    const notion = await listFailures(store, 'books', 'notion');
    expect(notion.map((f) => [f.sourceId, f.attempts, f.error])).toEqual([['p1', 2, 'second'], ['p2', 1, 'x']]);
    expect(notion[0].lastFailedAt.getTime()).toBeGreaterThanOrEqual(notion[0].firstFailedAt.getTime());
    expect((await listFailures(store, 'books')).length).toBe(3);
    expect(await clearFailures(store, 'books', 'notion', ['p1', 'nope'])).toBe(1);
    expect((await listFailures(store, 'books')).map((f) => f.sourceId).sort()).toEqual(['g1', 'p2']);
    expect(await listFailures(store, 'other')).toEqual([]);
  });
});
