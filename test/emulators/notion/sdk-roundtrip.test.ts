/** The official SDK, unmodified, against the emulator: discovery, CRUD, queries, trash. */
import { isFullPage } from '@notionhq/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BOT_ID, DEFAULT_PERSON_ID } from '../../../emulators/notion/index.ts';
import { BOOKS_DB, BOOKS_DS, NOTES_DS, smallSeed, start, text, title, type Started } from './helpers.ts';

let t: Started;
beforeEach(async () => {
  t = await start({ seed: smallSeed() });
});
afterEach(async () => {
  await t.emulator.close();
});

const plain = (page: any, name: string) => page.properties[name][page.properties[name].type].map((x: any) => x.plain_text).join('');

describe('discovery', () => {
  it('retrieves a database as a container of data sources, then the data source schema', async () => {
    const db: any = await t.client.databases.retrieve({ database_id: BOOKS_DB.replace(/-/g, '').toUpperCase() });
    expect(db.object).toBe('database');
    expect(db.id).toBe(BOOKS_DB);
    expect(db.data_sources).toEqual([{ id: BOOKS_DS, name: 'Books' }]);
    expect(db.properties).toBeUndefined();
    expect(db.archived).toBe(false);

    const ds: any = await t.client.dataSources.retrieve({ data_source_id: db.data_sources[0].id });
    expect(ds.object).toBe('data_source');
    expect(ds.parent).toEqual({ type: 'database_id', database_id: BOOKS_DB });
    expect(ds.properties.Title).toMatchObject({ id: 'title', name: 'Title', type: 'title', title: {} });
    expect(ds.properties.Status.select.options.map((o: any) => o.name)).toEqual(['To Read', 'Reading', 'Finished']);
    expect(ds.properties.Stage.status.options.map((o: any) => o.name)).toEqual(['Not started', 'In progress', 'Done']);
    expect(ds.properties.Key.unique_id).toEqual({ prefix: 'BK' });
    expect(Object.keys(ds.properties)).toEqual(['Title', 'Author', 'Status', 'Pages', 'Done', 'Tags', 'Stage', 'Finished', 'Link', 'Key', 'Echo', 'Edited']);
    const notes: any = await t.client.dataSources.retrieve({ data_source_id: NOTES_DS });
    expect(notes.properties.Book.relation).toEqual({ database_id: BOOKS_DB, data_source_id: BOOKS_DS, type: 'single_property', single_property: {} });
    expect(notes.properties.Pages.rollup).toMatchObject({ function: 'sum', relation_property_name: 'Book', rollup_property_name: 'Pages' });
  });

  it('answers users.me with the bot', async () => {
    const me: any = await t.client.users.me({});
    expect(me).toMatchObject({ object: 'user', id: DEFAULT_BOT_ID, type: 'bot' });
  });

  it('PATCH data source adds a property', async () => {
    const ds: any = await t.client.dataSources.update({ data_source_id: BOOKS_DS, properties: { Isbn: { rich_text: {} } } });
    expect(ds.properties.Isbn).toMatchObject({ type: 'rich_text', name: 'Isbn' });
    const page: any = await t.client.pages.retrieve({ page_id: '66666666-6666-4666-8666-666666666666' });
    expect(page.properties.Isbn).toEqual({ id: ds.properties.Isbn.id, type: 'rich_text', rich_text: [] });
  });
});

describe('pages', () => {
  it('creates a page with minute-truncated timestamps, the bot as author, and every property present', async () => {
    const created: any = await t.client.pages.create({
      parent: { data_source_id: BOOKS_DS },
      properties: { Title: title('Sapiens'), Status: { select: { name: 'Abandoned' } }, Tags: { multi_select: [{ name: 'History' }] } },
    });
    expect(isFullPage(created)).toBe(true);
    expect(created.created_time).toBe('2026-01-05T09:00:00.000Z');
    expect(created.last_edited_time).toBe('2026-01-05T09:00:00.000Z');
    expect(created.created_by).toEqual({ object: 'user', id: DEFAULT_BOT_ID });
    expect(created.parent).toEqual({ type: 'data_source_id', data_source_id: BOOKS_DS, database_id: BOOKS_DB });
    expect(created).toMatchObject({ in_trash: false, archived: false, is_locked: false, public_url: null, cover: null, icon: null });
    expect(created.url).toMatch(/^https:\/\/www\.notion\.so\/Sapiens-[0-9a-f]{32}$/);
    const p = created.properties;
    expect(p.Title.title[0]).toEqual({
      type: 'text',
      text: { content: 'Sapiens', link: null },
      annotations: { bold: false, italic: false, strikethrough: false, underline: false, code: false, color: 'default' },
      plain_text: 'Sapiens',
      href: null,
    });
    expect(p.Author).toEqual({ id: expect.any(String), type: 'rich_text', rich_text: [] });
    expect(p.Pages.number).toBeNull();
    expect(p.Done.checkbox).toBe(false);
    expect(p.Finished.date).toBeNull();
    expect(p.Link.url).toBeNull();
    expect(p.Status.select).toMatchObject({ name: 'Abandoned', id: expect.any(String), color: expect.any(String) });
    expect(p.Stage.status.name).toBe('Not started');
    expect(p.Key.unique_id).toEqual({ prefix: 'BK', number: 3 });
    expect(p.Echo.formula).toEqual({ type: 'string', string: null });
    expect(p.Edited.last_edited_time).toBe('2026-01-05T09:00:00.000Z');
    // The new select option was added to the schema.
    const ds: any = await t.client.dataSources.retrieve({ data_source_id: BOOKS_DS });
    expect(ds.properties.Status.select.options.map((o: any) => o.name)).toContain('Abandoned');
  });

  it('update bumps last_edited_time (to the minute) and last_edited_by; UI edits are by a person', async () => {
    const id = '77777777-7777-4777-8777-777777777777';
    t.clock.advance(90_000);
    const updated: any = await t.client.pages.update({ page_id: id, properties: { Pages: { number: 300 }, Author: text('C. Newport') } });
    expect(updated.last_edited_time).toBe('2026-01-05T09:02:00.000Z');
    expect(updated.last_edited_by.id).toBe(DEFAULT_BOT_ID);
    expect(updated.properties.Pages.number).toBe(300);
    expect(updated.properties.Echo.formula).toEqual({ type: 'string', string: 'C. Newport' });
    t.clock.advance(60_000);
    const ui = t.emulator.updatePage(id, { Done: { checkbox: true } });
    expect(ui.last_edited_by.id).toBe(DEFAULT_PERSON_ID);
    expect(ui.last_edited_time).toBe('2026-01-05T09:03:00.000Z');
    const read: any = await t.client.pages.retrieve({ page_id: id.replace(/-/g, '') });
    expect(read.properties.Done.checkbox).toBe(true);
  });

  it('status must name an existing option', async () => {
    await expect(
      t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Title: title('x'), Stage: { status: { name: 'Nope' } } } }),
    ).rejects.toMatchObject({ code: 'validation_error', status: 400 });
  });

  it('a rejected write changes nothing (no new options, no new page)', async () => {
    const before = t.emulator.listPages(BOOKS_DS).length;
    await expect(
      t.client.pages.create({
        parent: { data_source_id: BOOKS_DS },
        properties: { Title: title('x'), Tags: { multi_select: [{ name: 'Brand new' }] }, Pages: { number: 'many' as any } },
      }),
    ).rejects.toMatchObject({ code: 'validation_error' });
    expect(t.emulator.listPages(BOOKS_DS)).toHaveLength(before);
    const ds: any = await t.client.dataSources.retrieve({ data_source_id: BOOKS_DS });
    expect(ds.properties.Tags.multi_select.options.map((o: any) => o.name)).not.toContain('Brand new');
  });

  it('trash hides a page from queries and search; retrieve still works; restore brings it back', async () => {
    const id = '66666666-6666-4666-8666-666666666666';
    t.clock.advance(120_000);
    const trashed: any = await t.client.pages.update({ page_id: id, in_trash: true });
    expect(trashed).toMatchObject({ in_trash: true, archived: true, last_edited_time: '2026-01-05T09:02:00.000Z' });
    const q = await t.client.dataSources.query({ data_source_id: BOOKS_DS });
    expect(q.results.map((r) => r.id)).not.toContain(id);
    const onlyTrashed = await t.client.dataSources.query({ data_source_id: BOOKS_DS, in_trash: true });
    expect(onlyTrashed.results.map((r) => r.id)).toEqual([id]);
    const s = await t.client.search({ query: 'dune' });
    expect(s.results.map((r) => r.id)).toEqual(['55555555-5555-4555-8555-555555555555']); // "On Dune" only
    const read: any = await t.client.pages.retrieve({ page_id: id });
    expect(read.in_trash).toBe(true);
    await expect(t.client.pages.update({ page_id: id, properties: { Pages: { number: 1 } } })).rejects.toMatchObject({ code: 'validation_error' });
    await t.client.pages.update({ page_id: id, in_trash: false });
    const back = await t.client.dataSources.query({ data_source_id: BOOKS_DS });
    expect(back.results.map((r) => r.id)).toContain(id);
    expect(t.emulator.listPages(BOOKS_DS)).toHaveLength(2);
  });

  it('2026-03-11 drops `archived` and rejects it in writes', async () => {
    const c = t.clientFor('2026-03-11');
    const page: any = await c.pages.retrieve({ page_id: '66666666-6666-4666-8666-666666666666' });
    expect(page.archived).toBeUndefined();
    expect(page.in_trash).toBe(false);
    await expect(c.pages.update({ page_id: page.id, archived: true })).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('filter_properties limits the returned properties', async () => {
    const ds: any = await t.client.dataSources.retrieve({ data_source_id: BOOKS_DS });
    const page: any = await t.client.pages.retrieve({ page_id: '66666666-6666-4666-8666-666666666666', filter_properties: [ds.properties.Pages.id] });
    expect(Object.keys(page.properties)).toEqual(['Pages']);
    const q: any = await t.client.dataSources.query({ data_source_id: BOOKS_DS, filter_properties: ['title', ds.properties.Status.id] });
    expect(Object.keys(q.results[0].properties)).toEqual(['Title', 'Status']);
  });
});

describe('queries', () => {
  async function addBooks(n: number) {
    for (let i = 0; i < n; i++) {
      t.clock.advance(60_000);
      await t.client.pages.create({
        parent: { data_source_id: BOOKS_DS },
        properties: { Title: title(`Book ${String(i).padStart(2, '0')}`), Pages: { number: i * 10 }, Done: { checkbox: i % 2 === 0 }, Tags: { multi_select: [{ name: i % 3 === 0 ? 'Fizz' : 'Plain' }] } },
      });
    }
  }

  it('paginates with opaque cursors, page_size ≤ 100, default newest first', async () => {
    await addBooks(25);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = await t.client.dataSources.query({ data_source_id: BOOKS_DS, page_size: 10, start_cursor: cursor });
      expect(r.request_status).toEqual({ type: 'complete' });
      seen.push(...r.results.map((p) => p.id));
      cursor = r.next_cursor ?? undefined;
      expect(r.has_more).toBe(cursor !== undefined);
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(27);
    const first: any = t.emulator.getPage(seen[0]);
    expect(first.properties.Title.title[0].plain_text).toBe('Book 24');
    await expect(t.client.dataSources.query({ data_source_id: BOOKS_DS, page_size: 101 })).rejects.toMatchObject({
      code: 'validation_error',
      message: 'body failed validation: body.page_size should be ≤ `100`, instead was `101`.',
    });
  });

  it('filters: text, number, checkbox, select, multi_select, timestamps, and/or', async () => {
    await addBooks(12);
    const ids = async (filter: any, sorts?: any) =>
      (await t.client.dataSources.query({ data_source_id: BOOKS_DS, filter, sorts })).results.map((p: any) => plain(p, 'Title'));
    expect(await ids({ property: 'Title', title: { starts_with: 'book 0' } }, [{ property: 'Title', direction: 'ascending' }])).toEqual(
      ['Book 00', 'Book 01', 'Book 02', 'Book 03', 'Book 04', 'Book 05', 'Book 06', 'Book 07', 'Book 08', 'Book 09'],
    );
    expect(await ids({ property: 'Pages', number: { greater_than: 300 } }, [{ property: 'Pages', direction: 'descending' }])).toEqual(['Dune']);
    expect(await ids({ and: [{ property: 'Done', checkbox: { equals: true } }, { property: 'Pages', number: { less_than: 30 } }] })).toEqual(['Book 02', 'Book 00']);
    expect(await ids({ property: 'Status', select: { equals: 'Reading' } })).toEqual(['Deep Work']);
    expect(await ids({ property: 'Status', select: { is_empty: true } })).toHaveLength(12);
    expect(await ids({ property: 'Tags', multi_select: { contains: 'Fizz' } })).toHaveLength(4);
    expect(await ids({ or: [{ property: 'Title', title: { equals: 'Dune' } }, { property: 'Author', rich_text: { contains: 'newport' } }] })).toEqual(['Deep Work', 'Dune']);
    // Books 0..11 were created at 09:01 … 09:12.
    expect(await ids({ timestamp: 'created_time', created_time: { on_or_after: '2026-01-05T09:11:00.000Z' } })).toEqual(['Book 11', 'Book 10']);
    expect(await ids({ timestamp: 'last_edited_time', last_edited_time: { before: '2026-01-05T09:02:00.000Z' } })).toEqual(['Book 00', 'Deep Work', 'Dune']);
    expect(await ids({ timestamp: 'created_time', created_time: { equals: '2026-01-01' } })).toEqual(['Dune']);
    expect(
      await ids({ and: [{ or: [{ property: 'Pages', number: { equals: 0 } }, { property: 'Pages', number: { equals: 10 } }] }, { property: 'Done', checkbox: { equals: false } }] }),
    ).toEqual(['Book 01']);
  });

  it('sorts by property and timestamp, empties last', async () => {
    t.emulator.createPage(BOOKS_DS, { Title: title('No pages') });
    const r = await t.client.dataSources.query({ data_source_id: BOOKS_DS, sorts: [{ property: 'Pages', direction: 'ascending' }] });
    expect(r.results.map((p: any) => plain(p, 'Title'))).toEqual(['Deep Work', 'Dune', 'No pages']);
    const byCreated = await t.client.dataSources.query({ data_source_id: BOOKS_DS, sorts: [{ timestamp: 'created_time', direction: 'ascending' }] });
    expect(byCreated.results.map((p: any) => plain(p, 'Title'))).toEqual(['Dune', 'Deep Work', 'No pages']);
    const bySelect = await t.client.dataSources.query({ data_source_id: BOOKS_DS, sorts: [{ property: 'Status', direction: 'ascending' }] });
    // Selects sort by option order (To Read, Reading, Finished).
    expect(bySelect.results.map((p: any) => plain(p, 'Title'))).toEqual(['Deep Work', 'Dune', 'No pages']);
  });

  it('rejects filters nested deeper than two levels and unknown properties', async () => {
    const deep = { and: [{ or: [{ and: [{ property: 'Done', checkbox: { equals: true } }] }] }] };
    await expect(t.client.dataSources.query({ data_source_id: BOOKS_DS, filter: deep as any })).rejects.toMatchObject({ code: 'validation_error' });
    await expect(t.client.dataSources.query({ data_source_id: BOOKS_DS, filter: { property: 'Nope', checkbox: { equals: true } } })).rejects.toMatchObject({
      code: 'validation_error',
    });
    await expect(t.client.dataSources.query({ data_source_id: BOOKS_DS, filter: { property: 'Done', select: { equals: 'x' } } })).rejects.toMatchObject({
      code: 'validation_error',
      message: 'database property checkbox does not match filter select',
    });
  });

  it('a cursor keeps its place when rows change between pages', async () => {
    await addBooks(5);
    const sorts = [{ timestamp: 'created_time' as const, direction: 'ascending' as const }];
    const p1 = await t.client.dataSources.query({ data_source_id: BOOKS_DS, sorts, page_size: 3 });
    // Trash a row already returned: the next page must still start at the row the cursor named.
    await t.client.pages.update({ page_id: p1.results[0].id, in_trash: true });
    const p2 = await t.client.dataSources.query({ data_source_id: BOOKS_DS, sorts, page_size: 3, start_cursor: p1.next_cursor! });
    const titles = [...p1.results, ...p2.results].map((p: any) => plain(p, 'Title'));
    expect(titles).toEqual(['Dune', 'Deep Work', 'Book 00', 'Book 01', 'Book 02', 'Book 03']);
    await expect(t.client.dataSources.query({ data_source_id: BOOKS_DS, start_cursor: 'garbage' })).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('query overrides simulate an empty or silently truncated data source', async () => {
    t.emulator.setQueryOverride(BOOKS_DS, 'empty');
    expect((await t.client.dataSources.query({ data_source_id: BOOKS_DS })).results).toHaveLength(0);
    t.emulator.setQueryOverride(BOOKS_DS, { truncateTo: 1 });
    const r = await t.client.dataSources.query({ data_source_id: BOOKS_DS });
    expect(r.results).toHaveLength(1);
    expect(r.request_status).toEqual({ type: 'complete' });
    t.emulator.setQueryOverride(BOOKS_DS, null);
    expect((await t.client.dataSources.query({ data_source_id: BOOKS_DS })).results).toHaveLength(2);
  });

  it('search finds pages and data sources by title', async () => {
    const all = await t.client.search({ query: 'DUNE' });
    expect(all.results.map((r) => r.object)).toEqual(['page', 'page']);
    const sources = await t.client.search({ filter: { property: 'object', value: 'data_source' } });
    expect(sources.results.map((r: any) => r.title[0].plain_text).sort()).toEqual(['Books', 'Notes']);
  });

  it('counts requests per endpoint key', async () => {
    t.emulator.resetCounts();
    await t.client.pages.retrieve({ page_id: '66666666-6666-4666-8666-666666666666' });
    await t.client.dataSources.query({ data_source_id: BOOKS_DS });
    await t.client.dataSources.query({ data_source_id: BOOKS_DS });
    expect(t.emulator.requestCounts).toEqual({ 'GET /v1/pages/:id': 1, 'POST /v1/data_sources/:id/query': 2 });
    expect(t.emulator.totalRequests()).toBe(3);
  });
});
