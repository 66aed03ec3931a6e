/**
 * Older API versions (2022-06-28, 2021-08-16), as tools like notion2pg (Python, httpx) use them:
 * GET /v1/databases/:id returns the schema, POST /v1/databases/:id/query pages through rows.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOOKS_DB, BOOKS_DS, NOTES_DB, raw, smallSeed, start, type Started } from './helpers.ts';

let t: Started;
beforeEach(async () => {
  t = await start({ seed: smallSeed() });
});
afterEach(async () => {
  await t.emulator.close();
});

const compact = (id: string) => id.replace(/-/g, '');

describe.each(['2021-08-16', '2022-06-28'])('Notion-Version %s', (version) => {
  it('GET /v1/databases/:id has the old shape with properties (name duplicated in each)', async () => {
    const r = await raw(t.url, 'GET', `/v1/databases/${compact(BOOKS_DB)}`, { version });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ object: 'database', id: BOOKS_DB, archived: false, in_trash: false });
    expect(r.json.data_sources).toBeUndefined();
    for (const [name, prop] of Object.entries<any>(r.json.properties)) expect(prop.name).toBe(name);
    const notes = await raw(t.url, 'GET', `/v1/databases/${NOTES_DB}`, { version });
    expect(notes.json.properties.Book.relation).toEqual({ database_id: BOOKS_DB, type: 'single_property', single_property: {} });
  });

  it('POST /v1/databases/:id/query pages through rows with a database_id parent, notion2pg-style', async () => {
    for (let i = 0; i < 130; i++) t.emulator.createPage(BOOKS_DS, { Title: { title: [{ text: { content: `B${i}` } }] } });
    const query: any = { sorts: [{ timestamp: 'created_time', direction: 'descending' }], page_size: 64 };
    const rows: any[] = [];
    let hasMore = true;
    while (hasMore) {
      const r = await raw(t.url, 'POST', `/v1/databases/${compact(BOOKS_DB)}/query`, { version, body: JSON.stringify(query) });
      expect(r.status).toBe(200);
      expect(r.json.object).toBe('list');
      rows.push(...r.json.results);
      hasMore = r.json.has_more;
      query.start_cursor = r.json.next_cursor;
    }
    expect(rows).toHaveLength(132);
    expect(rows[0].parent).toEqual({ type: 'database_id', database_id: BOOKS_DB });
    expect(rows[0]).toHaveProperty('archived', false);
    expect(rows.at(-1).properties.Title.title[0].plain_text).toBe('Dune');
    expect(rows.at(-1).properties.Finished).toEqual({ id: expect.any(String), type: 'date', date: null });
  });

  it('creates a page under a database_id parent and trashes it with `archived`', async () => {
    const created = await raw(t.url, 'POST', '/v1/pages', {
      version,
      body: JSON.stringify({ parent: { database_id: BOOKS_DB }, properties: { Title: { title: [{ text: { content: 'Old API' } }] } } }),
    });
    expect(created.status).toBe(200);
    expect(created.json.parent).toEqual({ type: 'database_id', database_id: BOOKS_DB });
    const trashed = await raw(t.url, 'PATCH', `/v1/pages/${created.json.id}`, { version, body: JSON.stringify({ archived: true }) });
    expect(trashed.json).toMatchObject({ archived: true, in_trash: true });
  });

  it('search returns databases rather than data sources', async () => {
    const r = await raw(t.url, 'POST', '/v1/search', { version, body: JSON.stringify({ filter: { property: 'object', value: 'database' } }) });
    expect(r.json.results.map((x: any) => x.object)).toEqual(['database', 'database']);
  });
});

describe('version boundaries', () => {
  it('the old database query endpoint is gone in 2025-09-03', async () => {
    const r = await raw(t.url, 'POST', `/v1/databases/${BOOKS_DB}/query`, { version: '2025-09-03', body: '{}' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe('invalid_request_url');
  });

  it('a second data source breaks old-version access to its database, as in Notion', async () => {
    const c = t.clientFor('2025-09-03');
    await c.dataSources.create({ parent: { database_id: BOOKS_DB }, properties: { Name: { title: {} } }, title: [{ text: { content: 'Books 2' } }] });
    const db: any = await c.databases.retrieve({ database_id: BOOKS_DB });
    expect(db.data_sources).toHaveLength(2);
    const old = await raw(t.url, 'POST', `/v1/databases/${BOOKS_DB}/query`, { version: '2022-06-28', body: '{}' });
    expect(old.status).toBe(400);
    expect(old.json.code).toBe('validation_error');
    await expect(c.pages.create({ parent: { database_id: BOOKS_DB }, properties: {} })).rejects.toMatchObject({ code: 'validation_error' });
  });
});
