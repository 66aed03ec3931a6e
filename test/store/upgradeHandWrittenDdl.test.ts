/**
 * Issue 14, point 1 (and the upgrade test of point 8): a database whose dataset tables were made by
 * the hand-written DDL of earlier releases is upgraded by today's migrate, which generates the
 * tables from the descriptors, without losing anything — every column keeps its name, position,
 * type, nullability and default, every row its values — and then syncs all nine datasets (Notion
 * and Google, the demo's workspace and account on emulators), keeping the rows the old release had
 * linked instead of duplicating them. Two origins: the last hand-written 0002_datasets.sql
 * (test/fixtures/hand-written-ddl: bookkeeping in jarvis_sync, recorded there) and the release
 * before it (test/fixtures/legacy-migrations: bookkeeping in public). A change that cannot be made
 * by adding — a column of another type, a field's `type` changed in the config — stops migrate with
 * the statement to run, having changed nothing; once run, migrate goes on.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunContext } from '../../src/cli/app.ts';
import { startDemoWorkspace, type DemoWorkspace } from '../../src/cli/commands/demo.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { presetDatasets } from '../../src/datasets/index.ts';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import type { RunResult } from '../../src/engine/result.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { DatasetTableError } from '../../src/store/adoptTables.ts';
import { loadMigrations, migrate, type MigrateResult } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

const TABLES = presetDatasets.map((d) => d.table);
const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');
const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** How each origin's release left a database: its migration files, recorded its way. */
const ORIGINS = {
  /** The last hand-written 0002 (git 1ba9413^): 0001 and 0003 as today, recorded in jarvis_sync.schema_migrations. */
  'the last hand-written 0002_datasets.sql': async (store: Store) => {
    const today = await loadMigrations();
    const file = (v: string) => today.find((m) => m.version === v)!.sql;
    await store.exec!(`CREATE SCHEMA jarvis_sync;
      CREATE TABLE jarvis_sync.schema_migrations (version text PRIMARY KEY, name text, applied_at timestamptz DEFAULT now());`);
    for (const [version, name, sql] of [['0001', 'core', file('0001')], ['0002', 'datasets', fixture('hand-written-ddl/0002_datasets.sql')], ['0003', 'leases', file('0003')]]) {
      await store.transaction(async (tx) => {
        await tx.exec!(sql!);
        await tx.query(`INSERT INTO jarvis_sync.schema_migrations (version, name, applied_at) VALUES ($1, $2, '2026-12-01T00:00:00Z')`, [version, name]);
      });
    }
  },
  /** The release before (bookkeeping in public, recorded in public.schema_migrations). */
  'the release before schema jarvis_sync': async (store: Store) => {
    await store.query(`CREATE TABLE schema_migrations (version text PRIMARY KEY, name text, applied_at timestamptz DEFAULT now())`);
    for (const [version, name] of [['0001', 'core'], ['0002', 'datasets']]) {
      await store.transaction(async (tx) => {
        await tx.exec!(fixture(`legacy-migrations/${version}_${name}.sql`));
        await tx.query(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, '2025-01-01T00:00:00Z')`, [version, name]);
      });
    }
  },
};

interface Column {
  table: string;
  attnum: number;
  name: string;
  type: string;
  notnull: boolean;
  default: string | null;
}

async function columnsOf(store: Store): Promise<Column[]> {
  const { rows } = await store.query<Column>(
    `SELECT c.relname AS table, a.attnum, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull,
            pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1::text[]) AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY c.relname, a.attnum`,
    [TABLES],
  );
  return rows;
}

/** A value of every column type the old DDL used, so every column of a row holds something. */
function valueFor(type: string, n: number): string {
  switch (type) {
    case 'uuid':
      return `'${uuid(9000 + n)}'`;
    case 'uuid[]':
      return `ARRAY['${uuid(9100 + n)}', '${uuid(9200 + n)}']::uuid[]`;
    case 'text[]':
      return `ARRAY['kept ${n}', 'Kept@Example.org']`;
    case 'numeric':
      return '4.5';
    case 'boolean':
      return 'true';
    case 'date':
      return `'2025-0${1 + (n % 9)}-15'`;
    case 'timestamp with time zone':
      return `'2025-02-0${1 + (n % 9)}T10:30:00.123Z'`;
    default:
      return `'kept ${type} ${n}'`;
  }
}

describe.each(storeBackends())('on %s', (kind) => {
  describe.each(Object.keys(ORIGINS) as Array<keyof typeof ORIGINS>)('a database made by %s, upgraded by today’s migrate', (origin) => {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-upgrade-'));
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    let store: Store;
    let demo: DemoWorkspace;
    let config: Config;
    let before: { columns: Column[]; rows: Record<string, unknown[]> };
    let migrated: MigrateResult;
    let first: RunResult[];
    let second: RunResult[];
    /** Rows the old release had linked to a Notion page or a Google record (id → its link). */
    const linked: Array<{ table: string; id: string; key: string; value: string }> = [];

    beforeAll(async () => {
      demo = await startDemoWorkspace(loadConfig({ env: { JARVIS_DATA_DIR: dir }, cwd: dir }), { NOTION_REQUESTS_PER_SECOND: '50' }, { clock });
      config = demo.config;
      store = await openTestStore(kind, { migrate: false });
      await ORIGINS[origin](store);

      // One row per table with every column set, soft-deleted: its page is in Notion's trash, its
      // Google record gone (no sync brings it back).
      const old = await columnsOf(store);
      const dataSources: Record<string, string> = {
        contacts: demo.ids.contactsDataSource, meetings: demo.ids.meetingsDataSource, tasks: demo.ids.tasksDataSource, reflections: demo.ids.reflectionsDataSource,
        journals: demo.ids.journalsDataSource, books: demo.ids.booksDataSource, highlights: demo.ids.highlightsDataSource,
      };
      for (const [i, table] of TABLES.entries()) {
        const cols = old.filter((c) => c.table === table);
        let pageId: string | null = null;
        if (dataSources[table]) {
          pageId = demo.emulator.createPage(dataSources[table]!, {}).id;
          demo.emulator.trashPage(pageId, true);
        }
        const values = cols.map((c) => (c.name === 'notion_page_id' ? (pageId ? `'${pageId}'` : 'NULL') : /^google_(event_id|resource_name)$|^gmail_message_id$/.test(c.name) ? `'legacy-${table}'` : valueFor(c.type, i)));
        await store.query(`INSERT INTO ${table} (${cols.map((c) => `"${c.name}"`).join(', ')}) VALUES (${values.join(', ')})`);
      }
      // Rows as the old release left them after a sync: linked to Notion pages and Google records.
      const contactPages = demo.emulator.listPages(demo.ids.contactsDataSource).slice(0, 3);
      for (const [i, page] of contactPages.entries()) {
        const email = (page.properties.Email as any).email as string;
        const name = (page.properties.Name as any).title.map((t: any) => t.plain_text).join('');
        await store.query(`INSERT INTO contacts (id, name, emails, notion_page_id, notion_updated_at, last_sync_source, updated_at) VALUES ($1, $2, $3, $4, $5, 'notion', '2025-06-01T00:00:00Z')`, [
          uuid(i + 1), name, [email], page.id, page.last_edited_time,
        ]);
        linked.push({ table: 'contacts', id: uuid(i + 1), key: 'notion_page_id', value: page.id });
      }
      for (const [i, page] of demo.emulator.listPages(demo.ids.booksDataSource).slice(0, 2).entries()) {
        await store.query(`INSERT INTO books (id, title, notion_page_id, updated_at) VALUES ($1, 'an old title', $2, '2025-06-01T00:00:00Z')`, [uuid(i + 11), page.id]);
        linked.push({ table: 'books', id: uuid(i + 11), key: 'notion_page_id', value: page.id });
      }
      const event = demo.google.calendar.listEvents('primary').find((e) => !e.recurrence && e.status !== 'cancelled')!;
      await store.query(`INSERT INTO calendar_events (id, google_event_id, calendar_id, summary, updated_at) VALUES ($1, $2, 'primary', 'an old summary', '2025-06-01T00:00:00Z')`, [uuid(21), event.id]);
      linked.push({ table: 'calendar_events', id: uuid(21), key: 'google_event_id', value: event.id! });

      const rows: Record<string, unknown[]> = {};
      for (const table of TABLES) rows[table] = (await store.query(`SELECT * FROM ${table} ORDER BY id`)).rows;
      before = { columns: old, rows };

      migrated = await migrate(store, { datasets: datasetsForTables(config.datasets) });
      const ctx = createRunContext(config, store, silentLogger, clock);
      first = await runAll(ctx, { full: true });
      clock.advance(10 * 60_000);
      second = await runAll(ctx, {});
    }, 240_000);

    afterAll(async () => {
      await store?.close();
      await demo?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('keeps every column where it was, with its type, nullability and default: none dropped, none retyped', async () => {
      const after = await columnsOf(store);
      expect(before.columns.length).toBeGreaterThan(100);
      for (const c of before.columns) {
        expect(after.find((a) => a.table === c.table && a.name === c.name), `${c.table}.${c.name}`).toEqual(c);
      }
      // What today's description has beyond the old DDL, if anything, is added, never swapped in.
      for (const a of after) if (!before.columns.some((c) => c.table === a.table && c.name === a.name)) expect(a.attnum, `${a.table}.${a.name}`).toBeGreaterThan(Math.max(...before.columns.filter((c) => c.table === a.table).map((c) => c.attnum)));
    });

    it('keeps every row with its values, and records the tables as jarvis-sync’s (legacy); a second migrate changes nothing', async () => {
      for (const table of TABLES) {
        const kept = before.rows[table]!.filter((r: any) => r.deleted_at !== null);
        const cols = Object.keys(kept[0] as object).map((c) => `"${c}"`).join(', ');
        const { rows } = await store.query(`SELECT ${cols} FROM ${table} WHERE deleted_at IS NOT NULL ORDER BY id`);
        expect(rows, table).toEqual(kept);
      }
      const { rows: owned } = await store.query(`SELECT table_name, how FROM jarvis_sync.owned_tables ORDER BY table_name`);
      expect(owned).toEqual([...TABLES].sort().map((table_name) => ({ table_name, how: 'legacy' })));
      expect(migrated.tables).toMatchObject({ created: [], adopted: [], skipped: [] });
      expect(await migrate(store, { datasets: datasetsForTables(config.datasets) })).toEqual({ applied: [], tables: { created: [], adopted: [], completed: [], skipped: [] } });
    });

    it('then syncs all nine datasets with Google: the rows the old release linked keep their ids, nothing is duplicated, a second run writes nothing', async () => {
      for (const r of first) expect(r.status, `${r.dataset}: ${r.message} ${JSON.stringify(r.errors.slice(0, 2))}`).toBe('success');
      expect(new Set(first.map((r) => r.dataset))).toEqual(new Set([...presetDatasets.map((d) => d.name), 'contacts_google']));
      for (const l of linked) {
        const { rows } = await store.query(`SELECT id FROM ${l.table} WHERE ${l.key} = $1 AND deleted_at IS NULL`, [l.value]);
        expect(rows, `${l.table} ${l.value}`).toEqual([{ id: l.id }]);
      }
      const live = async (table: string) => (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE deleted_at IS NULL`)).rows[0]!.n;
      expect(await live('books')).toBe(demo.emulator.listPages(demo.ids.booksDataSource).length);
      expect(await live('meetings')).toBe(demo.emulator.listPages(demo.ids.meetingsDataSource).length);
      const { rows: dupes } = await store.query(`SELECT google_event_id FROM calendar_events GROUP BY 1 HAVING count(*) > 1`);
      expect(dupes).toEqual([]);
      // Contacts: one row and one Notion page per person, the three old rows among them.
      const people = demo.google.people.listPeople();
      const pages = demo.emulator.listPages(demo.ids.contactsDataSource);
      expect(await live('contacts')).toBe(pages.length);
      expect(pages.length).toBe(new Set(pages.map((p) => String((p.properties.Email as any)?.email).toLowerCase())).size);
      expect(pages.length).toBeGreaterThanOrEqual(people.length);
      // The old values were replaced by Notion's and Google's.
      expect((await store.query(`SELECT count(*)::int AS n FROM books WHERE title = 'an old title'`)).rows[0]).toEqual({ n: 0 });
      expect((await store.query(`SELECT summary FROM calendar_events WHERE id = $1`, [uuid(21)])).rows[0]).not.toEqual({ summary: 'an old summary' });
      for (const r of second.filter((x) => x.status !== 'skipped')) {
        expect([r.dataset, r.status, r.created, r.updated, r.deleted, r.restored]).toEqual([r.dataset, 'success', 0, 0, 0, 0]);
      }
    });
  });

  describe('a change that cannot be made by adding', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-upgrade-refuse-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const configWith = (file: object) => {
      writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(file));
      return loadConfig({ env: {}, cwd: dir });
    };
    const books = async (store: Store) => (await store.query(`SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) AS c FROM pg_attribute a WHERE a.attrelid = 'books'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`)).rows.map((r: any) => r.c);

    it('a column of the old DDL whose type no longer fits (books.rating as integer) stops migrate with the ALTER TABLE to run; run, migrate goes on', async () => {
      const store = await openTestStore(kind, { migrate: false });
      try {
        await ORIGINS['the last hand-written 0002_datasets.sql'](store);
        await store.exec!(`ALTER TABLE books ALTER COLUMN rating TYPE integer; INSERT INTO books (title, rating) VALUES ('Dune', 5);`);
        const columns = await books(store);
        const error = (await migrate(store).catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(DatasetTableError);
        expect(error.message).toContain('table books (dataset books): its columns do not fit what jarvis-sync reads and writes.');
        expect(error.message).toContain('- rating is integer, jarvis-sync needs numeric: an integer column drops the fraction of a number such as 4.5.');
        const fix = /fix: (ALTER TABLE "books" ALTER COLUMN "rating" TYPE numeric USING "rating"::numeric);/.exec(error.message)?.[1];
        expect(fix, error.message).toBeDefined();
        expect(await books(store)).toEqual(columns); // nothing retyped or added by jarvis-sync
        await store.query(fix!);
        await migrate(store);
        expect(await books(store)).toContain('rating numeric');
        expect((await store.query(`SELECT title, rating FROM books`)).rows).toEqual([{ title: 'Dune', rating: 5 }]);
      } finally {
        await store.close();
      }
    });

    it('a field whose type changed in the config stops migrate with the ALTER TABLE to run, or a new column; run, migrate goes on', async () => {
      const store = await openTestStore(kind, { migrate: false });
      try {
        const numeric = configWith({ datasets: { books: { fields: { pages: { property: 'Pages', type: 'numeric' } } } } });
        await migrate(store, { datasets: datasetsForTables(numeric.datasets) });
        await store.query(`INSERT INTO books (title, pages) VALUES ('Dune', 412)`);
        expect(await books(store)).toContain('pages numeric');

        const text = configWith({ datasets: { books: { fields: { pages: { property: 'Pages', type: 'text' } } } } });
        const error = (await migrate(store, { datasets: datasetsForTables(text.datasets) }).catch((e: unknown) => e)) as Error;
        expect(error).toBeInstanceOf(DatasetTableError);
        expect(error.message).toContain('- pages is numeric, jarvis-sync needs text: the field pages is text.');
        const fix = /fix: (ALTER TABLE "books" ALTER COLUMN "pages" TYPE text USING "pages"::text);/.exec(error.message)?.[1];
        expect(fix, error.message).toBeDefined();
        expect(await books(store)).toContain('pages numeric');
        await store.query(fix!);
        await migrate(store, { datasets: datasetsForTables(text.datasets) });
        expect((await store.query(`SELECT pages FROM books`)).rows).toEqual([{ pages: '412' }]);
      } finally {
        await store.close();
      }
    });
  });
});
