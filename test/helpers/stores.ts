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

/**
 * A store of `kind`, migrated unless `migrate: false`. Its close() also drops a postgres test
 * database, and gives a PGlite one back to its worker's pool, emptied (see borrowPglite).
 */
export async function openTestStore(kind: StoreKind, opts: { migrate?: boolean } = {}): Promise<Store> {
  let store: Store;
  if (kind === 'pglite') store = await borrowPglite();
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
 * In-memory PGlite databases, reused across the test files of a worker (vitest runs them with
 * isolate: false, so this module and its pool live as long as the worker). Booting PGlite costs
 * 0.6–1 s of CPU; giving a database back costs one statement that returns it to the state it was
 * opened in: every schema but the system ones dropped (public recreated as PostgreSQL makes it),
 * roles the tests made dropped, the session reset (settings, LISTEN, prepared statements, advisory
 * locks). The borrower gets a view of its own: a fresh statement count, close() that gives the
 * database back, and an error for any use after that.
 */
interface PooledPglite {
  store: Store;
  roles: string[];
  publicSchema: string;
}
const idlePglite: PooledPglite[] = [];
const MAX_IDLE_PGLITE = 2;

async function publicSchemaState(store: Store): Promise<string> {
  const { rows } = await store.query<{ s: string }>(
    `SELECT json_build_object('owner', nspowner::regrole::text, 'acl', nspacl::text, 'comment', obj_description(oid, 'pg_namespace'))::text AS s
       FROM pg_namespace WHERE nspname = 'public'`,
  );
  return rows[0]?.s ?? 'none';
}

async function borrowPglite(): Promise<Store> {
  let pooled = idlePglite.pop();
  if (!pooled) {
    const store = await openStore({ inMemory: true });
    const { rows } = await store.query<{ rolname: string }>(`SELECT rolname FROM pg_roles`);
    pooled = { store, roles: rows.map((r) => r.rolname), publicSchema: await publicSchemaState(store) };
  }
  return lendPglite(pooled);
}

function lendPglite(pooled: PooledPglite): Store {
  const real = pooled.store;
  const base = real.statementCount;
  const listening = new Set<() => Promise<void>>();
  const own: Record<PropertyKey, unknown> = {};
  let returned = false;
  const closed = () => new Error('this test store was closed (its PGlite database went back to the pool)');
  const giveBack = async () => {
    if (returned) return;
    returned = true;
    for (const stop of listening) await stop();
    await resetPglite(pooled);
    if (idlePglite.length < MAX_IDLE_PGLITE) idlePglite.push(pooled);
    else await real.close();
  };
  const view: Store = {
    kind: real.kind,
    get statementCount() {
      return real.statementCount - base;
    },
    query: (text, params) => (returned ? Promise.reject(closed()) : real.query(text, params)),
    exec: (script) => (returned ? Promise.reject(closed()) : real.exec!(script)),
    transaction: (fn) => (returned ? Promise.reject(closed()) : real.transaction(fn)),
    listen: async (channel, onNotify) => {
      if (returned) throw closed();
      const stop = await real.listen!(channel, onNotify);
      const tracked = async () => {
        listening.delete(tracked);
        await stop();
      };
      listening.add(tracked);
      return tracked;
    },
    close: giveBack,
  } as Store;
  // Tests may replace a method (store.close = …) or add a property: on their view only.
  const proxy: Store = new Proxy(view, {
    get: (target, key, receiver) => (key in own ? own[key] : Reflect.get(target, key, receiver)),
    set: (_target, key, value, receiver) => {
      // An object made with Object.create(store) that sets a property sets it on itself.
      if (receiver !== proxy) return Reflect.defineProperty(receiver, key, { value, writable: true, enumerable: true, configurable: true });
      own[key] = value;
      return true;
    },
  });
  return proxy;
}

async function resetPglite(pooled: PooledPglite): Promise<void> {
  const { store } = pooled;
  const keep = pooled.roles.map((r) => `'${r.replace(/'/g, "''")}'`).join(', ');
  await store.exec!(`DISCARD ALL`);
  await store.exec!(`
    DO $$
    DECLARE s text; r text;
    BEGIN
      FOR s IN SELECT nspname FROM pg_namespace
                WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND nspname NOT LIKE 'pg\\_temp\\_%' AND nspname NOT LIKE 'pg\\_toast\\_temp\\_%' LOOP
        EXECUTE format('DROP SCHEMA %I CASCADE', s);
      END LOOP;
      FOR r IN SELECT rolname FROM pg_roles WHERE rolname NOT IN (${keep}) LOOP
        EXECUTE format('DROP OWNED BY %I CASCADE', r);
        EXECUTE format('DROP ROLE %I', r);
      END LOOP;
    END $$;
    CREATE SCHEMA public AUTHORIZATION pg_database_owner;
    GRANT USAGE ON SCHEMA public TO PUBLIC;
    COMMENT ON SCHEMA public IS 'standard public schema';`);
  const state = await publicSchemaState(store);
  if (state !== pooled.publicSchema) throw new Error(`a pooled PGlite database did not come back as it was opened: schema public is ${state}, was ${pooled.publicSchema}`);
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
