/**
 * Store over node-postgres (DATABASE_URL: a Supabase database or any Postgres ≥ 15), through a
 * direct connection or any pooler: nothing here relies on a session outliving a transaction
 * (per-dataset locks are lease rows, src/store/leases.ts).
 */
import pg from 'pg';
import { connectionError, explainFirstConnectionFailure, invalidDatabaseUrl, isTransientConnectionFailure, StoreConnectionError } from './connectionErrors.ts';
import { transactionSql, TransactionGuard } from './sqlSession.ts';
import { pgTypesConfig } from './typeParsers.ts';
import type { QueryResult, Sql, Store } from './types.ts';

/** Driver error codes that mean "the connection failed", as opposed to "the SQL failed". */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', '28P01', '28000', '3D000']);

/** libpq's sslmode values, plus node-postgres' own `no-verify`. */
const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/**
 * The pool config for a connection string. `sslmode` gets libpq's meaning (what psql does with the
 * same string): `require` encrypts without verifying the certificate, which is what Supabase's
 * connection strings expect; `verify-full` verifies. pg 8 would otherwise treat `require` as
 * `verify-full` and reject Supabase's certificate. An explicit `uselibpqcompat` in the URL wins.
 *
 * `no-verify` is node-postgres' own mode (encrypted, certificate not verified): pg-connection-string
 * only understands it outside its libpq mode, where it sets `rejectUnauthorized: false` — in libpq
 * mode it would fall through to full verification. So it is left to that branch.
 * `allow` (libpq: try without TLS first) has no case in pg-connection-string, which would make it
 * verify-full; node-postgres cannot fall back between the two, so it gets libpq's first attempt:
 * no TLS. (`prefer` stays what pg-connection-string makes of it: TLS, not verified, no fallback.)
 */
export function poolConfig(databaseUrl: string, maxConnections = 10): pg.PoolConfig {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw invalidDatabaseUrl('not a URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw invalidDatabaseUrl(`scheme is "${url.protocol.replace(/:$/, '')}", not postgres`);
  }
  if (!url.hostname && !url.searchParams.get('host')) throw invalidDatabaseUrl('no host');
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode !== null) {
    if (!SSL_MODES.includes(sslmode)) throw invalidDatabaseUrl(`sslmode "${sslmode}" is not one of ${SSL_MODES.join(', ')}`);
    const libpq = url.searchParams.get('uselibpqcompat');
    if (sslmode === 'no-verify') {
      if (libpq === 'true') throw invalidDatabaseUrl('sslmode=no-verify is node-postgres\' own mode and is ignored with uselibpqcompat=true; use sslmode=require (encrypted, not verified) or drop uselibpqcompat');
    } else if (libpq === null) {
      url.searchParams.set('uselibpqcompat', 'true');
      if (sslmode === 'allow') url.searchParams.set('sslmode', 'disable');
    }
  }
  return {
    connectionString: url.toString(),
    types: pgTypesConfig(),
    max: maxConnections,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
    application_name: 'jarvis-sync',
  };
}

export async function openPostgresStore(databaseUrl: string, opts: { maxConnections?: number } = {}): Promise<Store> {
  let pool: pg.Pool;
  try {
    pool = new pg.Pool(poolConfig(databaseUrl, opts.maxConnections));
  } catch (e) {
    if ((e as Error).name === 'StoreConnectionError') throw e;
    throw invalidDatabaseUrl((e as Error).message);
  }
  // Idle connections die when the server restarts; the next query reports it. Without a listener
  // the pool's 'error' event would crash the process.
  pool.on('error', () => {});
  const store = new PostgresStore(pool, databaseUrl);
  try {
    await store.query('SELECT 1');
  } catch (e) {
    await pool.end().catch(() => {});
    // A first connection that ends without a word from PostgreSQL may be a wrong port: ask it.
    throw await explainFirstConnectionFailure(databaseUrl, e);
  }
  return store;
}

class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  private count = 0;
  private readonly guard = new TransactionGuard();
  private closed = false;
  /** Set once a connection worked: later connection failures are the server going away, not a bad URL. */
  private connectedBefore = false;
  /** Connections that have had their session set up (see connect). */
  private readonly prepared = new WeakSet<pg.PoolClient>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly databaseUrl: string,
  ) {}

  get statementCount(): number {
    return this.count;
  }

  async query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<QueryResult<T>> {
    this.guard.assertOutside('query');
    const client = await this.connect();
    let broken: Error | undefined;
    try {
      return await this.run<T>(client, text, params);
    } catch (e) {
      if (e instanceof StoreConnectionError) broken = e;
      throw e;
    } finally {
      client.release(broken);
    }
  }

  async exec(script: string): Promise<void> {
    await this.query(script); // no params: simple protocol, several statements allowed
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    this.guard.assertOutside('transaction');
    const client = await this.connect();
    const tx = transactionSql({
      query: <R>(text: string, params?: unknown[]) => this.run<R>(client, text, params),
      exec: async (script: string) => void (await this.run(client, script)),
    });
    let broken: Error | undefined;
    try {
      await this.run(client, 'BEGIN');
      const result = await this.guard.run(() => fn(tx));
      await this.run(client, 'COMMIT');
      return result;
    } catch (e) {
      await this.run(client, 'ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // connection unusable: destroy it rather than return it to the pool
      });
      throw e;
    } finally {
      tx.end();
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  /**
   * A pooled connection, set up on first use: session TimeZone UTC like PGlite, so SQL-side date
   * arithmetic (date_trunc, ::date) agrees between backends. (The pool's 'connect' event cannot
   * await, hence this.)
   */
  private async connect(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      const max = this.pool.options.max ?? 10;
      if (/timeout exceeded when trying to connect/i.test((e as Error).message) && this.pool.totalCount >= max) {
        // Not the server's fault: every pooled connection is busy (long transactions).
        throw new Error(`all ${max} database connections of this process are in use; raise maxConnections or run fewer syncs at once`);
      }
      throw connectionError(this.databaseUrl, e, { connectedBefore: this.connectedBefore });
    }
    if (!this.prepared.has(client)) {
      // A checked-out connection that the server ends (restart, pg_terminate_backend) emits
      // 'error'; pg only listens on idle ones, so without this the whole process would crash.
      // The failure still reaches the caller: the next query on this connection rejects.
      client.on('error', () => undefined);
      try {
        await client.query("SET TIME ZONE 'UTC'");
      } catch (e) {
        client.release(e as Error);
        throw connectionError(this.databaseUrl, e, { connectedBefore: this.connectedBefore });
      }
      this.prepared.add(client);
      this.connectedBefore = true;
    }
    return client;
  }

  private async run<T>(target: pg.PoolClient, text: string, params?: unknown[]): Promise<QueryResult<T>> {
    this.count++;
    try {
      const res = await target.query(text, params as any[] | undefined);
      const r = Array.isArray(res) ? (res.at(-1) as pg.QueryResult) : res; // a script yields one result per statement
      return { rows: r.rows as T[], rowCount: r.rowCount ?? 0 };
    } catch (e) {
      if (CONNECTION_CODES.has((e as { code?: string }).code ?? '') || isTransientConnectionFailure(e)) {
        throw connectionError(this.databaseUrl, e, { connectedBefore: this.connectedBefore });
      }
      throw e;
    }
  }
}
