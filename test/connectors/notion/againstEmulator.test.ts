/**
 * Contract between our connector (official SDK inside) and the Notion emulator: every property
 * type the reference lists round-trips through Build → pages.create → pages.retrieve/query → Extract,
 * and long relations arrive whole.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { Build, Extract, createNotionConnector, type NotionConnector } from '../../../src/connectors/notion/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

const TOKEN = 'secret_contract';
const TARGETS_DS = 'aaaaaaaa-0000-4000-8000-000000000001';
const ALL_DS = 'aaaaaaaa-0000-4000-8000-000000000002';
const ALL_DB = 'aaaaaaaa-0000-4000-8000-000000000003';

describe('connector against the emulator', () => {
  const clock = new FakeClock('2026-04-01T12:00:00.000Z');
  const emulator = createNotionEmulator({
    clock,
    tokens: [TOKEN],
    seed: {
      databases: [
        {
          id: 'aaaaaaaa-0000-4000-8000-000000000004',
          dataSourceId: TARGETS_DS,
          title: 'Contacts',
          properties: { Name: { type: 'title' } },
          pages: Array.from({ length: 60 }, (_, i) => ({ properties: { Name: { title: [{ text: { content: `Person ${i}` } }] } } })),
        },
        {
          id: ALL_DB,
          dataSourceId: ALL_DS,
          title: 'Everything',
          properties: {
            Title: { type: 'title' },
            Text: { type: 'rich_text' },
            Count: { type: 'number', number: { format: 'number' } },
            Choice: { type: 'select', select: { options: [{ name: 'A' }] } },
            Labels: { type: 'multi_select', multi_select: { options: [] } },
            Stage: { type: 'status' },
            When: { type: 'date' },
            Done: { type: 'checkbox' },
            Link: { type: 'url' },
            Mail: { type: 'email' },
            Phone: { type: 'phone_number' },
            People: { type: 'relation', relation: { data_source_id: TARGETS_DS } },
            Owners: { type: 'people' },
            Attachments: { type: 'files' },
            Echo: { type: 'formula', formula: { expression: 'prop("Text")' } },
            Key: { type: 'unique_id', unique_id: { prefix: 'EV' } },
            Created: { type: 'created_time' },
            Edited: { type: 'last_edited_time' },
            Creator: { type: 'created_by' },
            Editor: { type: 'last_edited_by' },
          },
          pages: [],
        },
      ],
    },
  });
  let notion: NotionConnector;
  let targets: string[];
  beforeAll(async () => {
    const url = await emulator.listen(0, '127.0.0.1');
    notion = createNotionConnector({ token: TOKEN, baseUrl: url, clock });
    targets = emulator.listPages(TARGETS_DS).map((p) => p.id);
  });
  afterAll(() => emulator.close());

  const longText = 'Ünïcødé and emoji 🧠📚👩‍👩‍👧‍👦 and right-to-left العربية. '.repeat(90).slice(0, 5000);
  const values = () => ({
    Title: ['title', 'A page with every property 📎'],
    Text: ['rich_text', longText],
    Count: ['number', 12.5],
    Choice: ['select', 'B (new option)'],
    Labels: ['multi_select', ['z-last', 'a-first', 'Emoji 🎉']],
    Stage: ['status', 'In progress'],
    When: ['date', { start: '2026-04-01T09:30:00.000+02:00', end: '2026-04-01T10:30:00.000+02:00', time_zone: null }],
    Done: ['checkbox', true],
    Link: ['url', 'https://example.com/a?b=c'],
    Mail: ['email', 'ada@example.com'],
    Phone: ['phone_number', '+44 20 7946 0958'],
    People: ['relation', targets],
    Owners: ['people', [emulator.personId]],
    Attachments: ['files', [{ name: 'cover.png', url: 'https://example.com/cover.png', type: 'external' }]],
  }) as Record<string, [string, unknown]>;

  it('round-trips every writable property type, including 5,000-character text with emoji and 60 relations', async () => {
    const props: Record<string, unknown> = {};
    for (const [name, [type, value]] of Object.entries(values())) props[name] = (Build as any)[type](value, name);
    // 5,000 characters go out as three text objects of at most 2,000.
    expect((props.Text as any).rich_text.map((t: any) => t.text.content.length)).toEqual([2000, 2000, 1000]);
    const created = await notion.createPage(ALL_DS, props);
    const page = (await notion.retrievePage(created.id))!;
    for (const [name, [type, value]] of Object.entries(values())) {
      expect([name, (Extract as any)[type](page, name)]).toEqual([name, value]);
    }
    // Read-only types extract to their canonical forms.
    expect(Extract.formula(page as any, 'Echo')).toBe(longText.slice(0, 2000) + longText.slice(2000, 4000) + longText.slice(4000));
    expect(Extract.unique_id(page as any, 'Key')).toBe('EV-1');
    expect(Extract.created_time(page as any, 'Created')).toBe('2026-04-01T12:00:00.000Z');
    expect(Extract.last_edited_time(page as any, 'Edited')).toBe('2026-04-01T12:00:00.000Z');
    expect(Extract.created_by(page as any, 'Creator')).toBe(emulator.botId);
    expect(Extract.last_edited_by(page as any, 'Editor')).toBe(emulator.botId);
  });

  it('a query returns the 60-target relation whole (Notion sends 25 and has_more)', async () => {
    emulator.resetCounts();
    const pages = [];
    for await (const p of notion.queryPages(ALL_DS)) pages.push(p);
    expect(pages).toHaveLength(1);
    expect(Extract.relation(pages[0] as any, 'People')).toEqual(targets);
    expect(emulator.requestCounts['GET /v1/pages/:id/properties/:pid']).toBeGreaterThanOrEqual(1);
  });

  it('clears values: empty text, null number, no date, no relations', async () => {
    const [page] = emulator.listPages(ALL_DS);
    await notion.updatePage(page!.id, {
      properties: Build.properties({ Text: Build.rich_text(''), Count: Build.number(null), When: Build.date(null), People: Build.relation([]), Choice: Build.select(null) }),
    });
    const after = (await notion.retrievePage(page!.id))!;
    expect([Extract.rich_text(after as any, 'Text'), Extract.number(after as any, 'Count'), Extract.date(after as any, 'When'), Extract.relation(after as any, 'People'), Extract.select(after as any, 'Choice')]).toEqual(['', null, null, [], null]);
  });

  it('refuses what Notion would refuse, before sending it', () => {
    expect(() => Build.rich_text('x'.repeat(200_001), 'Text')).toThrow(/Text/);
    expect(() => Build.relation(Array.from({ length: 101 }, (_, i) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`), 'People')).toThrow(/limit of 100/);
  });
});
