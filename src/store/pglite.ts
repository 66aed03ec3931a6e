/**
 * Store over PGlite 0.5 (Postgres 18 in WASM): the zero-install default, file-backed in a local
 * folder or in memory. One instance is one Postgres session, so open it once per process and share
 * it. A new database starts from a pre-initialized data directory (the seed), not from initdb.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { lockDataDir } from './dataDirLock.ts';
import { readSeed, saveSeed } from './pgliteSeed.ts';
import { transactionSql, TransactionGuard } from './sqlSession.ts';
import { pgliteParsers } from './typeParsers.ts';
import type { QueryResult, Sql, Store } from './types.ts';

export const DEFAULT_DATA_DIR = './.jarvis-sync/pgdata';

type Queryable = Pick<PGlite, 'query' | 'exec'>;

export async function openPgliteStore(opts: { dataDir?: string; inMemory?: boolean } = {}): Promise<Store> {
  if (opts.inMemory) return new PgliteStore(await createPglite({}, true), () => {});
  const dataDir = resolve(opts.dataDir ?? DEFAULT_DATA_DIR);
  mkdirSync(dirname(dataDir), { recursive: true });
  const unlock = lockDataDir(dataDir);
  try {
    return new PgliteStore(await createPglite({ dataDir }, !existsSync(join(dataDir, 'PG_VERSION'))), unlock);
  } catch (e) {
    unlock();
    throw new Error(`cannot open the PGlite database in ${dataDir}: ${(e as Error).message}`);
  }
}

/**
 * PostgreSQL's shared_buffers inside PGlite. Postgres' default (128 MB) lives in the WASM heap of
 * every process that opens the database and is most of its resident memory; the data dir sits in
 * the OS page cache anyway, so a small pool costs little speed (bench/startup.ts and the 100k bench
 * measure both). JARVIS_PGLITE_SHARED_BUFFERS overrides it (a Postgres size such as 64MB).
 */
export const PGLITE_SHARED_BUFFERS = '16MB';

function pgliteStartParams(): string[] {
  const size = process.env.JARVIS_PGLITE_SHARED_BUFFERS?.trim() || PGLITE_SHARED_BUFFERS;
  if (!/^\d+(kB|MB|GB)$/.test(size)) throw new Error(`JARVIS_PGLITE_SHARED_BUFFERS must be a size such as 16MB or 128MB (got "${size}")`);
  return [...PGlite.defaultStartParams, '-c', `shared_buffers=${size}`];
}

/**
 * A PGlite instance. A new database is loaded from the seed (src/store/pgliteSeed.ts) instead of
 * running initdb; without a seed, initdb runs and its result becomes the seed for next time.
 */
async function createPglite(dataDir: { dataDir?: string }, isNew: boolean): Promise<PGlite> {
  const base = { ...dataDir, parsers: pgliteParsers, startParams: pgliteStartParams() };
  const seed = isNew ? readSeed() : null;
  if (seed) return PGlite.create({ ...base, loadDataDir: seed });
  const db = await PGlite.create(base);
  if (isNew) await saveSeed(db);
  return db;
}

class PgliteStore implements Store {
  readonly kind = 'pglite' as const;
  private count = 0;
  private readonly guard = new TransactionGuard();

  constructor(
    private readonly db: PGlite,
    private readonly unlockDataDir: () => void,
  ) {}

  get statementCount(): number {
    return this.count;
  }

  async query<T = Record<string, any>>(text: string, params?: unknown[]): Promise<QueryResult<T>> {
    this.guard.assertOutside('query');
    return this.run<T>(this.db, text, params);
  }

  async exec(script: string): Promise<void> {
    this.guard.assertOutside('exec');
    this.count++;
    await this.db.exec(script);
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
    this.guard.assertOutside('transaction');
    this.count += 2; // PGlite sends BEGIN and COMMIT/ROLLBACK itself
    return this.db.transaction(async (raw) => {
      const tx = transactionSql({
        query: <R>(text: string, params?: unknown[]) => this.run<R>(raw, text, params),
        exec: async (script: string) => {
          this.count++;
          await raw.exec(script);
        },
      });
      try {
        return await this.guard.run(() => fn(tx));
      } finally {
        tx.end();
      }
    });
  }

  async listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>> {
    this.guard.assertOutside('listen');
    const stop = await this.db.listen(channel, onNotify);
    return async () => {
      if (!this.db.closed) await stop();
    };
  }

  async close(): Promise<void> {
    if (this.db.closed) return;
    try {
      await this.db.close();
    } finally {
      this.unlockDataDir();
    }
  }

  private async run<T>(target: Queryable, text: string, params?: unknown[]): Promise<QueryResult<T>> {
    this.count++;
    const r = await target.query<T>(text, params as any[] | undefined);
    return { rows: r.rows, rowCount: r.rowCount ?? r.affectedRows ?? r.rows.length };
  }
}
