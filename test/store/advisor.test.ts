/**
 * Supabase's security advisor on a migrated database: the conditions of its lints
 * rls_disabled_in_public (0013) and function_search_path_mutable (0011) — the open-source splinter
 * lint set, https://supabase.com/docs/guides/database/database-linter — restated here as queries of
 * our own, report nothing for jarvis-sync's objects.
 *
 * On PGlite, where roles are local to the instance, the API roles anon and authenticated exist with
 * Supabase's old default privileges (everything new in public granted to them), and the test shows
 * what that means: they can read none of jarvis-sync's tables, row level security is what stops a
 * role that holds a grant, and the README's grant + policy opens one table to an app. The shared
 * PostgreSQL server gets no roles; there 0013's role condition is replaced by `true`, which makes
 * it stricter (every table without RLS is reported, whoever may read it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, writeState, writeSyncLog, type Sql, type Store } from '../../src/store/index.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

interface Finding {
  name: string;
  detail: string;
  metadata: { schema: string; name: string; type: string };
}

const ROLE_CONDITION = `pg_catalog.has_table_privilege('anon', c.oid, 'SELECT')
        or pg_catalog.has_table_privilege('authenticated', c.oid, 'SELECT')`;

/**
 * rls_disabled_in_public: a table (relkind r) in a schema PostgREST exposes (pgrst.db_schemas,
 * default public) that the API roles may read, without row level security.
 */
function rlsDisabledInPublic(withoutRoles: boolean): string {
  return `SELECT 'rls_disabled_in_public' AS name,
                 format('Table \`%s.%s\` is public, but RLS has not been enabled.', n.nspname, c.relname) AS detail,
                 jsonb_build_object('schema', n.nspname, 'name', c.relname, 'type', 'table') AS metadata
            FROM pg_catalog.pg_class c
            JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'r'
             AND NOT c.relrowsecurity
             AND n.nspname = ANY (string_to_array(replace(coalesce(nullif(current_setting('pgrst.db_schemas', true), ''), 'public'), ' ', ''), ','))
             AND (${withoutRoles ? 'true' : ROLE_CONDITION})`;
}

/**
 * function_search_path_mutable: a function outside the system and Supabase-managed schemas, not
 * owned by an extension, whose configuration does not fix search_path.
 */
const FUNCTION_SEARCH_PATH_MUTABLE = `SELECT 'function_search_path_mutable' AS name,
         format('Function \`%s.%s\` has a role mutable search_path', n.nspname, p.proname) AS detail,
         jsonb_build_object('schema', n.nspname, 'name', p.proname, 'type', 'function') AS metadata
    FROM pg_catalog.pg_proc p
    JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'auth', 'storage', 'realtime', 'extensions', 'graphql', 'graphql_public', 'vault', 'pgsodium', 'supabase_functions', 'supabase_migrations', 'cron', 'net', 'pgbouncer')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
     AND NOT EXISTS (SELECT 1 FROM unnest(coalesce(p.proconfig, '{}')) AS cfg WHERE cfg LIKE 'search_path=%')`;

const LINTS = (withoutRoles: boolean) => [rlsDisabledInPublic(withoutRoles), FUNCTION_SEARCH_PATH_MUTABLE];

/**
 * Findings of the lints about schemas public and jarvis_sync. PostgREST's exposed schemas are
 * public (and graphql_public) on Supabase; jarvis_sync is added so its tables are held to the
 * same rule.
 */
async function advisor(sql: Sql, withoutRoles: boolean): Promise<Finding[]> {
  const findings: Finding[] = [];
  await sql.transaction(async (tx) => {
    await tx.query(`SELECT set_config('pgrst.db_schemas', 'public, graphql_public, jarvis_sync', true)`);
    for (const q of LINTS(withoutRoles)) findings.push(...(await tx.query<Finding>(`SELECT name, detail, metadata FROM (${q}) AS l`)).rows);
  });
  return findings.filter((f) => ['public', 'jarvis_sync'].includes(f.metadata.schema));
}

class Rollback extends Error {}

/** Runs fn in a transaction that is always rolled back: grants, policies and role switches vanish. */
async function rolledBack(store: Store, fn: (tx: Sql) => Promise<void>): Promise<void> {
  await store
    .transaction(async (tx) => {
      await fn(tx);
      throw new Rollback();
    })
    .catch((e) => {
      if (!(e instanceof Rollback)) throw e;
    });
}

/** `text` run as `role` (in its own transaction, rolled back), with the grants/policies `setup` adds first. */
async function asRole(store: Store, role: string, text: string, setup: string[] = []): Promise<unknown[]> {
  let rows: unknown[] = [];
  await rolledBack(store, async (tx) => {
    for (const s of setup) await tx.query(s);
    await tx.query(`SET LOCAL ROLE ${role}`);
    rows = (await tx.query(text)).rows;
  });
  return rows;
}

/** A table without RLS and a function without a fixed search_path, to show the lints do see such things. */
const OFFENDERS = [
  `CREATE TABLE public.advisor_probe (x int)`,
  `CREATE FUNCTION public.advisor_probe_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
];

describe.each(storeBackends())('Supabase security advisor on %s', (kind) => {
  const withRoles = kind === 'pglite';
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind, { migrate: false });
    if (withRoles) {
      // Supabase's API roles with the default privileges older projects still have.
      await store.query(`CREATE ROLE anon NOLOGIN`);
      await store.query(`CREATE ROLE authenticated NOLOGIN`);
      await store.query(`GRANT USAGE ON SCHEMA public TO anon, authenticated`);
      await store.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated`);
      await store.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated`);
      await store.query(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated`);
    }
    await migrate(store);
    await store.query(`INSERT INTO books (title) VALUES ('Dune')`);
    await writeState(store, 'google_refresh_token_hint', 'secret-ish');
    await writeSyncLog(store, { eventType: 'books_sync', status: 'success', message: 'ok' });
  });
  afterAll(async () => store?.close());

  it('finds nothing in what jarvis-sync created', async () => {
    expect(await advisor(store, !withRoles)).toEqual([]);
  });

  it('would find a table without RLS and a function with a mutable search_path (the lints are not vacuous)', async () => {
    await rolledBack(store, async (tx) => {
      for (const s of OFFENDERS) await tx.query(s);
      const findings: Finding[] = [];
      await tx.query(`SELECT set_config('pgrst.db_schemas', 'public, jarvis_sync', true)`);
      for (const q of LINTS(!withRoles)) findings.push(...(await tx.query<Finding>(`SELECT name, detail, metadata FROM (${q}) AS l`)).rows);
      expect(findings.map((f) => `${f.name} ${f.metadata.schema}.${f.metadata.name}`).sort()).toEqual([
        'function_search_path_mutable public.advisor_probe_fn',
        'rls_disabled_in_public public.advisor_probe',
      ]);
    });
  });

  describe.runIf(withRoles)("Supabase's API roles", () => {
    const READS = ['SELECT * FROM jarvis_sync.sync_state', 'SELECT * FROM public.books', 'SELECT * FROM public.sync_logs', 'SELECT * FROM public.sync_state'];

    it('can read none of it, though default privileges granted them every new table in public', async () => {
      for (const role of ['anon', 'authenticated']) {
        for (const q of READS) await expect(asRole(store, role, q), `${role}: ${q}`).rejects.toThrow(/permission denied/);
      }
      // The setup did grant: a table created the same way but not by jarvis-sync is readable.
      expect(await asRole(store, 'anon', 'SELECT * FROM public.other_tool', ['CREATE TABLE public.other_tool (x int)', 'INSERT INTO public.other_tool VALUES (1)'])).toEqual([{ x: 1 }]);
    });

    it('row level security is what stops a role that holds a grant', async () => {
      const grant = 'GRANT SELECT ON public.books TO anon';
      expect(await asRole(store, 'anon', 'SELECT title FROM public.books', [grant])).toEqual([]);
      expect(await asRole(store, 'anon', 'SELECT title FROM public.books', [grant, 'ALTER TABLE public.books DISABLE ROW LEVEL SECURITY'])).toEqual([{ title: 'Dune' }]);
      // Through the view too: security_invoker applies the table's RLS to the reader.
      const throughView = ['GRANT USAGE ON SCHEMA jarvis_sync TO anon', 'GRANT SELECT ON jarvis_sync.sync_logs, public.sync_logs TO anon'];
      expect(await asRole(store, 'anon', 'SELECT message FROM sync_logs', throughView)).toEqual([]);
      expect(await asRole(store, 'anon', 'SELECT message FROM sync_logs', [...throughView, 'ALTER TABLE jarvis_sync.sync_logs DISABLE ROW LEVEL SECURITY'])).toEqual([{ message: 'ok' }]);
    });

    it("the README's grant and policy let an app's signed-in users read one table, and nothing else", async () => {
      const readme = [
        'grant select on public.books to authenticated',
        'create policy "read" on public.books for select to authenticated using (true)',
      ];
      expect(await asRole(store, 'authenticated', 'SELECT title FROM public.books', readme)).toEqual([{ title: 'Dune' }]);
      await expect(asRole(store, 'anon', 'SELECT title FROM public.books', readme)).rejects.toThrow(/permission denied/);
      await expect(asRole(store, 'authenticated', 'SELECT * FROM public.tasks', readme)).rejects.toThrow(/permission denied/);
      // The policy alone is not enough: jarvis-sync's tables carry no grants.
      await expect(asRole(store, 'authenticated', 'SELECT title FROM public.books', readme.slice(1))).rejects.toThrow(/permission denied/);
    });
  });
});
