/**
 * Numbered .sql migrations (src/store/migrations/NNNN_name.sql), applied in order, each in its own
 * transaction. Every transaction first takes one advisory lock and re-checks schema_migrations, so
 * processes migrating the same database at once never apply a migration twice. Any failure throws
 * with the file name; nothing after it runs.
 */
import { readdir, readFile } from 'node:fs/promises';
import type { Logger } from '../lib/logger.ts';
import type { Sql, Store } from './types.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Advisory lock key shared by every jarvis-sync migrator (an arbitrary constant, "jarvi" in ASCII). */
const MIGRATION_LOCK_KEY = 0x6a61727669;

export interface Migration {
  version: string;
  name: string;
  file: string;
  sql: string;
}

export class MigrationError extends Error {
  constructor(
    readonly file: string,
    cause: unknown,
  ) {
    super(`migration ${file} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

/** The migration files, sorted by version. Exported for tests and `jarvis-sync migrate --status`. */
export async function loadMigrations(dir: URL = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const m = FILE_NAME.exec(file);
    if (!m) throw new Error(`migration file name ${file} must look like 0001_name.sql`);
    if (migrations.some((x) => x.version === m[1])) throw new Error(`two migrations share version ${m[1]} (${file})`);
    migrations.push({ version: m[1], name: m[2], file, sql: await readFile(new URL(file, dir), 'utf8') });
  }
  return migrations;
}

export async function migrate(store: Store, opts: { logger?: Logger; migrations?: Migration[] } = {}): Promise<{ applied: string[] }> {
  const migrations = opts.migrations ?? (await loadMigrations());
  const applied: string[] = [];
  // Creating the bookkeeping table races like any DDL, so the first time it happens under the lock.
  const { rows } = await store.query<{ exists: boolean }>(`SELECT to_regclass('schema_migrations') IS NOT NULL AS exists`);
  if (!rows[0].exists) {
    await store.transaction(async (tx) => {
      await lock(tx);
      await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (version text PRIMARY KEY, name text, applied_at timestamptz DEFAULT now())`);
    });
  }
  const done = new Set((await store.query<{ version: string }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      const ran = await store.transaction(async (tx) => {
        await lock(tx);
        // Another process may have applied it while we waited for the lock.
        const { rowCount } = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [m.version]);
        if (rowCount > 0) return false;
        if (!tx.exec) throw new Error('this Sql cannot run scripts (exec)');
        await tx.exec(m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
        return true;
      });
      if (ran) {
        applied.push(m.file);
        opts.logger?.info({ migration: m.file }, 'applied migration');
      }
    } catch (e) {
      throw new MigrationError(m.file, e);
    }
  }
  return { applied };
}

/** Held until the transaction ends; blocks other migrators rather than failing them. */
async function lock(tx: Sql): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
}
