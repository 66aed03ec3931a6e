/**
 * The per-dataset lock through real PgBouncer in both modes: what broke with session advisory locks
 * behind the transaction pooler (two runs at once, locks left held after every process exited) does
 * not happen with leases.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { acquireLease, activeLeases } from '../../src/store/leases.ts';
import { createHarness, dataset } from '../helpers/harness.ts';
import { noTimers } from '../helpers/leases.ts';
import { connectClient, describePoolers, openPoolerTestStore, type PoolerTestStore } from '../helpers/poolers.ts';

describePoolers('per-dataset leases', (mode) => {
  let a: PoolerTestStore;
  let b: Store;
  beforeAll(async () => {
    a = await openPoolerTestStore(mode);
    b = await openStore({ databaseUrl: a.database.poolerUrl }); // a second instance, same pooler
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });
  beforeEach(async () => {
    await a.query('DELETE FROM jarvis_sync.leases');
  });

  it('two instances never hold one dataset at once, round after round', async () => {
    for (let round = 0; round < 20; round++) {
      const [x, y] = await Promise.all([
        acquireLease(a, 'dataset:books', { identity: { owner: 'a', process: null }, timers: noTimers }),
        acquireLease(b, 'dataset:books', { identity: { owner: 'b', process: null }, timers: noTimers }),
      ]);
      expect([x.ok, y.ok].filter(Boolean)).toHaveLength(1);
      const winner = x.ok ? x.lease : y.ok ? y.lease : null;
      if (!winner) throw new Error('nobody won');
      expect(await winner.renew()).toBe(true);
      expect(await winner.release()).toBe(true);
    }
    expect(await activeLeases(a)).toEqual([]);
  });

  it('two concurrent runs of one dataset: one runs, one is locked; nothing stays held, no advisory lock anywhere', async () => {
    const h1 = await createHarness(a);
    const h2 = await createHarness(b);
    try {
      const results = await Promise.all([runOneWay(h1.ctx, dataset(h1, 'books'), { full: true }), runOneWay(h2.ctx, dataset(h2, 'books'), { full: true })]);
      expect(results.map((r) => r.status).sort()).toEqual(['locked', 'success']);
      expect(results.find((r) => r.status === 'locked')!.message).toMatch(/^another sync of books is already running \(held by .* since /);
    } finally {
      await h1.close();
      await h2.close();
    }
    expect(await activeLeases(a)).toEqual([]);
    const direct = await connectClient(a.database.directUrl);
    try {
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`);
      expect(rows[0].n).toBe(0);
    } finally {
      await direct.end();
    }
  });
});
