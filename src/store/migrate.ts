/**
 * Numbered .sql migrations (src/store/migrations/NNNN_name.sql), applied in order, each in its own
 * transaction, and recorded in jarvis_sync.schema_migrations. Every transaction first takes one
 * advisory lock and re-checks the record, so processes migrating the same database at once never
 * apply a migration twice. Any failure throws with the file name; nothing after it runs.
 *
 * Everything jarvis-sync keeps for itself lives in schema jarvis_sync: a `schema_migrations` table
 * of another tool in public (golang-migrate, Rails, …) is never read nor altered. A database that
 * an earlier jarvis-sync migrated (bookkeeping in public, see detectLegacyLayout) is upgraded in
 * place, data kept, before anything else runs.
 */
import { readdir, readFile } from 'node:fs/promises';
import { defaultDatasets } from '../datasets/index.ts';
import type { Logger } from '../lib/logger.ts';
import { ensureDatasetTables, type DatasetTableInput, type EnsureResult } from './adoptTables.ts';
import { quoteIdent } from './identifiers.ts';
import { ensureChangeTriggers } from './rowChanges.ts';
import type { Sql, Store } from './types.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Advisory lock key shared by every jarvis-sync migrator (an arbitrary constant, "jarvi" in ASCII). */
const MIGRATION_LOCK_KEY = 0x6a61727669;

/** The schema holding jarvis-sync's bookkeeping. */
export const BOOKKEEPING_SCHEMA = 'jarvis_sync';

/**
 * Created before the first migration, since migrations are recorded in it. RLS on and no grants but
 * the owner's, as for every table jarvis-sync creates (0001_core.sql repeats that for API roles).
 */
const BOOTSTRAP_SQL = `
CREATE SCHEMA IF NOT EXISTS jarvis_sync;
CREATE TABLE IF NOT EXISTS jarvis_sync.schema_migrations (version text PRIMARY KEY, name text, applied_at timestamptz DEFAULT now());
ALTER TABLE jarvis_sync.schema_migrations ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON jarvis_sync.schema_migrations FROM PUBLIC;`;

/**
 * What the jarvis-sync before schema jarvis_sync recorded in public.schema_migrations, with the
 * tables each version created in public. Only a record made of these rows is recognised as ours.
 */
const LEGACY_VERSIONS: Record<string, string> = { '0001': 'core', '0002': 'datasets' };
const LEGACY_CORE_TABLES = ['sync_state', 'sync_logs', 'sync_links', 'sync_failures'];
/** The dataset tables of the legacy 0002_datasets.sql, with the dataset each belongs to. */
const LEGACY_DATASET_TABLES: Record<string, string> = {
  meetings: 'meetings',
  tasks: 'tasks',
  reflections: 'reflections',
  journals: 'journals',
  books: 'books',
  highlights: 'highlights',
  contacts: 'contacts',
  calendar_events: 'calendar',
  emails: 'gmail',
};

export interface Migration {
  version: string;
  name: string;
  file: string;
  sql: string;
}

/** What upgrading a database migrated by an earlier jarvis-sync did. */
export interface LegacyUpgrade {
  /** Versions taken over from public.schema_migrations (recorded as applied, not re-run). */
  versions: string[];
  /** Bookkeeping tables moved from public to jarvis_sync, data kept. */
  moved: string[];
  /** Dataset tables in public recorded in jarvis_sync.owned_tables as 'legacy', now with RLS on. */
  datasetTables: string[];
}

export interface MigrateResult {
  applied: string[];
  /** What happened to the dataset tables: created, adopted, completed (columns added), left alone. */
  tables: EnsureResult;
  /** Present when this call upgraded a database migrated by an earlier jarvis-sync. */
  legacyUpgrade?: LegacyUpgrade;
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

/** Versions recorded in jarvis_sync.schema_migrations; empty when jarvis-sync never migrated this database. */
export async function appliedVersions(sql: Sql): Promise<Set<string>> {
  const { rows } = await sql.query<{ ok: boolean }>(`SELECT to_regclass('jarvis_sync.schema_migrations') IS NOT NULL AS ok`);
  if (!rows[0]?.ok) return new Set();
  return new Set((await sql.query<{ version: string }>('SELECT version FROM jarvis_sync.schema_migrations')).rows.map((r) => r.version));
}

export async function migrate(
  store: Store,
  opts: {
    logger?: Logger;
    migrations?: Migration[];
    /** The datasets whose tables to create or complete (src/store/adoptTables.ts): the config's; default the built-in ones under their default names. */
    datasets?: DatasetTableInput[] | ((sql: Sql) => Promise<DatasetTableInput[]>);
  } = {},
): Promise<MigrateResult> {
  const migrations = opts.migrations ?? (await loadMigrations());
  const applied: string[] = [];
  let legacyUpgrade: LegacyUpgrade | undefined;
  // Creating the record and upgrading a legacy layout race like any DDL, so they happen under the
  // lock, and only when needed: an up-to-date database takes no lock here.
  const { rows } = await store.query<{ ready: boolean }>(`SELECT to_regclass('jarvis_sync.schema_migrations') IS NOT NULL AS ready`);
  if (!rows[0].ready || (await detectLegacyLayout(store))) {
    try {
      legacyUpgrade = await store.transaction(async (tx) => {
        await lock(tx);
        await exec(tx, BOOTSTRAP_SQL);
        // Re-checked under the lock: another process may have upgraded it while we waited.
        const legacy = await detectLegacyLayout(tx);
        return legacy ? upgradeLegacyLayout(tx, legacy, migrations) : undefined;
      });
    } catch (e) {
      throw new MigrationError('upgrade of the earlier layout (bookkeeping in public)', e);
    }
    if (legacyUpgrade) {
      opts.logger?.info(
        { ...legacyUpgrade },
        'moved the bookkeeping of an earlier jarvis-sync from public to schema jarvis_sync; its dataset tables now have row level security',
      );
    }
  }
  const recorded = await recordTablesOfHandWrittenDdl(store);
  if (recorded.length) opts.logger?.info({ tables: recorded }, "recorded the dataset tables 0002_datasets.sql made as jarvis-sync's (legacy): completed additively from now on");
  const done = await appliedVersions(store);
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    try {
      const ran = await store.transaction(async (tx) => {
        await lock(tx);
        // Another process may have applied it while we waited for the lock.
        const { rowCount } = await tx.query('SELECT 1 FROM jarvis_sync.schema_migrations WHERE version = $1', [m.version]);
        if (rowCount > 0) return false;
        await exec(tx, m.sql);
        await tx.query('INSERT INTO jarvis_sync.schema_migrations (version, name, applied_at) VALUES ($1, $2, now())', [m.version, m.name]);
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
  // A function is asked after the migration files ran: it may read sync_state (config fields' remembered kinds).
  const datasets = typeof opts.datasets === 'function' ? await opts.datasets(store) : (opts.datasets ?? defaultDatasets());
  const tables = await ensureDatasetTables(store, datasets, { logger: opts.logger });
  // The change triggers of the two-way tables (0007_row_changes.sql), once every table is in place.
  await ensureChangeTriggers(store, datasets, { logger: opts.logger });
  return legacyUpgrade ? { applied, tables, legacyUpgrade } : { applied, tables };
}

/** The names in public under which 0001_core.sql offers the spec's tables as views. */
export const PUBLIC_VIEWS = ['sync_logs', 'sync_state'] as const;

/**
 * Those of PUBLIC_VIEWS that something other than jarvis-sync's view occupies in public (another
 * tool's table, say): a query on that name reads the other object, not jarvis_sync's table. A view
 * is ours when its definition depends on the jarvis_sync table of the same name.
 */
export async function publicNamesNotOurs(sql: Sql): Promise<string[]> {
  const { rows } = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_catalog.pg_class c
      WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1::text[])
        AND NOT (c.relkind = 'v' AND EXISTS (
              SELECT 1 FROM pg_catalog.pg_rewrite r
                JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND d.objid = r.oid
               WHERE r.ev_class = c.oid AND d.refclassid = 'pg_catalog.pg_class'::regclass
                 AND d.refobjid = to_regclass('jarvis_sync.' || c.relname)))
      ORDER BY c.relname`,
    [[...PUBLIC_VIEWS]],
  );
  return rows.map((r) => r.name);
}

/** A legacy record: the versions it holds, each with when it was applied. */
export type LegacyRecord = Array<{ version: string; applied_at: Date | null }>;

/**
 * The record of the jarvis-sync before schema jarvis_sync, or null. Recognised only when exactly
 * ours: public.schema_migrations with our columns (version text, name text, applied_at timestamptz)
 * holding nothing but our rows ('0001','core') [and ('0002','datasets')], and jarvis_sync has not
 * recorded 0001 yet. Anything else in public is another tool's and left alone.
 */
export async function detectLegacyLayout(sql: Sql): Promise<LegacyRecord | null> {
  const { rows: layout } = await sql.query<{ columns: string[] | null; taken: boolean }>(
    `SELECT (SELECT array_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            -- a record in jarvis_sync already: the legacy one is not ours to take over any more
            to_regclass('jarvis_sync.schema_migrations') IS NOT NULL AS taken
       FROM pg_catalog.pg_class c
      WHERE c.oid = to_regclass('public.schema_migrations') AND c.relkind = 'r'`,
  );
  const columns = layout[0]?.columns;
  if (!columns || columns.join(', ') !== 'version text, name text, applied_at timestamp with time zone') return null;
  if (layout[0].taken) {
    const { rowCount } = await sql.query(`SELECT 1 FROM jarvis_sync.schema_migrations WHERE version = '0001'`);
    if (rowCount > 0) return null;
  }
  const { rows } = await sql.query<{ version: string; name: string | null; applied_at: Date | null }>(
    'SELECT version, name, applied_at FROM public.schema_migrations ORDER BY version',
  );
  if (!rows.some((r) => r.version === '0001')) return null;
  if (!rows.every((r) => LEGACY_VERSIONS[r.version] !== undefined && LEGACY_VERSIONS[r.version] === r.name)) return null;
  return rows.map((r) => ({ version: r.version, applied_at: r.applied_at }));
}

/**
 * Moves an earlier jarvis-sync's bookkeeping from public into jarvis_sync, inside the caller's
 * transaction (which holds the migration lock). ALTER … SET SCHEMA keeps rows, indexes and
 * constraints; moving the trigger function keeps every trigger pointing at it (triggers refer to
 * the function, not its name). 0001_core.sql then completes the layout (it is idempotent).
 */
async function upgradeLegacyLayout(tx: Sql, legacy: LegacyRecord, migrations: Migration[]): Promise<LegacyUpgrade> {
  const core = migrations.find((m) => m.version === '0001') ?? (await loadMigrations()).find((m) => m.version === '0001');
  if (!core) throw new Error('the migration 0001_core.sql is missing');
  const moved: string[] = [];
  for (const table of LEGACY_CORE_TABLES) {
    const { rows } = await tx.query<{ legacy: boolean; target: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE oid = to_regclass('public.' || $1) AND relkind = 'r') AS legacy,
              to_regclass('jarvis_sync.' || $1) IS NOT NULL AS target`,
      [table],
    );
    if (!rows[0].legacy) continue; // 0001_core.sql creates it afresh
    if (rows[0].target) {
      throw new Error(`both public.${table} and jarvis_sync.${table} exist: keep the one with the data you want, drop the other, and run migrate again`);
    }
    await tx.query(`ALTER TABLE public.${table} SET SCHEMA jarvis_sync`);
    moved.push(table);
  }
  const { rows: fn } = await tx.query<{ legacy: boolean; target: boolean }>(
    `SELECT to_regprocedure('public.jarvis_set_updated_at()') IS NOT NULL AS legacy,
            to_regprocedure('jarvis_sync.set_updated_at()') IS NOT NULL AS target`,
  );
  if (fn[0].legacy && !fn[0].target) {
    await tx.query('ALTER FUNCTION public.jarvis_set_updated_at() SET SCHEMA jarvis_sync');
    await tx.query('ALTER FUNCTION jarvis_sync.jarvis_set_updated_at() RENAME TO set_updated_at');
  }
  await exec(tx, core.sql); // views, owned_tables, function body with its fixed search_path, RLS
  const datasetTables: string[] = [];
  if (legacy.some((r) => r.version === '0002')) {
    const { rows } = await tx.query<{ table_name: string }>(
      `SELECT c.relname AS table_name FROM pg_catalog.pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1::text[])
        ORDER BY c.relname`,
      [Object.keys(LEGACY_DATASET_TABLES)],
    );
    for (const { table_name } of rows) {
      await tx.query(
        `INSERT INTO jarvis_sync.owned_tables (table_schema, table_name, dataset, how) VALUES ('public', $1, $2, 'legacy')
         ON CONFLICT (table_schema, table_name) DO NOTHING`,
        [table_name, LEGACY_DATASET_TABLES[table_name]],
      );
      // The earlier jarvis-sync made them (or completed them): they get the stance of tables it creates.
      await exec(tx, lockDownTableSql('public', table_name));
      datasetTables.push(table_name);
    }
  }
  for (const r of legacy) {
    await tx.query('INSERT INTO jarvis_sync.schema_migrations (version, name, applied_at) VALUES ($1, $2, coalesce($3, now())) ON CONFLICT (version) DO NOTHING', [
      r.version,
      LEGACY_VERSIONS[r.version],
      r.applied_at,
    ]);
  }
  await tx.query('DROP TABLE public.schema_migrations');
  // Still there only if something other than jarvis-sync's triggers used it (it was moved otherwise).
  if (fn[0].legacy && fn[0].target) await tx.query('DROP FUNCTION public.jarvis_set_updated_at()');
  return { versions: legacy.map((r) => r.version), moved, datasetTables };
}

/**
 * SQL that gives a table jarvis-sync created the stance every such table has: row level security
 * on (no policy: only the owner, which jarvis-sync connects as, reads or writes it) and no grants to
 * PUBLIC or Supabase's API roles anon and authenticated (revoked only where those roles exist).
 * `schema` and `table` are checked by quoteIdent (which throws on anything but a plain identifier).
 */
function lockDownTableSql(schema: string, table: string): string {
  const rel = `${quoteIdent(schema)}.${quoteIdent(table)}`;
  return `ALTER TABLE ${rel} ENABLE ROW LEVEL SECURITY;
REVOKE ALL ON ${rel} FROM PUBLIC;
DO $$
DECLARE api_role text;
BEGIN
    FOREACH api_role IN ARRAY ARRAY['anon', 'authenticated'] LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = api_role) THEN
            EXECUTE format('REVOKE ALL ON ${rel.replaceAll("'", "''")} FROM %I', api_role);
        END IF;
    END LOOP;
END $$;`;
}

async function exec(tx: Sql, script: string): Promise<void> {
  if (!tx.exec) throw new Error('this Sql cannot run scripts (exec)');
  await tx.exec(script);
}

/** Held until the transaction ends; blocks other migrators rather than failing them. */
async function lock(tx: Sql): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
  // Whoever held the lock may have created the schema and tables meanwhile. Waiting on an advisory
  // lock does not process the catalog invalidations their commit sent, so this session's catalog
  // cache could still say jarvis_sync does not exist (CREATE SCHEMA IF NOT EXISTS then fails with a
  // duplicate key). Locking a catalog table anew in this transaction processes them.
  await tx.query('SELECT 1 FROM pg_catalog.pg_namespace LIMIT 1');
}

/**
 * The dataset tables of a database migrated while 0002_datasets.sql still made them in SQL (its
 * version recorded in jarvis_sync.schema_migrations, before the tables were generated from the
 * descriptors and recorded in jarvis_sync.owned_tables): that migration created or completed them,
 * so they are jarvis-sync's — recorded as 'legacy' and completed additively like any table of
 * ours, never refused as someone else's. That 0002 had already turned row level security on and
 * revoked the API roles' grants, so nothing else changes. Only tables under 0002's names that no
 * record names yet; one or two small queries when there are none.
 */
async function recordTablesOfHandWrittenDdl(store: Store): Promise<string[]> {
  // A fresh database has no owned_tables before 0001_core.sql ran (nor 0002 in its record).
  const { rows: era } = await store.query<{ ok: boolean }>(
    `SELECT to_regclass('jarvis_sync.owned_tables') IS NOT NULL AND EXISTS (SELECT 1 FROM jarvis_sync.schema_migrations WHERE version = '0002') AS ok`,
  );
  if (!era[0]?.ok) return [];
  const pending = `SELECT c.relname AS table_name FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname = ANY($1::text[])
       AND NOT EXISTS (SELECT 1 FROM jarvis_sync.owned_tables o WHERE o.table_schema = 'public' AND o.table_name = c.relname)
     ORDER BY c.relname`;
  const tables = Object.keys(LEGACY_DATASET_TABLES);
  if (!(await store.query(pending, [tables])).rows.length) return [];
  return store.transaction(async (tx) => {
    await lock(tx);
    // Re-read under the lock: another migrator may have recorded them meanwhile.
    const { rows } = await tx.query<{ table_name: string }>(pending, [tables]);
    for (const { table_name } of rows) {
      await tx.query(
        `INSERT INTO jarvis_sync.owned_tables (table_schema, table_name, dataset, how) VALUES ('public', $1, $2, 'legacy') ON CONFLICT (table_schema, table_name) DO NOTHING`,
        [table_name, LEGACY_DATASET_TABLES[table_name]],
      );
    }
    return rows.map((r) => r.table_name);
  });
}
