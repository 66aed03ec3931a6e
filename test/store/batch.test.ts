import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countActive, selectRowsByKeys, softDeleteByKeys, upsertRows, type ColumnType, type Store, type UpsertSpec } from '../../src/store/index.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const BOOKS: UpsertSpec = {
  table: 'books',
  keyColumn: 'notion_page_id',
  columns: { title: 'text', author: 'text', rating: 'numeric', finished_at: 'date', tags: 'text[]', notion_updated_at: 'timestamptz', deleted_at: 'timestamptz' },
};
const book = (n: number, over: Record<string, unknown> = {}) => ({
  notion_page_id: `page-${n}`,
  title: `Book ${n}`,
  author: 'A. Author',
  rating: 4.5,
  finished_at: '2024-01-05',
  tags: ['x', 'y'],
  notion_updated_at: '2024-01-05T10:00:00.000Z',
  deleted_at: null,
  ...over,
});

describe.each(storeBackends())('batched writers on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => resetTables(store));

  const readBook = async (key: string) => (await store.query('SELECT * FROM books WHERE notion_page_id = $1', [key])).rows[0];

  it('inserts new rows and returns their ids and keys', async () => {
    const result = await upsertRows(store, BOOKS, [book(1), book(2)]);
    expect(result.map((r) => [r.key, r.inserted])).toEqual([['page-1', true], ['page-2', true]]);
    const row = await readBook('page-1');
    expect(row).toMatchObject({
      id: result[0].id, title: 'Book 1', rating: 4.5, finished_at: '2024-01-05', tags: ['x', 'y'],
      notion_updated_at: new Date('2024-01-05T10:00:00Z'), deleted_at: null,
    });
  });

  it('updates only rows that differ, leaving equal rows (and their updated_at) untouched', async () => {
    await store.query(`INSERT INTO books (notion_page_id, title, author, rating, finished_at, tags, notion_updated_at, updated_at)
      VALUES ('page-1', 'Book 1', 'A. Author', 4.5, '2024-01-05', '{x,y}', '2024-01-05T10:00:00Z', '2020-01-01'),
             ('page-2', 'Book 2', 'A. Author', 4.5, '2024-01-05', '{x,y}', '2024-01-05T10:00:00Z', '2020-01-01')`);
    const result = await upsertRows(store, BOOKS, [book(1), book(2, { title: 'Renamed', tags: ['y', 'x'] })]);
    expect(result.map((r) => [r.key, r.inserted])).toEqual([['page-2', false]]);
    expect(await readBook('page-2')).toMatchObject({ title: 'Renamed', tags: ['y', 'x'] });
    expect((await readBook('page-2')).updated_at.getTime()).toBeGreaterThan(new Date('2020-01-02').getTime());
    expect((await readBook('page-1')).updated_at).toEqual(new Date('2020-01-01T00:00:00Z'));
  });

  it('is a no-op on a second identical upsert: nothing returned, nothing written', async () => {
    await upsertRows(store, BOOKS, [book(1), book(2)]);
    const before = (await store.query('SELECT notion_page_id, updated_at, xmin::text AS v FROM books ORDER BY 1')).rows;
    expect(await upsertRows(store, BOOKS, [book(1), book(2)])).toEqual([]);
    const after = (await store.query('SELECT notion_page_id, updated_at, xmin::text AS v FROM books ORDER BY 1')).rows;
    expect(after).toEqual(before);
  });

  it('treats NULL as a value: setting and clearing a column are changes', async () => {
    await upsertRows(store, BOOKS, [book(1)]);
    expect(await upsertRows(store, BOOKS, [book(1, { rating: null, tags: null })])).toHaveLength(1);
    expect(await readBook('page-1')).toMatchObject({ rating: null, tags: null });
    expect(await upsertRows(store, BOOKS, [book(1, { rating: null, tags: null })])).toEqual([]);
  });

  it('restores a soft-deleted row when deleted_at: null is given', async () => {
    await upsertRows(store, BOOKS, [book(1)]);
    expect(await softDeleteByKeys(store, BOOKS, ['page-1'], new Date('2024-02-01T00:00:00Z'))).toBe(1);
    expect((await readBook('page-1')).deleted_at).toEqual(new Date('2024-02-01T00:00:00Z'));
    const restored = await upsertRows(store, BOOKS, [book(1)]);
    expect(restored).toHaveLength(1);
    expect((await readBook('page-1')).deleted_at).toBeNull();
  });

  it('keeps the last row when a key repeats in one batch', async () => {
    const result = await upsertRows(store, BOOKS, [book(1, { title: 'first' }), book(1, { title: 'last' })]);
    expect(result).toHaveLength(1);
    expect((await readBook('page-1')).title).toBe('last');
  });

  it('writes uuid[] and jsonb columns, with uuid and date objects converted', async () => {
    const contact = '0f6a3c2e-1111-4222-8333-444455556666';
    const spec: UpsertSpec = { table: 'meetings', keyColumn: 'notion_page_id', columns: { title: 'text', date: 'timestamptz', contact_ids: 'uuid[]' } };
    await upsertRows(store, spec, [{ notion_page_id: 'm1', title: 'Standup', date: new Date('2024-03-01T09:00:00Z'), contact_ids: [contact] }]);
    const { rows } = await store.query('SELECT title, date, contact_ids FROM meetings');
    expect(rows).toEqual([{ title: 'Standup', date: new Date('2024-03-01T09:00:00Z'), contact_ids: [contact] }]);
    await upsertRows(store, { table: 'tasks', keyColumn: 'notion_page_id', columns: { due_date: 'date' } }, [{ notion_page_id: 't1', due_date: new Date('2024-03-01') }]);
    expect((await store.query('SELECT due_date FROM tasks')).rows[0].due_date).toBe('2024-03-01');
    await store.query(`CREATE TABLE IF NOT EXISTS json_probe (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), k text UNIQUE, doc jsonb, n integer, ok boolean)`);
    await upsertRows(store, { table: 'json_probe', keyColumn: 'k', columns: { doc: 'jsonb', n: 'integer', ok: 'boolean' } }, [{ k: 'a', doc: { list: [1, { b: 'c' }] }, n: 7, ok: false }]);
    expect((await store.query('SELECT doc, n, ok FROM json_probe')).rows).toEqual([{ doc: { list: [1, { b: 'c' }] }, n: 7, ok: false }]);
  });

  it('uses a given id for new rows only and never changes an existing id', async () => {
    const spec: UpsertSpec = { ...BOOKS, columns: { id: 'uuid', ...BOOKS.columns } };
    const chosen = '11111111-2222-4333-8444-555555555555';
    const [created] = await upsertRows(store, spec, [{ id: chosen, ...book(1) }]);
    expect(created).toEqual({ id: chosen, key: 'page-1', inserted: true });
    const [generated] = await upsertRows(store, spec, [{ id: null, ...book(2) }]);
    expect(generated.id).toMatch(/^[0-9a-f-]{36}$/);
    const [updated] = await upsertRows(store, spec, [{ id: '99999999-2222-4333-8444-555555555555', ...book(1, { title: 'new' }) }]);
    expect(updated).toEqual({ id: chosen, key: 'page-1', inserted: false });
    expect((await readBook('page-1')).id).toBe(chosen);
  });

  it('upserts 10,000 rows in a handful of statements', async () => {
    const rows = Array.from({ length: 10_000 }, (_, i) => book(i));
    const before = store.statementCount;
    const started = performance.now();
    const result = await upsertRows(store, BOOKS, rows);
    const elapsed = performance.now() - started;
    expect(result).toHaveLength(10_000);
    expect(store.statementCount - before).toBe(2); // two chunks of 5,000
    expect(await countActive(store, 'books')).toBe(10_000);
    // A re-run changes nothing; one changed row comes back alone.
    const again = store.statementCount;
    rows[1234] = book(1234, { title: 'changed' });
    const changed = await upsertRows(store, BOOKS, rows);
    expect(changed.map((r) => r.key)).toEqual(['page-1234']);
    expect(store.statementCount - again).toBe(2);
    // Generous bound: the point is "no per-row round trips" (typically 0.1–0.3 s on PGlite).
    expect(elapsed).toBeLessThan(5_000);
  });

  it('selects rows by key in one statement, soft-deleted ones included', async () => {
    await upsertRows(store, BOOKS, [book(1), book(2), book(3)]);
    await softDeleteByKeys(store, BOOKS, ['page-3'], new Date('2024-02-01T00:00:00Z'));
    const before = store.statementCount;
    const found = await selectRowsByKeys(store, { table: 'books', keyColumn: 'notion_page_id', columns: ['id', 'title', 'tags', 'deleted_at'] }, ['page-1', 'page-3', 'page-9', 'page-1']);
    expect(store.statementCount - before).toBe(1);
    expect([...found.keys()].sort()).toEqual(['page-1', 'page-3']);
    expect(found.get('page-1')).toMatchObject({ notion_page_id: 'page-1', title: 'Book 1', tags: ['x', 'y'], deleted_at: null });
    expect(found.get('page-3')!.deleted_at).toEqual(new Date('2024-02-01T00:00:00Z'));
    expect(found.get('page-1')!.id).toMatch(/^[0-9a-f-]{36}$/);
    // The column-type record form works too, and so do uuid keys.
    const byId = await selectRowsByKeys(store, { table: 'books', keyColumn: 'id', columns: { title: 'text' } as Record<string, ColumnType> }, [found.get('page-1')!.id]);
    expect(byId.get(found.get('page-1')!.id)!.title).toBe('Book 1');
    expect((await selectRowsByKeys(store, { table: 'books', keyColumn: 'notion_page_id', columns: ['id'] }, [])).size).toBe(0);
  });

  it('soft-deletes only rows not yet deleted and counts active rows', async () => {
    await upsertRows(store, BOOKS, [book(1), book(2), book(3, { author: 'B' })]);
    expect(await softDeleteByKeys(store, BOOKS, ['page-1', 'page-2', 'page-nope'], new Date())).toBe(2);
    expect(await softDeleteByKeys(store, BOOKS, ['page-1'], new Date())).toBe(0);
    expect(await countActive(store, 'books')).toBe(1);
    expect(await countActive(store, 'books', { author: 'B' })).toBe(1);
    expect(await countActive(store, 'books', { author: 'A. Author' })).toBe(0);
    expect(await countActive(store, 'books', { url: null })).toBe(1);
  });

  it('rejects unsafe identifiers and unknown column types before any SQL runs', async () => {
    const before = store.statementCount;
    await expect(upsertRows(store, { ...BOOKS, table: 'books; DROP TABLE books' }, [book(1)])).rejects.toThrow(/invalid SQL identifier "books; DROP TABLE books"/);
    await expect(upsertRows(store, { ...BOOKS, columns: { 'Title"': 'text' } }, [book(1)])).rejects.toThrow(/invalid SQL identifier/);
    await expect(upsertRows(store, { ...BOOKS, columns: { title: 'text); DROP TABLE x; --' as ColumnType } }, [book(1)])).rejects.toThrow(/unsupported column type/);
    await expect(selectRowsByKeys(store, { table: 'books', keyColumn: 'x y', columns: [] }, ['a'])).rejects.toThrow(/invalid SQL identifier "x y"/);
    await expect(countActive(store, 'Books')).rejects.toThrow(/invalid SQL identifier "Books"/);
    await expect(upsertRows(store, BOOKS, [book(1, { notion_page_id: null })])).rejects.toThrow(/row 0 has no notion_page_id/);
    expect(store.statementCount).toBe(before);
  });

  it('writes all chunks or none when given a transaction', async () => {
    const rows = [book(1), book(2), book(3, { rating: 'not a number' })];
    await expect(store.transaction((tx) => upsertRows(tx, { ...BOOKS, chunkSize: 1 }, rows))).rejects.toThrow();
    expect(await countActive(store, 'books')).toBe(0);
  });
});
