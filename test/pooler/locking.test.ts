/**
 * The per-dataset lock through each pooler mode: two processes (two stores, each with its own
 * connection pool, on one database) start a run of the same dataset while the first is mid-run.
 * Through a transaction pooler a session advisory lock would let both run (test/pooler/facts);
 * the lock must hold there too, and nothing may stay locked afterwards.
 */
import { expect, it } from 'vitest';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { migrate, openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createPoolerTestDatabase, describePoolers } from '../helpers/poolers.ts';
import { createTwoWayHarness } from '../helpers/twoWayHarness.ts';

/** Lease heartbeats that never fire: the runs here take well under a lease's ttl. */
const noTimers = { setInterval: () => 0, clearInterval: () => undefined };

describePoolers('per-dataset lock', (mode) => {
  it('a second process finds the dataset locked while the first runs, and runs once it is done', async () => {
    const db = await createPoolerTestDatabase(mode);
    const stores: Store[] = [];
    // The first run's first Notion request waits at this gate, so it is mid-run (holding the lock)
    // for as long as the test wants.
    let armed = true;
    let reached!: () => void;
    const atGate = new Promise<void>((r) => (reached = r));
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const gatedFetch: typeof fetch = async (input, init) => {
      if (armed) {
        armed = false;
        reached();
        await gate;
      }
      return fetch(input, init);
    };
    try {
      stores.push(...(await Promise.all([1, 2].map(() => openStore({ databaseUrl: db.poolerUrl })))));
      const [first, second] = stores as [Store, Store];
      await migrate(first);
      const h = await createTwoWayHarness(first, { fetch: gatedFetch });
      try {
        const ds = h.ds('journals');
        const ctx1 = { ...h.ctx, lease: { timers: noTimers } };
        const ctx2 = { ...h.ctx, store: second, lease: { timers: noTimers } };
        const running = runTwoWay(ctx1, ds, {});
        await atGate;
        const locked = await runTwoWay(ctx2, ds, {});
        expect(locked.status).toBe('locked');
        expect(locked.message).toMatch(/another sync of journals is already running \(held by .+ since /);
        expect(h.notionWrites()).toBe(0);
        open();
        const done = await running;
        expect(done).toMatchObject({ status: 'success', created: 8 });
        // Released: the other process runs now, and (nothing changed) writes nothing.
        const after = await runTwoWay(ctx2, ds, {});
        expect(after).toMatchObject({ status: 'success', created: 0, updated: 0, deleted: 0 });
      } finally {
        open();
        await h.close();
      }
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });
});
