/**
 * jarvis-sync touches only what it owns: its bookkeeping lives in schema jarvis_sync, other tools'
 * tables in public (whatever their names) are neither read nor altered, every table it creates has
 * row level security, and a database migrated by the earlier jarvis-sync (bookkeeping in public) is
 * upgraded in place with its data.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks, type CheckResult } from '../../src/cli/commands/doctor.ts';
import { migrateCommand } from '../../src/cli/commands/migrate.ts';
import { loadConfig } from '../../src/config/index.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import {
  listFailures, loadMigrations, migrate, openStore, publicNamesNotOurs, readLinks, readState, recentSyncLogs, recordFailures,
  upsertLinks, writeState, writeSyncLog, type Store,
} from '../../src/store/index.ts';
import { createTestDatabase, openTestStore, storeBackends, type StoreKind } from '../helpers/stores.ts';

const DATASET_TABLES = ['books', 'calendar_events', 'contacts', 'emails', 'highlights', 'journals', 'meetings', 'reflections', 'tasks'];
const BOOKKEEPING = ['owned_tables', 'schema_migrations', 'sync_failures', 'sync_links', 'sync_logs', 'sync_state'];
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** Tables ('r') and views ('v') of `schema`, as "name:kind". */
async function relations(sql: Store, schema: string): Promise<string[]> {
  const { rows } = await sql.query<{ r: string }>(
    `SELECT relname || ':' || relkind::text AS r FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY relname`,
    [schema],
  );
  return rows.map((x) => x.r);
}

/** Everything about a table a migration could change: columns, rows, RLS, triggers, indexes. */
async function fingerprint(sql: Store, table: string): Promise<unknown> {
  const { rows } = await sql.query(
    `SELECT (SELECT json_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            c.relrowsecurity AS rls,
            (SELECT count(*)::int FROM pg_trigger t WHERE t.tgrelid = c.oid) AS triggers,
            (SELECT count(*)::int FROM pg_index i WHERE i.indrelid = c.oid) AS indexes,
            c.relacl::text AS acl
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [table],
  );
  const data = await sql.query(`SELECT * FROM ${table} ORDER BY 1`);
  return { ...rows[0], data: data.rows };
}

/** A store of `kind` that `jarvis-sync doctor` can open too (PGlite on disk), unmigrated. */
async function doctorableStore(kind: StoreKind): Promise<{ store: Store; env: Record<string, string>; reopen(): Promise<Store>; cleanup(): Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-ownership-'));
    const open = () => openStore({ dataDir: join(dir, 'pgdata') });
    return { store: await open(), env: { JARVIS_DATA_DIR: dir }, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const db = await createTestDatabase();
  const open = () => openStore({ databaseUrl: db.url });
  return { store: await open(), env: { DATABASE_URL: db.url }, reopen: open, cleanup: () => db.drop() };
}

async function doctorDatabase(env: Record<string, string>): Promise<CheckResult> {
  const cwd = mkdtempSync(join(tmpdir(), 'jarvis-ownership-cwd-'));
  try {
    const results: CheckResult[] = [];
    await runChecks((r) => results.push(r), { env, cwd, timeoutMs: 2000 });
    return results.find((r) => r.name === 'database')!;
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * The database as the jarvis-sync before schema jarvis_sync left it: its two migration files
 * (test/fixtures/legacy-migrations) applied and recorded its way, in public.schema_migrations.
 */
async function legacyDatabase(store: Store): Promise<void> {
  await store.query(`CREATE TABLE schema_migrations (version text PRIMARY KEY, name text, applied_at timestamptz DEFAULT now())`);
  for (const [version, name, at] of [['0001', 'core', '2025-01-01T00:00:00Z'], ['0002', 'datasets', '2025-01-02T00:00:00Z']]) {
    const sql = readFileSync(new URL(`../fixtures/legacy-migrations/${version}_${name}.sql`, import.meta.url), 'utf8');
    await store.transaction(async (tx) => {
      await tx.exec!(sql);
      await tx.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [version, name, at]);
    });
  }
  await store.query(`INSERT INTO sync_state (key, value) VALUES ('gmail_history_id', '4711'), ('notion_cursor_books', '2025-03-01T00:00:00.000Z')`);
  await store.query(`INSERT INTO sync_logs (event_type, status, message, start_time, end_time) VALUES ('books_sync', 'success', 'legacy run', now() - interval '1 minute', now())`);
  await store.query(`INSERT INTO books (id, title, notion_page_id, updated_at) VALUES ($1, 'Dune', 'page-1', '2025-02-01T00:00:00Z')`, [uuid(1)]);
  await store.query(`INSERT INTO sync_links (dataset, record_id, notion_page_id, base) VALUES ('books', $1, 'page-1', '{"title":"Dune"}')`, [uuid(1)]);
  await store.query(`INSERT INTO sync_failures (dataset, source, source_id, error) VALUES ('books', 'notion', 'page-2', 'Notion 502')`);
}

describe.each(storeBackends())('on %s', (kind) => {
  describe('a fresh database', () => {
    let store: Store;
    beforeAll(async () => {
      store = await openTestStore(kind);
    });
    afterAll(async () => store?.close());

    it('keeps the bookkeeping in schema jarvis_sync; public holds only the dataset tables and the two views', async () => {
      expect(await relations(store, 'jarvis_sync')).toEqual(expect.arrayContaining(BOOKKEEPING.map((t) => `${t}:r`)));
      expect(await relations(store, 'public')).toEqual([...DATASET_TABLES.map((t) => `${t}:r`), 'sync_logs:v', 'sync_state:v'].sort());
      const { rows } = await store.query(`SELECT to_regprocedure('public.jarvis_set_updated_at()') AS legacy, to_regclass('public.schema_migrations') AS record`);
      expect(rows[0]).toEqual({ legacy: null, record: null });
    });

    it('turns on row level security for every table it creates and grants nothing to PUBLIC', async () => {
      const { rows } = await store.query<{ name: string; rls: boolean; public_select: boolean }>(
        `SELECT n.nspname || '.' || c.relname AS name, c.relrowsecurity AS rls, has_table_privilege('public', c.oid, 'SELECT') AS public_select
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname IN ('public', 'jarvis_sync') AND c.relkind IN ('r', 'v') ORDER BY 1`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(DATASET_TABLES.length + BOOKKEEPING.length + 2);
      for (const r of rows) {
        expect(r.public_select, r.name).toBe(false);
        if (!['public.sync_logs', 'public.sync_state'].includes(r.name)) expect(r.rls, r.name).toBe(true);
      }
      const { rows: views } = await store.query(`SELECT relname, reloptions FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'v' ORDER BY relname`);
      expect(views).toEqual([
        { relname: 'sync_logs', reloptions: ['security_invoker=true'] },
        { relname: 'sync_state', reloptions: ['security_invoker=true'] },
      ]);
    });

    it('fixes the search_path of its trigger functions: set_updated_at, which every dataset table uses, and record_row_changes, which the two-way tables use', async () => {
      const { rows } = await store.query(`SELECT proconfig FROM pg_proc WHERE oid IN ('jarvis_sync.set_updated_at()'::regprocedure, 'jarvis_sync.record_row_changes()'::regprocedure)`);
      expect(rows.map((r) => r.proconfig)).toEqual([['search_path=""'], ['search_path=""']]);
      const { rows: triggers } = await store.query<{ table: string; fn: string }>(
        `SELECT tgrelid::regclass::text AS table, tgfoid::regprocedure::text AS fn FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`,
      );
      const updatedAt = triggers.filter((t) => t.fn === 'jarvis_sync.set_updated_at()');
      expect(updatedAt.map((t) => t.table).sort()).toEqual(DATASET_TABLES);
      // 0007_row_changes.sql: two change triggers on each two-way table (test/store/rowChanges.test.ts).
      const changes = triggers.filter((t) => t.fn === 'jarvis_sync.record_row_changes()');
      expect([...new Set(changes.map((t) => t.table))].sort()).toEqual(['contacts', 'journals', 'meetings', 'reflections', 'tasks']);
      expect(updatedAt.length + changes.length).toBe(triggers.length);
    });

    it('offers sync_logs and sync_state under their spec names in public, readable and writable through the views', async () => {
      await writeSyncLog(store, { eventType: 'books_sync', status: 'success', message: 'through the table' });
      await store.query(`INSERT INTO sync_logs (event_type, status, message) VALUES ('books_sync', 'error', 'through the view')`);
      const { rows } = await store.query(`SELECT message FROM sync_logs ORDER BY message`);
      expect(rows.map((r) => r.message)).toEqual(['through the table', 'through the view']);
      expect((await recentSyncLogs(store, { limit: 10 })).map((r) => r.message).sort()).toEqual(['through the table', 'through the view']);
      await writeState(store, 'gmail_history_id', '99');
      expect((await store.query(`SELECT value FROM sync_state WHERE key = 'gmail_history_id'`)).rows).toEqual([{ value: '99' }]);
      expect(await publicNamesNotOurs(store)).toEqual([]);
    });
  });

  describe('a database where other tools already use the names', () => {
    let store: Store;
    let env: Record<string, string>;
    let reopen: () => Promise<Store>;
    let cleanup: () => Promise<void>;
    const before: Record<string, unknown> = {};
    const FOREIGN = ['public.schema_migrations', 'public.sync_logs', 'public.sync_links', 'public.sync_failures'];
    beforeAll(async () => {
      ({ store, env, reopen, cleanup } = await doctorableStore(kind));
      // golang-migrate's record, the original Python service's log, and two unrelated tables.
      await store.query(`CREATE TABLE schema_migrations (version bigint PRIMARY KEY, dirty boolean NOT NULL)`);
      await store.query(`INSERT INTO schema_migrations VALUES (20240101120000, false)`);
      await store.query(`CREATE TABLE sync_logs (id serial PRIMARY KEY, msg text)`);
      await store.query(`INSERT INTO sync_logs (msg) VALUES ('not jarvis-sync''s')`);
      await store.query(`CREATE TABLE sync_links (id int PRIMARY KEY, url text)`);
      await store.query(`INSERT INTO sync_links VALUES (1, 'https://example.com')`);
      await store.query(`CREATE TABLE sync_failures (id int PRIMARY KEY, what text)`);
      for (const t of FOREIGN) before[t] = await fingerprint(store, t);
      await migrate(store);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('migrates without reading or altering any of them', async () => {
      for (const t of FOREIGN) expect(await fingerprint(store, t), t).toEqual(before[t]);
      const all = await loadMigrations();
      const { rows } = await store.query('SELECT version FROM jarvis_sync.schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
      expect(await migrate(store)).toEqual({ applied: [], tables: { created: [], adopted: [], completed: [], skipped: [] } });
    });

    it('keeps its own data in jarvis_sync whatever the search_path and whatever is in public', async () => {
      await store.transaction(async (tx) => {
        // A role whose search_path does not even include public.
        await tx.query(`SET LOCAL search_path = pg_catalog`);
        await upsertLinks(tx, 'books', [{ recordId: uuid(1), notionPageId: 'page-1', base: { title: 'Dune' } }]);
        await recordFailures(tx, 'books', [{ source: 'notion', sourceId: 'page-2', error: 'Notion 502' }]);
        await recordFailures(tx, 'books', [{ source: 'notion', sourceId: 'page-2', error: 'Notion 503' }]);
        await writeState(tx, 'gmail_history_id', '7');
        await writeSyncLog(tx, { eventType: 'books_sync', status: 'success', message: 'ours' });
        expect([...(await readLinks(tx, 'books', null)).keys()]).toEqual([uuid(1)]);
        expect((await listFailures(tx, 'books')).map((f) => [f.error, f.attempts])).toEqual([['Notion 503', 2]]);
        expect(await readState(tx, 'gmail_history_id')).toBe('7');
        expect((await recentSyncLogs(tx, { limit: 5 })).map((r) => r.message)).toEqual(['ours']);
        const { rows: [row] } = await tx.query(`INSERT INTO public.books (title, updated_at) VALUES ('t', now() - interval '1 day') RETURNING id, updated_at`);
        const { rows: [updated] } = await tx.query(`UPDATE public.books SET title = 'u' WHERE id = $1 RETURNING updated_at`, [row.id]);
        expect(updated.updated_at.getTime()).toBeGreaterThan(row.updated_at.getTime());
      });
      for (const t of FOREIGN) expect(await fingerprint(store, t), t).toEqual(before[t]);
    });

    it('offers a view only where the name is free, and doctor names the jarvis_sync table of the other', async () => {
      expect(await relations(store, 'public')).toEqual(expect.arrayContaining(['sync_logs:r', 'sync_state:v']));
      expect(await publicNamesNotOurs(store)).toEqual(['sync_logs']);
      await store.close(); // doctor opens the database itself (PGlite: one process at a time)
      try {
        const check = await doctorDatabase(env);
        expect(check.ok).toBe(true);
        expect(check.detail).toContain("`sync_logs` in schema public is not jarvis-sync's (another tool's): jarvis-sync's is jarvis_sync.sync_logs, query that one");
        expect(check.detail).not.toContain('sync_state');
      } finally {
        store = await reopen();
      }
    });
  });

  describe('a database migrated by the earlier jarvis-sync (bookkeeping in public)', () => {
    let store: Store;
    let booksBefore: unknown;
    beforeAll(async () => {
      store = await openTestStore(kind, { migrate: false });
      await legacyDatabase(store);
      booksBefore = (await store.query('SELECT * FROM books')).rows;
    });
    afterAll(async () => store?.close());

    it('is upgraded once, data kept, even when two migrators race', async () => {
      const all = await loadMigrations();
      const results = await Promise.all([migrate(store), migrate(store)]);
      const upgrades = results.filter((r) => r.legacyUpgrade);
      expect(upgrades).toHaveLength(1);
      expect(upgrades[0].legacyUpgrade).toEqual({ versions: ['0001', '0002'], moved: ['sync_state', 'sync_logs', 'sync_links', 'sync_failures'], datasetTables: DATASET_TABLES });
      // 0001 and 0002 are taken over, not re-run; later versions run as usual.
      expect(results.flatMap((r) => r.applied).sort()).toEqual(all.filter((m) => m.version > '0002').map((m) => m.file));
      const { rows } = await store.query('SELECT version, name, applied_at FROM jarvis_sync.schema_migrations ORDER BY version');
      expect(rows.slice(0, 2)).toEqual([
        { version: '0001', name: 'core', applied_at: new Date('2025-01-01T00:00:00Z') },
        { version: '0002', name: 'datasets', applied_at: new Date('2025-01-02T00:00:00Z') },
      ]);
      expect(rows.map((r) => r.version)).toEqual([...new Set(['0001', '0002', ...all.map((m) => m.version)])].sort());
    });

    it('keeps every row, now in jarvis_sync, and leaves in public only the dataset tables and the two views', async () => {
      expect(await readState(store, 'gmail_history_id')).toBe('4711');
      expect(await readState(store, 'notion_cursor_books')).toBe('2025-03-01T00:00:00.000Z');
      expect((await recentSyncLogs(store, { limit: 5 })).map((r) => r.message)).toEqual(['legacy run']);
      expect((await readLinks(store, 'books', null)).get(uuid(1))).toMatchObject({ notionPageId: 'page-1', base: { title: 'Dune' } });
      expect((await listFailures(store, 'books')).map((f) => f.error)).toEqual(['Notion 502']);
      expect((await store.query('SELECT * FROM books')).rows).toEqual(booksBefore);
      expect(await relations(store, 'public')).toEqual([...DATASET_TABLES.map((t) => `${t}:r`), 'sync_logs:v', 'sync_state:v'].sort());
      expect(await relations(store, 'jarvis_sync')).toEqual(expect.arrayContaining(BOOKKEEPING.map((t) => `${t}:r`)));
      // The spec's queries still read the same rows under the same names.
      expect((await store.query(`SELECT message FROM sync_logs`)).rows).toEqual([{ message: 'legacy run' }]);
      expect((await store.query(`SELECT key FROM sync_state ORDER BY key`)).rows.map((r) => r.key)).toEqual(['gmail_history_id', 'notion_cursor_books']);
      // Indexes and constraints moved with their tables.
      const { rows: idx } = await store.query(`SELECT to_regclass('jarvis_sync.sync_logs_created_at_idx') IS NOT NULL AS a, to_regclass('jarvis_sync.sync_links_dataset_notion_page_id_key') IS NOT NULL AS b`);
      expect(idx[0]).toEqual({ a: true, b: true });
    });

    it('records the dataset tables as legacy, repoints their triggers, and locks them down like new ones', async () => {
      const { rows } = await store.query(`SELECT table_schema, table_name, dataset, how FROM jarvis_sync.owned_tables ORDER BY table_name`);
      expect(rows).toEqual(
        DATASET_TABLES.map((t) => ({ table_schema: 'public', table_name: t, dataset: { calendar_events: 'calendar', emails: 'gmail' }[t] ?? t, how: 'legacy' })),
      );
      const { rows: fns } = await store.query(
        `SELECT to_regprocedure('public.jarvis_set_updated_at()') AS legacy, (SELECT proconfig FROM pg_proc WHERE oid = 'jarvis_sync.set_updated_at()'::regprocedure) AS config`,
      );
      expect(fns[0]).toEqual({ legacy: null, config: ['search_path=""'] });
      const { rows: triggers } = await store.query(`SELECT DISTINCT tgfoid::regprocedure::text AS fn FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`);
      // The change triggers of 0007_row_changes.sql on the two-way tables, besides.
      expect(triggers).toEqual([{ fn: 'jarvis_sync.record_row_changes()' }, { fn: 'jarvis_sync.set_updated_at()' }]);
      const { rows: [b] } = await store.query(`UPDATE books SET title = 'Dune Messiah' WHERE id = $1 RETURNING updated_at`, [uuid(1)]);
      expect(b.updated_at.getTime()).toBeGreaterThan(new Date('2025-02-01T00:00:00Z').getTime());
      const { rows: rls } = await store.query(
        `SELECT relname FROM pg_class WHERE relnamespace IN ('public'::regnamespace, 'jarvis_sync'::regnamespace) AND relkind = 'r' AND NOT relrowsecurity`,
      );
      expect(rls).toEqual([]);
    });

    it('is a no-op afterwards', async () => {
      const before = await store.query('SELECT version, applied_at FROM jarvis_sync.schema_migrations ORDER BY version');
      expect(await migrate(store)).toEqual({ applied: [], tables: { created: [], adopted: [], completed: [], skipped: [] } });
      expect((await store.query('SELECT version, applied_at FROM jarvis_sync.schema_migrations ORDER BY version')).rows).toEqual(before.rows);
    });
  });

  it('`jarvis-sync migrate` and doctor say what the upgrade does', async () => {
    const { store, env, cleanup } = await doctorableStore(kind);
    const cwd = mkdtempSync(join(tmpdir(), 'jarvis-ownership-cwd-'));
    try {
      await legacyDatabase(store);
      await store.close();
      const check = await doctorDatabase(env);
      expect(check).toMatchObject({ ok: false, detail: expect.stringContaining('was migrated by an earlier jarvis-sync, which kept its bookkeeping in schema public') });
      expect(check.fix).toMatch(/run `jarvis-sync migrate`.*moves sync_state, sync_logs and the ledger into schema jarvis_sync, data kept/);
      const lines: string[] = [];
      expect(await migrateCommand(loadConfig({ env, cwd }), silentLogger, (l) => lines.push(l))).toBe(0);
      expect(lines[0]).toBe(
        'moved the bookkeeping of an earlier jarvis-sync from schema public to schema jarvis_sync, data kept (sync_state, sync_logs, sync_links, sync_failures); ' +
          `row level security is now on for ${DATASET_TABLES.join(', ')}: an app that reads them through Supabase's Data API needs a grant and a policy (README, "Tables, RLS and the Data API")`,
      );
      expect((await doctorDatabase(env)).ok).toBe(true);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
      await cleanup();
    }
  });

  it('leaves a record in our layout alone when it holds rows that are not ours', async () => {
    const store = await openTestStore(kind, { migrate: false });
    try {
      await store.query(`CREATE TABLE schema_migrations (version text PRIMARY KEY, name text, applied_at timestamptz DEFAULT now())`);
      await store.query(`INSERT INTO schema_migrations (version, name) VALUES ('0001', 'core'), ('20240101120000', 'create_users')`);
      const record = await fingerprint(store, 'public.schema_migrations');
      const result = await migrate(store);
      expect(result.legacyUpgrade).toBeUndefined();
      expect(result.applied).toEqual((await loadMigrations()).map((m) => m.file));
      expect(await fingerprint(store, 'public.schema_migrations')).toEqual(record);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(storeBackends().includes('postgres'))('upgrade of the earlier layout on postgres', () => {
  it('happens exactly once when two processes migrate at once', async () => {
    const db = await createTestDatabase();
    const stores = await Promise.all([1, 2].map(() => openStore({ databaseUrl: db.url })));
    try {
      await legacyDatabase(stores[0]);
      const results = await Promise.all(stores.map((s) => migrate(s)));
      expect(results.filter((r) => r.legacyUpgrade)).toHaveLength(1);
      expect(await readState(stores[1], 'gmail_history_id')).toBe('4711');
      expect((await stores[1].query(`SELECT count(*)::int AS n FROM jarvis_sync.sync_links`)).rows[0].n).toBe(1);
      expect((await stores[1].query(`SELECT to_regclass('public.schema_migrations') AS r`)).rows[0].r).toBeNull();
    } finally {
      await Promise.all(stores.map((s) => s.close()));
      await db.drop();
    }
  });
});
