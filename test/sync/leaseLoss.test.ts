/**
 * A run that loses its dataset lease (another instance took it over after it expired: a long GC
 * pause, a network partition) writes nothing more — not to Postgres, not to Notion — and says so.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { guardRunContext } from '../../src/engine/leaseGuard.ts';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { acquireLease, activeLeases, LeaseLostError, type Lease } from '../../src/store/leases.ts';
import { StoreConnectionError } from '../../src/store/connectionErrors.ts';
import { pendingLogsFor } from '../../src/store/pendingLogs.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, dataset, type Harness } from '../helpers/harness.ts';
import { noTimers } from '../helpers/leases.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

describe.each(storeBackends())('losing the lease mid-run on %s', (kind) => {
  let store: Store;
  let h: Harness;
  let other: Lease | undefined;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => {
    await resetTables(store);
    await store.query('DELETE FROM jarvis_sync.leases');
  });
  afterEach(async () => {
    await other?.release();
    other = undefined;
    await h?.close();
  });

  it('stops writing rows and cursors once another instance took the lease over', async () => {
    let queries = 0;
    h = await createHarness(store, {
      fetch: async (input, init) => {
        if (/\/query/.test(String(input)) && queries++ === 0) {
          // Between the run's start and its first read: the lease expires and another instance takes it.
          await store.query(`UPDATE jarvis_sync.leases SET expires_at = now() - interval '1 second' WHERE name = 'dataset:books'`);
          const r = await acquireLease(store, 'dataset:books', { identity: { owner: 'nas pid 7', process: null }, timers: noTimers });
          if (!r.ok) throw new Error('takeover failed');
          other = r.lease;
        }
        return fetch(input, init);
      },
    });
    const r = await runOneWay(h.ctx, dataset(h, 'books'));
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^the lock on dataset:books was lost \(another process holds it now, or it expired\)/);
    expect((await store.query('SELECT count(*)::int AS n FROM books')).rows[0].n).toBe(0);
    expect((await store.query(`SELECT count(*)::int AS n FROM jarvis_sync.sync_state WHERE key LIKE '%cursor%'`)).rows[0].n).toBe(0);
    // The new holder keeps its lease (the loser's release does not free it), and the loss is logged.
    expect((await activeLeases(store)).map((l) => l.owner)).toEqual(['nas pid 7']);
    const logs = (await store.query(`SELECT status, message FROM jarvis_sync.sync_logs WHERE event_type = 'books_sync'`)).rows;
    expect(logs).toEqual([{ status: 'error', message: r.message }]);
  });

  it('refuses Notion and Google writes after the loss, without sending them', async () => {
    h = await createHarness(store);
    const held = await acquireLease(store, 'dataset:meetings', { timers: noTimers });
    if (!held.ok) throw new Error('not taken');
    const guarded = guardRunContext(h.ctx, held.lease);
    await store.query(`UPDATE jarvis_sync.leases SET token = token + 1 WHERE name = 'dataset:meetings'`); // taken over
    expect(await held.lease.renew()).toBe(false);
    const before = h.ctx.notion.stats.requests;
    await expect(guarded.notion.updatePage('00000000-0000-4000-8000-000000000001', { in_trash: true })).rejects.toBeInstanceOf(LeaseLostError);
    await expect(guarded.notion.createPage('ds', {})).rejects.toBeInstanceOf(LeaseLostError);
    expect(h.ctx.notion.stats.requests).toBe(before);
    expect(guarded.notion.stats).toBe(h.ctx.notion.stats); // reads and stats pass through
  });
});

describe.each(storeBackends())('Postgres unreachable before the lease on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.close());

  it('the run is a failed run with the reason, kept for sync_logs (so /health and status count it), and written once Postgres answers', async () => {
    const h = await createHarness(store);
    try {
      let down = true;
      const flaky = Object.create(store) as Store;
      flaky.query = async (text: string, params?: unknown[]) => {
        if (down) throw new StoreConnectionError('Cannot connect to Postgres at 127.0.0.1:5432 (ECONNREFUSED)', 'ECONNREFUSED', true);
        return store.query(text, params);
      };
      const r = await runOneWay({ ...h.ctx, store: flaky }, dataset(h, 'books'));
      expect(r).toMatchObject({ status: 'error', failure: 'Cannot connect to Postgres at 127.0.0.1:5432 (ECONNREFUSED)' });
      expect(pendingLogsFor(flaky).entries().map((e) => [e.eventType, e.status])).toEqual([['books_sync', 'error']]);
      down = false;
      await runOneWay({ ...h.ctx, store: flaky }, dataset(h, 'books'));
      const rows = (await store.query(`SELECT status, message FROM jarvis_sync.sync_logs WHERE event_type = 'books_sync' ORDER BY created_at`)).rows;
      expect(rows).toEqual([
        { status: 'error', message: 'Cannot connect to Postgres at 127.0.0.1:5432 (ECONNREFUSED)' },
        { status: 'success', message: expect.stringMatching(/^books: /) },
      ]);
      expect(pendingLogsFor(flaky).entries()).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
