/**
 * Stores for tests, on both backends. PGlite always (in memory); real Postgres when
 * TEST_DATABASE_URL is set, each store on a fresh database that is dropped on close.
 * PGlite instances are heavy (~750 MB, 2–3 s): open one per test file in beforeAll and call
 * resetTables between tests.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate, openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';

export type StoreKind = 'pglite' | 'postgres';

export function storeBackends(): StoreKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new empty database `jarvis_test_<run>_<random>` on the TEST_DATABASE_URL server (`<run>`: the
 * suite run's id from test/globalSetup.ts, so its leftover check only ever looks at its own).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set');
  const run = (process.env.JARVIS_TEST_RUN ?? 'x').toLowerCase().replace(/[^a-z0-9]/g, '');
  const name = `jarvis_test_${run}_${randomBytes(6).toString('hex')}`;
  await withAdmin(adminUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** A store of `kind`, migrated unless `migrate: false`. Its close() also drops a postgres test database. */
export async function openTestStore(kind: StoreKind, opts: { migrate?: boolean } = {}): Promise<Store> {
  let store: Store;
  if (kind === 'pglite') store = await openStore({ inMemory: true });
  else {
    const db = await createTestDatabase();
    try {
      store = await openStore({ databaseUrl: db.url });
    } catch (e) {
      await db.drop();
      throw e;
    }
    const close = store.close.bind(store);
    store.close = async () => {
      try {
        await close();
      } finally {
        await db.drop();
      }
    };
  }
  if (opts.migrate !== false) await migrate(store);
  return store;
}

/**
 * Empties every dataset table (current schema) and jarvis-sync's bookkeeping (schema jarvis_sync),
 * in one statement. Kept: the migrations record and jarvis_sync.owned_tables, which describe the
 * schema rather than hold data. DELETE rather than TRUNCATE: on a real server TRUNCATE recreates
 * files and costs ~40 ms, DELETE of a few test rows ~2 ms.
 */
export async function resetTables(store: Store): Promise<void> {
  await store.query(`DO $$
    DECLARE t text;
    BEGIN
      FOR t IN SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
                WHERE schemaname = current_schema()
                   OR (schemaname = 'jarvis_sync' AND tablename NOT IN ('schema_migrations', 'owned_tables')) LOOP
        EXECUTE 'DELETE FROM ' || t;
      END LOOP;
    END $$`);
}

async function withAdmin<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
