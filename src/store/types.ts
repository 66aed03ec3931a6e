/**
 * The one SQL interface every part of jarvis-sync uses. Implemented over node-postgres (when
 * DATABASE_URL is set) and over PGlite (embedded default). SQL must run on PostgreSQL 15 and 18.
 */
export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Sql {
  /** Parameterized query ($1, $2, ...). Never interpolate values into `text`. */
  query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<QueryResult<T>>;
  /** Runs fn in one transaction (BEGIN/COMMIT, ROLLBACK on throw). `tx` is bound to that transaction. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * Runs a multi-statement script without parameters (migrations). Both built-in backends and
   * their transactions implement it; optional only so that hand-written fakes of Sql stay valid.
   */
  exec?(script: string): Promise<void>;
}

export interface Store extends Sql {
  readonly kind: 'pglite' | 'postgres';
  /** Number of SQL statements sent so far (for benchmarks: statements per 1,000 records). */
  readonly statementCount: number;
  close(): Promise<void>;
  /**
   * PGlite only: LISTEN within this process (notifications of this database's commits); resolves
   * to the function that stops listening. Stores over node-postgres leave it out: a LISTEN needs a
   * connection of its own there (src/store/rowChanges.ts, listenPostgres).
   */
  listen?(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
}

export interface OpenStoreOptions {
  /** postgres://… connection string (Supabase works). When absent, PGlite is used. */
  databaseUrl?: string;
  /** PGlite data directory; default ./.jarvis-sync/pgdata. Ignored with databaseUrl. */
  dataDir?: string;
  /** PGlite in memory (tests, demo). */
  inMemory?: boolean;
  /** node-postgres pool size (default 10). */
  maxConnections?: number;
}

/** Column types the generic batched writers understand (the dataset tables use only these). */
export type ColumnType = 'text' | 'text[]' | 'uuid' | 'uuid[]' | 'timestamptz' | 'date' | 'numeric' | 'integer' | 'boolean' | 'jsonb';
