/**
 * Tests through a real connection pooler: PgBouncer 1.18 standing in for Supabase's pooler
 * (`.ci/pgbouncer` starts it; .ci/run exports the URLs).
 *
 *   TEST_PGBOUNCER_SESSION_URL      session mode      (Supabase's session pooler)
 *   TEST_PGBOUNCER_TRANSACTION_URL  transaction mode  (Supabase's transaction pooler, port 6543)
 *
 * Each test store gets a fresh `jarvis_test_<run>_<random>` database, created over the direct
 * TEST_DATABASE_URL and reached through the pooler by name (PgBouncer is configured with `* =`).
 */
import pg from 'pg';
import { describe } from 'vitest';
import { migrate, openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createTestDatabase } from './stores.ts';

export type PoolerMode = 'session' | 'transaction';

export const POOLER_ENV: Record<PoolerMode, string> = {
  session: 'TEST_PGBOUNCER_SESSION_URL',
  transaction: 'TEST_PGBOUNCER_TRANSACTION_URL',
};

/** The pooler modes whose URL is set in the environment (none: the pooler tests skip). */
export function poolerModes(): PoolerMode[] {
  return (['session', 'transaction'] as const).filter((m) => !!process.env[POOLER_ENV[m]]);
}

/**
 * describe.each over poolerModes(), titled `${title} through the %s pooler`. Without any pooler URL
 * the file still has a suite — skipped, and its title says what to set — rather than none (vitest
 * fails a file without tests).
 */
export function describePoolers(title: string, fn: (mode: PoolerMode) => void): void {
  const modes = poolerModes();
  if (modes.length === 0) {
    describe.skip(`${title} (skipped: set ${POOLER_ENV.session} and ${POOLER_ENV.transaction}; .ci/pgbouncer starts both poolers)`, () => fn('transaction'));
    return;
  }
  describe.each(modes)(`${title} through the %s pooler`, fn);
}

/** The pooler's URL for `mode` with its database replaced by `database`. */
export function poolerUrlFor(mode: PoolerMode, database: string): string {
  const base = process.env[POOLER_ENV[mode]];
  if (!base) throw new Error(`${POOLER_ENV[mode]} is not set (run .ci/pgbouncer, then export the URL it prints)`);
  if (!process.env.TEST_DATABASE_URL) {
    throw new Error(`${POOLER_ENV[mode]} needs TEST_DATABASE_URL too: the direct connection that creates and drops the test databases`);
  }
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface PoolerTestDatabase {
  name: string;
  /** Straight to PostgreSQL, bypassing the pooler (for the test's own checks). */
  directUrl: string;
  /** Through the pooler in the given mode (for the code under test, or a spawned process). */
  poolerUrl: string;
  /** Makes the pooler drop its connections to the database, then drops it. */
  drop(): Promise<void>;
}

/** A new empty database and its URL through the `mode` pooler. */
export async function createPoolerTestDatabase(mode: PoolerMode): Promise<PoolerTestDatabase> {
  const db = await createTestDatabase();
  const name = new URL(db.url).pathname.slice(1);
  let poolerUrl: string;
  try {
    poolerUrl = poolerUrlFor(mode, name);
  } catch (e) {
    await db.drop();
    throw e;
  }
  return {
    name,
    directUrl: db.url,
    poolerUrl,
    // The pooler's server connections go first, so that DROP … WITH (FORCE) terminates nothing of
    // its (it would log "got packet 'E' from server when not linked" for each).
    drop: () => closePoolerConnections(mode, name, db.drop),
  };
}

export type PoolerTestStore = Store & { readonly database: PoolerTestDatabase };

/**
 * A store opened through the `mode` pooler on a fresh database, migrated unless `migrate: false`.
 * Its close() closes the store, then the pooler's connections to the database, then drops it.
 */
export async function openPoolerTestStore(mode: PoolerMode, opts: { migrate?: boolean; maxConnections?: number } = {}): Promise<PoolerTestStore> {
  const database = await createPoolerTestDatabase(mode);
  let store: Store;
  try {
    store = await openStore({ databaseUrl: database.poolerUrl, maxConnections: opts.maxConnections });
  } catch (e) {
    await database.drop();
    throw e;
  }
  const close = store.close.bind(store);
  store.close = async () => {
    try {
      await close();
    } finally {
      await database.drop();
    }
  };
  const result = Object.assign(store, { database });
  if (opts.migrate !== false) {
    try {
      await migrate(store);
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return result;
}

/** A plain node-postgres client (one client connection); the caller ends it. */
export async function connectClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined); // a terminated server connection must not crash the test worker
  await client.connect();
  return client;
}

/**
 * Runs statements on the pooler's admin console (database `pgbouncer`; simple protocol only, which
 * node-postgres uses for a query without parameters).
 */
export async function poolerAdmin<T = Record<string, any>>(mode: PoolerMode, command: string): Promise<T[]> {
  const admin = await connectClient(poolerUrlFor(mode, 'pgbouncer'));
  try {
    return (await admin.query(command)).rows as T[];
  } finally {
    await admin.end();
  }
}

/**
 * Closes every connection the pooler has to database `name` at once (`KILL`), runs `during` (if
 * any), then lets clients in again (`RESUME`: a killed database keeps new clients waiting). A
 * database the pooler never saw is fine; an unused auto-database entry goes after
 * autodb_idle_timeout (60 s in .ci/pgbouncer).
 */
export async function closePoolerConnections(mode: PoolerMode, name: string, during?: () => Promise<void>): Promise<void> {
  if (!/^jarvis_test_[a-z0-9]+_[0-9a-f]+$/.test(name)) throw new Error(`refusing to KILL ${name} on the pooler: not a test database`);
  await poolerAdmin(mode, `KILL ${name}`);
  try {
    await during?.();
  } finally {
    await poolerAdmin(mode, `RESUME ${name}`);
  }
}
