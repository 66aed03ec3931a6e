/**
 * A people property with more than 25 users, as Notion serves it: the page object (retrieve and
 * query) lists the first 25 with no has_more flag (Notion documents none for people: "can't be
 * guaranteed to return more than 25 people"), and the property-item endpoint pages through all of
 * them. The product's connector completes such a list through that endpoint, so a 30-person
 * property syncs as 30, not 25.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@notionhq/client';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { Extract, createNotionConnector, type NotionConnector } from '../../../src/connectors/notion/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

const TOKEN = 'secret_people';
const DS = 'aaaaaaaa-0000-4000-8000-0000000000a1';
const CROWDED = 'aaaaaaaa-0000-4000-8000-0000000000b1';
const FEW = 'aaaaaaaa-0000-4000-8000-0000000000b2';
const users = Array.from({ length: 30 }, (_, i) => `0000${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`);

describe('a people property with more than 25 users', () => {
  const clock = new FakeClock('2026-04-01T12:00:00.000Z');
  const emulator = createNotionEmulator({
    clock,
    tokens: [TOKEN],
    seed: {
      databases: [
        {
          dataSourceId: DS,
          title: 'Meetings',
          properties: { Name: { type: 'title' }, Attendees: { type: 'people' } },
          pages: [
            { id: CROWDED, properties: { Name: { title: [{ text: { content: 'All hands' } }] }, Attendees: { people: users.map((id) => ({ id })) } } },
            { id: FEW, properties: { Name: { title: [{ text: { content: '1:1' } }] }, Attendees: { people: users.slice(0, 3).map((id) => ({ id })) } } },
          ],
        },
      ],
    },
  });
  let sdk: Client;
  let notion: NotionConnector;
  beforeAll(async () => {
    const url = await emulator.listen(0, '127.0.0.1');
    sdk = new Client({ auth: TOKEN, baseUrl: url, retry: false });
    notion = createNotionConnector({ token: TOKEN, baseUrl: url, clock });
  });
  afterAll(() => emulator.close());

  it('the page object lists the first 25, without has_more', async () => {
    const page: any = await sdk.pages.retrieve({ page_id: CROWDED });
    expect(page.properties.Attendees.people.map((u: any) => u.id)).toEqual(users.slice(0, 25));
    expect(page.properties.Attendees).not.toHaveProperty('has_more');
    const queried: any = await sdk.dataSources.query({ data_source_id: DS });
    expect(queried.results.find((p: any) => p.id === CROWDED).properties.Attendees.people).toHaveLength(25);
  });

  it('the property-item endpoint pages through all 30', async () => {
    const id = ((await sdk.pages.retrieve({ page_id: CROWDED })) as any).properties.Attendees.id;
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r: any = await sdk.pages.properties.retrieve({ page_id: CROWDED, property_id: id, page_size: 10, ...(cursor ? { start_cursor: cursor } : {}) });
      expect(r).toMatchObject({ object: 'list', type: 'property_item', property_item: { id, type: 'people', people: {} } });
      for (const item of r.results) {
        expect(item).toMatchObject({ object: 'property_item', id, type: 'people', people: { object: 'user' } });
        seen.push(item.people.id);
      }
      cursor = r.next_cursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(users);
  });

  it('the connector completes it: retrievePage and queryPages read all 30', async () => {
    emulator.resetCounts();
    const page = (await notion.retrievePage(CROWDED))!;
    expect(Extract.people(page as any, 'Attendees')).toEqual(users);
    expect(emulator.requestCounts['GET /v1/pages/:id/properties/:pid']).toBeGreaterThanOrEqual(1);
    const all = [];
    for await (const p of notion.queryPages(DS)) all.push(p);
    const crowded = all.find((p: any) => p.id === CROWDED)!;
    expect(Extract.people(crowded as any, 'Attendees')).toEqual(users);
  });

  it('a short list costs no extra request', async () => {
    emulator.resetCounts();
    const page = (await notion.retrievePage(FEW))!;
    expect(Extract.people(page as any, 'Attendees')).toEqual(users.slice(0, 3));
    expect(emulator.requestCounts['GET /v1/pages/:id/properties/:pid']).toBeUndefined();
  });
});
