/** Relations: stored whole, shown 25 at a time in page/query responses, read whole via the property-item endpoint. */
import { collectPaginatedAPI } from '@notionhq/client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BOOKS_DS, NOTES_DS, smallSeed, start, title, type Started } from './helpers.ts';

let t: Started;
beforeEach(async () => {
  t = await start({ seed: smallSeed() });
});
afterEach(async () => {
  await t.emulator.close();
});

describe('relations', () => {
  it('truncates a 60-item relation to 25 with has_more, and reads all 60 through pages.properties.retrieve', async () => {
    const books = Array.from({ length: 60 }, (_, i) => t.emulator.createPage(BOOKS_DS, { Title: title(`b${i}`), Pages: { number: i } }).id);
    const note: any = await t.client.pages.create({
      parent: { data_source_id: NOTES_DS },
      properties: { Name: title('Reading list'), Book: { relation: books.map((id) => ({ id })) } },
    });
    expect(note.properties.Book.relation).toHaveLength(25);
    expect(note.properties.Book.has_more).toBe(true);
    expect(note.properties.Book.relation[0]).toEqual({ id: books[0] });
    // Rollups are computed over the first 25 related pages too: 0 + 1 + … + 24.
    expect(note.properties.Pages.rollup).toEqual({ type: 'number', number: 300, function: 'sum' });

    const queried: any = (await t.client.dataSources.query({ data_source_id: NOTES_DS, filter: { property: 'Name', title: { equals: 'Reading list' } } })).results[0];
    expect(queried.properties.Book.relation).toHaveLength(25);
    expect(queried.properties.Book.has_more).toBe(true);

    const first: any = await t.client.pages.properties.retrieve({ page_id: note.id, property_id: note.properties.Book.id, page_size: 50 });
    expect(first).toMatchObject({
      object: 'list',
      type: 'property_item',
      has_more: true,
      property_item: { id: note.properties.Book.id, type: 'relation', relation: {} },
    });
    expect(first.results[0]).toEqual({ object: 'property_item', id: note.properties.Book.id, type: 'relation', relation: { id: books[0] } });
    expect(first.property_item.next_url).toContain(`/v1/pages/${note.id}/properties/`);

    // The property endpoint's union return type does not fit the helper's signature; the shape does.
    const listProperty = t.client.pages.properties.retrieve as unknown as Parameters<typeof collectPaginatedAPI>[0];
    const all = await collectPaginatedAPI(listProperty, { page_id: note.id, property_id: note.properties.Book.id } as any);
    expect(all.map((r: any) => r.relation.id)).toEqual(books);

    // The control view is untruncated too.
    expect(t.emulator.getPage(note.id)!.properties.Book.relation).toHaveLength(60);
    // A relation filter sees the whole list, not just the first 25.
    const hit = await t.client.dataSources.query({ data_source_id: NOTES_DS, filter: { property: 'Book', relation: { contains: books[59] } } });
    expect(hit.results.map((r) => r.id)).toEqual([note.id]);
  });

  it('more than 100 related pages in one write is a validation error', async () => {
    const ids = Array.from({ length: 101 }, () => ({ id: '66666666-6666-4666-8666-666666666666' }));
    await expect(
      t.client.pages.update({ page_id: '55555555-5555-4555-8555-555555555555', properties: { Book: { relation: ids } } }),
    ).rejects.toMatchObject({ code: 'validation_error', message: 'body failed validation: body.properties.Book.relation.length should be ≤ `100`, instead was `101`.' });
  });

  it('relation targets must be pages of the related data source', async () => {
    await expect(
      t.client.pages.update({ page_id: '55555555-5555-4555-8555-555555555555', properties: { Book: { relation: [{ id: '55555555-5555-4555-8555-555555555555' }] } } }),
    ).rejects.toMatchObject({ code: 'validation_error' });
  });

  it('non-paginated property types come back as one property_item', async () => {
    const ds: any = await t.client.dataSources.retrieve({ data_source_id: BOOKS_DS });
    const item: any = await t.client.pages.properties.retrieve({ page_id: '66666666-6666-4666-8666-666666666666', property_id: ds.properties.Pages.id });
    expect(item).toEqual({ object: 'property_item', id: ds.properties.Pages.id, type: 'number', number: 412, request_id: expect.any(String) });
    const titleItems: any = await t.client.pages.properties.retrieve({ page_id: '66666666-6666-4666-8666-666666666666', property_id: 'title' });
    expect(titleItems.results[0].title.plain_text).toBe('Dune');
    await expect(t.client.pages.properties.retrieve({ page_id: '66666666-6666-4666-8666-666666666666', property_id: 'zzzz' })).rejects.toMatchObject({
      code: 'object_not_found',
    });
  });

  it('URL-encoded property ids (like "M%3BBw") work in the property endpoint and in filter_properties', async () => {
    const ds: any = await t.client.dataSources.retrieve({ data_source_id: BOOKS_DS });
    const ids: string[] = Object.values<any>(ds.properties).map((p) => p.id);
    expect(ids.some((id) => id.includes('%'))).toBe(true);
    for (const id of ids) {
      const item: any = await t.client.pages.properties.retrieve({ page_id: '66666666-6666-4666-8666-666666666666', property_id: id });
      expect(item.id ?? item.property_item.id).toBe(id);
    }
    const encoded = ids.find((id) => id.includes('%'))!;
    const page: any = await t.client.pages.retrieve({ page_id: '66666666-6666-4666-8666-666666666666', filter_properties: [encoded] });
    expect(Object.values<any>(page.properties).map((p) => p.id)).toEqual([encoded]);
  });

  it('dual_property relations keep both sides in step', async () => {
    await t.client.dataSources.update({
      data_source_id: NOTES_DS,
      properties: { Mentions: { relation: { data_source_id: BOOKS_DS, dual_property: { synced_property_name: 'Mentioned in' } } } },
    });
    const books: any = await t.client.dataSources.retrieve({ data_source_id: BOOKS_DS });
    expect(books.properties['Mentioned in'].relation).toMatchObject({ data_source_id: NOTES_DS, type: 'dual_property' });
    const note = '55555555-5555-4555-8555-555555555555';
    const dune = '66666666-6666-4666-8666-666666666666';
    await t.client.pages.update({ page_id: note, properties: { Mentions: { relation: [{ id: dune }] } } });
    expect(t.emulator.getPage(dune)!.properties['Mentioned in'].relation).toEqual([{ id: note }]);
    await t.client.pages.update({ page_id: note, properties: { Mentions: { relation: [] } } });
    expect(t.emulator.getPage(dune)!.properties['Mentioned in'].relation).toEqual([]);
  });
});
