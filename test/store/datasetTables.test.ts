/**
 * The dataset tables generated from the descriptors (src/store/datasetTables.ts): on a fresh
 * database they are exactly what the hand-written 0002_datasets.sql of the earlier release made
 * (test/fixtures/legacy-migrations, that file as it shipped), plus row level security; the
 * config's table and column renames are honoured; the type rules hold case by case.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { defaultDatasets, presetDatasets } from '../../src/datasets/index.ts';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { keyedSpecOf } from '../../src/engine/google/applyKeyedRows.ts';
import { eventToRow } from '../../src/engine/google/calendarRows.ts';
import { messageToRow } from '../../src/engine/google/gmailRows.ts';
import { columnTypeProblem, relationName, tableSpec, type ActualColumn, type ColumnSpec } from '../../src/store/datasetTables.ts';
import { migrate, type Store } from '../../src/store/index.ts';
import { createHarness, dataset } from '../helpers/harness.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

const LEGACY_TABLES = ['meetings', 'tasks', 'reflections', 'journals', 'books', 'highlights', 'contacts', 'calendar_events', 'emails'];
const legacySql = (file: string) => readFileSync(new URL(`../fixtures/legacy-migrations/${file}`, import.meta.url), 'utf8');

/** Everything about these tables a migration decides: columns, indexes, constraints, triggers, RLS. */
async function schemaOf(store: Store, tables: string[]) {
  const columns = await store.query(
    `SELECT table_name, ordinal_position, column_name, data_type, udt_name, is_nullable, column_default
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
      ORDER BY table_name, ordinal_position`,
    [tables],
  );
  const indexes = await store.query(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY($1::text[]) ORDER BY indexname`, [tables]);
  const constraints = await store.query(
    `SELECT c.relname AS table_name, k.conname, k.contype::text, pg_get_constraintdef(k.oid) AS def
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relname = ANY($1::text[]) ORDER BY k.conname`,
    [tables],
  );
  // One row per trigger, its events joined ('INSERT OR UPDATE'): information_schema lists one per event.
  // The change triggers of the two-way tables (0007_row_changes.sql) are not the tables' own: test/store/rowChanges.test.ts.
  const triggers = await store.query(
    `SELECT event_object_table, trigger_name, string_agg(event_manipulation, ' OR ' ORDER BY event_manipulation) AS events, action_timing, action_orientation, action_statement
       FROM information_schema.triggers WHERE trigger_schema = current_schema() AND event_object_table = ANY($1::text[])
        AND action_statement NOT LIKE '%record_row_changes%'
      GROUP BY event_object_table, trigger_name, action_timing, action_orientation, action_statement ORDER BY trigger_name`,
    [tables],
  );
  const rls = await store.query(`SELECT relname, relrowsecurity FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relname = ANY($1::text[]) ORDER BY relname`, [tables]);
  return { columns: columns.rows, indexes: indexes.rows, constraints: constraints.rows, triggers: triggers.rows, rls: rls.rows };
}

describe.each(storeBackends())('generated dataset tables on %s', (kind) => {
  let fresh: Store;
  let legacy: Store;
  beforeAll(async () => {
    [fresh, legacy] = await Promise.all([openTestStore(kind), openTestStore(kind, { migrate: false })]);
    // The database the earlier release made: its two migration files, as shipped.
    await legacy.exec!(legacySql('0001_core.sql'));
    await legacy.exec!(legacySql('0002_datasets.sql'));
  });
  afterAll(async () => {
    await fresh?.close();
    await legacy?.close();
  });

  it('are the tables 0002_datasets.sql made: same columns in the same order, types, defaults, nullability, indexes, constraints, triggers (now also on INSERT)', async () => {
    const ours = await schemaOf(fresh, LEGACY_TABLES);
    const theirs = await schemaOf(legacy, LEGACY_TABLES);
    expect(ours.columns.length).toBe(132);
    expect(ours.columns).toEqual(theirs.columns);
    expect(ours.indexes.length).toBe(36);
    expect(ours.indexes).toEqual(theirs.indexes);
    expect(ours.constraints).toEqual(theirs.constraints);
    // Same triggers; the function moved into schema jarvis_sync, and since 0004 they fire on INSERT
    // too (filling an updated_at an insert leaves NULL).
    const strip = (rows: any[]) => rows.map(({ action_statement: _s, events: _e, ...rest }) => rest);
    expect(strip(ours.triggers)).toEqual(strip(theirs.triggers));
    expect(ours.triggers).toHaveLength(9);
    for (const t of ours.triggers) expect([t.action_statement, t.events]).toEqual(['EXECUTE FUNCTION jarvis_sync.set_updated_at()', 'INSERT OR UPDATE']);
    for (const t of theirs.triggers) expect([t.action_statement, t.events]).toEqual(['EXECUTE FUNCTION jarvis_set_updated_at()', 'UPDATE']);
  });

  it('have row level security on, which the earlier release did not turn on, and are recorded as created', async () => {
    expect((await schemaOf(fresh, LEGACY_TABLES)).rls.every((r: any) => r.relrowsecurity === true)).toBe(true);
    expect((await schemaOf(legacy, LEGACY_TABLES)).rls.some((r: any) => r.relrowsecurity === true)).toBe(false);
    const { rows } = await fresh.query(`SELECT table_schema, table_name, dataset, how FROM jarvis_sync.owned_tables ORDER BY table_name`);
    expect(rows).toEqual(
      presetDatasets.map((d) => ({ table_schema: 'public', table_name: d.table, dataset: d.name, how: 'created' })).sort((a, b) => a.table_name.localeCompare(b.table_name)),
    );
  });

  it('honour the config: a renamed table and column are created under their names, with their own index and trigger names, and a sync writes there', async () => {
    const store = await openTestStore(kind, { migrate: false });
    try {
      const config = loadConfig({
        env: {},
        cwd: '/nonexistent-jarvis-test-cwd',
      });
      const renamed = config.datasets.map((d) =>
        d.name === 'books' ? { ...d, table: 'my_books', fields: d.fields.map((f) => (f.field === 'author' ? { ...f, column: 'writer' } : f)) } : d,
      );
      await migrate(store, { datasets: renamed });
      const { rows: tables } = await store.query(`SELECT to_regclass('books') AS books, to_regclass('my_books') AS mine`);
      expect(tables[0]).toEqual({ books: null, mine: 'my_books' });
      const schema = await schemaOf(store, ['my_books']);
      expect(schema.columns.map((c: any) => c.column_name)).toEqual([
        'id', 'title', 'writer', 'status', 'rating', 'finished_at', 'url', 'tags',
        'notion_page_id', 'notion_updated_at', 'last_sync_source', 'created_at', 'updated_at', 'deleted_at',
      ]);
      expect(schema.indexes.map((i: any) => i.indexname).sort()).toEqual(['my_books_notion_page_id_key', 'my_books_pkey', 'my_books_updated_at_idx']);
      expect(schema.triggers.map((t: any) => t.trigger_name)).toEqual(['my_books_set_updated_at']);
      expect(schema.rls).toEqual([{ relname: 'my_books', relrowsecurity: true }]);
      const { rows: owned } = await store.query(`SELECT table_name, dataset, how FROM jarvis_sync.owned_tables WHERE dataset = 'books'`);
      expect(owned).toEqual([{ table_name: 'my_books', dataset: 'books', how: 'created' }]);

      const h = await createHarness(store, { books: 3 });
      try {
        const books = { ...dataset(h, 'books'), table: 'my_books', fields: dataset(h, 'books').fields.map((f) => (f.field === 'author' ? { ...f, column: 'writer' } : f)) };
        const result = await runOneWay(h.ctx, books, {});
        expect(result.status, result.message).toBe('success');
        const { rows } = await store.query(`SELECT count(*)::int AS n, count(writer)::int AS writers FROM my_books`);
        expect(rows[0].n).toBe(3);
        expect(rows[0].writers).toBeGreaterThan(0);
      } finally {
        await h.close();
      }
    } finally {
      await store.close();
    }
  });

  it('adds a newly described column, index and trigger to a table jarvis-sync created, and nothing else', async () => {
    const store = await openTestStore(kind);
    try {
      await store.query(`INSERT INTO journals (title, notion_page_id) VALUES ('kept', 'page-1')`);
      // The next release describes one more field and one more index.
      const journals = presetDatasets.find((d) => d.name === 'journals')!;
      const next = {
        ...journals,
        fields: [...journals.fields, { field: 'weather', property: 'Weather', kind: 'select' as const, column: 'weather', columnType: 'text' as const }],
        indexes: [{ on: 'date' }],
      };
      await store.query(`DROP TRIGGER journals_set_updated_at ON journals`);
      await migrate(store, { datasets: defaultDatasets().map((d) => (d.name === 'journals' ? next : d)) });
      const schema = await schemaOf(store, ['journals']);
      expect(schema.columns.map((c: any) => `${c.column_name} ${c.udt_name}`).slice(-2)).toEqual(['deleted_at timestamptz', 'weather text']);
      expect(schema.indexes.map((i: any) => i.indexname)).toContain('journals_date_idx');
      expect(schema.triggers.map((t: any) => t.trigger_name)).toEqual(['journals_set_updated_at']);
      expect((await store.query(`SELECT title, weather FROM journals`)).rows).toEqual([{ title: 'kept', weather: null }]);
      // Done once: the next migrate finds nothing to do.
      const before = await schemaOf(store, ['journals']);
      await migrate(store, { datasets: defaultDatasets().map((d) => (d.name === 'journals' ? next : d)) });
      expect(await schemaOf(store, ['journals'])).toEqual(before);
    } finally {
      await store.close();
    }
  });
});

describe('the descriptors', () => {
  it('are what the Google steps write: the rows they build have exactly the definition\'s columns, the key among them', () => {
    const config = loadConfig({ env: {}, cwd: '/nonexistent-jarvis-test-cwd' });
    const event = eventToRow({ id: 'e1', status: 'confirmed', start: { dateTime: '2026-05-07T09:00:00Z' }, end: { dateTime: '2026-05-07T10:00:00Z' } }, 'primary');
    const message = messageToRow({ id: 'm1', threadId: 't1', internalDate: '1778144400000', payload: { headers: [{ name: 'From', value: 'Ada <ada@example.com>' }] } });
    for (const [name, row] of [['calendar', event], ['gmail', message]] as const) {
      const spec = keyedSpecOf(config.datasets.find((d) => d.name === name)!);
      // contact_ids is linked by the run after the row is built (contactLinks.ts).
      expect([name, Object.keys(row).sort()]).toEqual([name, [spec.keyColumn, ...Object.keys(spec.columns)].filter((c) => c !== 'contact_ids').sort()]);
      const table = tableSpec(presetDatasets.find((d) => d.name === name)!);
      for (const [column, type] of Object.entries(spec.columns)) expect(table.columns.find((c) => c.name === column)?.type, column).toBe(type);
    }
  });

  it('refuse a descriptor that maps two fields to one column', () => {
    const books = presetDatasets.find((d) => d.name === 'books')!;
    const clash = { ...books, fields: books.fields.map((f) => (f.field === 'author' ? { ...f, column: 'title' } : f)) };
    expect(() => tableSpec(clash)).toThrow('dataset books: column "title" of table books is used twice; map the fields to distinct columns (datasets.books.columns)');
  });

  it('keep index and trigger names within 63 characters and distinct for long table names', () => {
    const table = 'a'.repeat(60);
    const names = [relationName(table, '_notion_page_id_key'), relationName(table, '_updated_at_idx'), relationName(table, '_set_updated_at')];
    for (const n of names) expect(n.length).toBeLessThanOrEqual(63);
    expect(new Set(names).size).toBe(3);
    expect(relationName('books', '_updated_at_idx')).toBe('books_updated_at_idx');
  });
});

describe('column type rules', () => {
  const meetings = tableSpec(presetDatasets.find((d) => d.name === 'meetings')!);
  const books = tableSpec(presetDatasets.find((d) => d.name === 'books')!);
  const tasks = tableSpec(presetDatasets.find((d) => d.name === 'tasks')!);
  const col = (spec: ReturnType<typeof tableSpec>, name: string): ColumnSpec => spec.columns.find((c) => c.name === name)!;
  const actual = (base: string, opts: Partial<ActualColumn> = {}): ActualColumn => ({
    name: 'x', type: base, base, isArray: false, typmod: -1, notNull: false, hasDefault: false, identity: '', generated: '', ...opts,
  });

  it('text fields: text, varchar without length and citext fit; varchar(n) and char(n) do not', () => {
    const title = col(meetings, 'title');
    expect(columnTypeProblem(title, actual('text'))).toBeNull();
    expect(columnTypeProblem(title, actual('varchar', { type: 'character varying' }))).toBeNull();
    expect(columnTypeProblem(title, actual('citext'))).toBeNull();
    expect(columnTypeProblem(title, actual('varchar', { type: 'character varying(255)', typmod: 259 }))).toBe('values longer than 255 characters would be refused');
    expect(columnTypeProblem(title, actual('bpchar', { type: 'character(10)', typmod: 14 }))).toBe('char(n) pads and cuts values');
    expect(columnTypeProblem(title, actual('int4', { type: 'integer' }))).toBe('the field title is text');
  });

  it('numbers: numeric without precision and double precision fit; integers, real and numeric(p,s) lose digits', () => {
    const rating = col(books, 'rating');
    expect(columnTypeProblem(rating, actual('numeric'))).toBeNull();
    expect(columnTypeProblem(rating, actual('float8', { type: 'double precision' }))).toBeNull();
    expect(columnTypeProblem(rating, actual('int4', { type: 'integer' }))).toBe('an integer column drops the fraction of a number such as 4.5');
    expect(columnTypeProblem(rating, actual('int8', { type: 'bigint' }))).toBe('an integer column drops the fraction of a number such as 4.5');
    expect(columnTypeProblem(rating, actual('float4', { type: 'real' }))).toBe('real keeps only about 6 significant digits');
    expect(columnTypeProblem(rating, actual('numeric', { type: 'numeric(3,1)', typmod: 196_613 }))).toBe("numeric(3,1) rounds Notion's numbers to its scale and refuses larger ones");
  });

  it('a date field that carries a time needs timestamptz; a calendar-day field needs date', () => {
    const date = col(meetings, 'date');
    expect(columnTypeProblem(date, actual('timestamptz', { type: 'timestamp with time zone' }))).toBeNull();
    expect(columnTypeProblem(date, actual('date'))).toBe('the field date carries a time of day, which a date column drops');
    expect(columnTypeProblem(date, actual('timestamp', { type: 'timestamp without time zone' }))).toBe(
      "timestamp without time zone drops the offset, so times would move with the session's time zone",
    );
    expect(columnTypeProblem(col(meetings, 'end_date'), actual('date'))).toBe("the field date's end carries a time of day, which a date column drops");
    const due = col(tasks, 'due_date');
    expect(columnTypeProblem(due, actual('date'))).toBeNull();
    expect(columnTypeProblem(due, actual('timestamptz', { type: 'timestamp with time zone' }))).toMatch(/^the field due_date is a calendar day; stored as an instant/);
  });

  it('arrays need the array of their element; a scalar is refused, and an array where one value goes', () => {
    const attendees = col(meetings, 'contact_ids');
    expect(columnTypeProblem(attendees, actual('uuid', { type: 'uuid[]', isArray: true }))).toBeNull();
    expect(columnTypeProblem(attendees, actual('uuid'))).toBe('a scalar column cannot hold the several values of the field contact_ids');
    expect(columnTypeProblem(attendees, actual('text', { type: 'text[]', isArray: true }))).toBe('the field contact_ids holds row ids, which are uuids');
    expect(columnTypeProblem(col(books, 'tags'), actual('varchar', { type: 'character varying[]', isArray: true }))).toBeNull();
    expect(columnTypeProblem(col(books, 'title'), actual('text', { type: 'text[]', isArray: true }))).toBe('the field title is one value, not an array');
  });

  it('id must be uuid; the standard columns have their types; created_at is not checked; a generated column cannot be written', () => {
    expect(columnTypeProblem(col(books, 'id'), actual('int8', { type: 'bigint', identity: 'd', notNull: true }))).toBe(
      'jarvis-sync keys rows by uuid (it makes the ids, and Notion pages and its ledger refer to them)',
    );
    expect(columnTypeProblem(col(books, 'notion_page_id'), actual('uuid'))).toBe('its value is text');
    expect(columnTypeProblem(col(books, 'updated_at'), actual('timestamp', { type: 'timestamp without time zone' }))).toMatch(/drops the offset/);
    expect(col(books, 'created_at').checked).toBe(false);
    expect(columnTypeProblem(col(books, 'title'), actual('text', { generated: 's' }))).toBe('it is a generated column, which cannot be written');
  });
});
