/**
 * Migrations through each pooler mode. migrate() serializes migrators with a transaction-scoped
 * advisory lock (pg_advisory_xact_lock), which lives exactly as long as the transaction and
 * therefore on one server connection even in transaction mode.
 */
import pg from 'pg';
import { expect, it } from 'vitest';
import { loadMigrations, migrate, openStore, readState, writeState, type Migration } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { connectClient, createPoolerTestDatabase, describePoolers, openPoolerTestStore } from '../helpers/poolers.ts';

describePoolers('migrations', (mode) => {
  it('migrate() on a fresh database applies every migration, and a second call nothing', async () => {
    const store = await openPoolerTestStore(mode, { migrate: false });
    try {
      const all = (await loadMigrations()).map((m) => m.file);
      expect((await migrate(store)).applied).toEqual(all);
      expect((await migrate(store)).applied).toEqual([]);
      // The bookkeeping works through the pooler.
      await writeState(store, 'pooler-probe', mode);
      expect(await readState(store, 'pooler-probe')).toBe(mode);
    } finally {
      await store.close();
    }
  });

  it('two processes migrating at once apply each migration exactly once', async () => {
    const db = await createPoolerTestDatabase(mode);
    const stores: Store[] = [];
    try {
      stores.push(...(await Promise.all([1, 2].map(() => openStore({ databaseUrl: db.poolerUrl })))));
      const [a, b] = await Promise.all(stores.map((s) => migrate(s)));
      const all = (await loadMigrations()).map((m) => m.file);
      expect([...a!.applied, ...b!.applied].sort()).toEqual(all);
      expect((await migrate(stores[0]!)).applied).toEqual([]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });

  it('both migrators in flight at once: the second waits for the first and then skips what it applied', async () => {
    const db = await createPoolerTestDatabase(mode);
    const stores: Store[] = [];
    let direct: pg.Client | undefined;
    let gate: pg.Client | undefined;
    try {
      // The test's own checks and the gate go straight to PostgreSQL; only the migrators use the pooler.
      direct = await connectClient(db.directUrl);
      gate = await connectClient(db.directUrl);
      stores.push(...(await Promise.all([1, 2].map(() => openStore({ databaseUrl: db.poolerUrl })))));
      const [s1, s2] = stores as [Store, Store];
      await migrate(s1);
      await direct.query('CREATE TABLE race_probe (n int)');
      // A migration that blocks on a lock the test holds, so both migrators are in flight together.
      const gateKey = 'pooler-migration-race-gate';
      await gate.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [gateKey]);
      const probe: Migration = {
        version: '9100',
        name: 'probe',
        file: '9100_probe.sql',
        sql: `SELECT pg_advisory_xact_lock(hashtextextended('${gateKey}', 0)); INSERT INTO race_probe VALUES (1);`,
      };
      const list = [...(await loadMigrations()), probe];
      const waitingOnLocks = async (n: number) => {
        for (;;) {
          const { rows } = await direct!.query(
            `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          if (rows[0].n >= n) return;
        }
      };
      const first = migrate(s1, { migrations: list });
      await waitingOnLocks(1); // s1 holds the migration lock, inside the probe, waiting for the gate
      const second = migrate(s2, { migrations: list });
      await waitingOnLocks(2); // s2 saw 9100 pending and waits for the migration lock
      await gate.end();
      gate = undefined;
      const [a, b] = await Promise.all([first, second]);
      expect(a.applied).toEqual(['9100_probe.sql']);
      expect(b.applied).toEqual([]);
      expect((await direct.query('SELECT count(*)::int AS n FROM race_probe')).rows[0].n).toBe(1);
    } finally {
      await gate?.end();
      await direct?.end();
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });
});
