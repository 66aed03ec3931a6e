/**
 * addProperties through the official SDK against the Notion emulator: PATCH /v1/data_sources/:id
 * adds the property, the returned schema shows it, and repeating the call changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { Build, Extract, createNotionConnector, type NotionConnector } from '../../../src/connectors/notion/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

const TOKEN = 'secret_schema';
const DB = 'bbbbbbbb-0000-4000-8000-000000000001';
const DS = 'bbbbbbbb-0000-4000-8000-000000000002';

describe('addProperties against the emulator', () => {
  const clock = new FakeClock('2026-04-01T12:00:00.000Z');
  const emulator = createNotionEmulator({
    clock,
    tokens: [TOKEN],
    seed: {
      databases: [
        {
          id: DB,
          dataSourceId: DS,
          title: 'Meetings',
          properties: { Title: { type: 'title' }, Summary: { type: 'rich_text' } },
          pages: [{ properties: { Title: { title: [{ text: { content: 'Kickoff' } }] } } }],
        },
      ],
    },
  });
  let notion: NotionConnector;
  beforeAll(async () => {
    notion = createNotionConnector({ token: TOKEN, baseUrl: await emulator.listen(0, '127.0.0.1'), clock });
  });
  afterAll(() => emulator.close());

  it('adds a rich_text property; the schema, a resolve and the pages show it; a repeat is a no-op', async () => {
    emulator.resetCounts();
    const info = await notion.addProperties(DS, { 'Supabase ID': { rich_text: {} } });
    expect(info).toMatchObject({ dataSourceId: DS, databaseId: DB, title: 'Meetings' });
    expect(info.properties['Supabase ID']).toMatchObject({ name: 'Supabase ID', type: 'rich_text' });
    expect(Object.keys(info.properties)).toEqual(['Title', 'Summary', 'Supabase ID']);
    expect(emulator.requestCounts).toEqual({ 'PATCH /v1/data_sources/:id': 1 });

    const resolved = await notion.resolveDataSource(DB);
    expect(resolved.properties['Supabase ID']!.id).toBe(info.properties['Supabase ID']!.id);

    const again = await notion.addProperties(DS, { 'Supabase ID': { rich_text: {} } });
    expect(again.properties).toEqual(info.properties);

    // Existing pages read the new property as empty; it can be written and found.
    const [page] = emulator.listPages(DS);
    expect(Extract.rich_text(page as any, 'Supabase ID')).toBe('');
    await notion.updatePage(page!.id, { properties: Build.properties({ 'Supabase ID': Build.rich_text('row-1') }) });
    expect((await notion.findPagesByRichText(DS, 'Supabase ID', 'row-1')).map((p) => p.id)).toEqual([page!.id]);
  });

  it('naming an existing property of the same type leaves it as it is (what makes a retried PATCH safe)', async () => {
    const before = await notion.resolveDataSource(DS);
    const after = await notion.addProperties(DS, { Summary: { rich_text: {} } });
    expect(after.properties.Summary).toEqual(before.properties.Summary);
  });
});
