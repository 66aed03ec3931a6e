/**
 * The two-way sample workspace: deterministic, schemas exactly as the presets in src/datasets
 * expect (plus the empty `Supabase ID`), relations that resolve, and timestamps in the past.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createNotionEmulator, type SeedFile } from '../../../emulators/notion/index.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace, stableUuid } from '../../../emulators/samples/notionWorkspace.ts';
import { loadConfig } from '../../../src/config/index.ts';
import { Extract, createNotionConnector } from '../../../src/connectors/notion/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

const TOKEN = 'secret_samples';
const TWO_WAY = ['contacts', 'meetings', 'tasks', 'reflections', 'journals'] as const;

describe('sampleTwoWayWorkspace', () => {
  const emulators: Array<ReturnType<typeof createNotionEmulator>> = [];
  afterAll(async () => {
    for (const e of emulators) await e.close();
  });
  async function serve(seed: SeedFile) {
    const clock = new FakeClock('2026-03-02T09:00:00.000Z');
    const emulator = createNotionEmulator({ clock, tokens: [TOKEN], seed });
    emulators.push(emulator);
    const notion = createNotionConnector({ token: TOKEN, baseUrl: await emulator.listen(0, '127.0.0.1'), clock });
    return { emulator, notion };
  }

  it('is deterministic, with stable ids and the default sizes', () => {
    const a = sampleTwoWayWorkspace();
    expect(JSON.stringify(sampleTwoWayWorkspace())).toBe(JSON.stringify(a));
    expect(a.ids.contactsDatabase).toBe(stableUuid('db:contacts'));
    expect(a.seed.databases.map((d) => [d.title, d.pages?.length])).toEqual([
      ['Contacts', 12],
      ['Meetings', 10],
      ['Tasks', 15],
      ['Reflections', 6],
      ['Journals', 8],
    ]);
    const counts = sampleTwoWayWorkspace({ contacts: 3, meetings: 0, tasks: 40, reflections: 1, journals: 0 }).seed.databases.map((d) => d.pages?.length);
    expect(counts).toEqual([3, 0, 40, 1, 0]);
  });

  it('has schemas exactly as the presets expect, plus an empty Supabase ID, and relations to the right data sources', async () => {
    const { ids, seed } = sampleTwoWayWorkspace();
    const { emulator, notion } = await serve(seed);
    const config = loadConfig({ env: {}, cwd: '/nonexistent-jarvis-test-cwd' });
    const dataSourceOf = { contacts: ids.contactsDataSource, meetings: ids.meetingsDataSource, tasks: ids.tasksDataSource, reflections: ids.reflectionsDataSource, journals: ids.journalsDataSource };
    const databaseOf = { contacts: ids.contactsDatabase, meetings: ids.meetingsDatabase, tasks: ids.tasksDatabase, reflections: ids.reflectionsDatabase, journals: ids.journalsDatabase };
    for (const name of TWO_WAY) {
      const ds = config.datasets.find((d) => d.name === name)!;
      expect(ds.pattern).toBe('two-way');
      const info = await notion.resolveDataSource(databaseOf[name]);
      expect(info.dataSourceId).toBe(dataSourceOf[name]);
      const expected = Object.fromEntries([...ds.fields.map((f) => [f.property, f.kind]), [ds.rowIdProperty!, 'rich_text']]);
      expect([name, Object.fromEntries(Object.entries(info.properties).map(([k, p]) => [k, p.type]))]).toEqual([name, expected]);
      for (const f of ds.fields.filter((x) => x.kind === 'relation')) {
        expect(info.properties[f.property]!.relation.data_source_id).toBe(dataSourceOf[f.relation!.dataset as keyof typeof dataSourceOf]);
      }
      for (const page of emulator.listPages(dataSourceOf[name])) expect(Extract.rich_text(page as any, 'Supabase ID')).toBe('');
    }
    const tasks = await notion.resolveDataSource(ids.tasksDataSource);
    expect(tasks.properties.Status!.status.options.map((o: any) => o.name)).toEqual(['Not started', 'In progress', 'Done']);
  });

  it('has realistic content: emoji, a right-to-left name, 1–4 attendees, tasks linked to meetings, past minute-apart created times', () => {
    const { seed } = sampleTwoWayWorkspace();
    const [contacts, meetings, tasks] = seed.databases;
    const all = JSON.stringify(seed);
    expect(all).toMatch(/\p{Extended_Pictographic}/u);
    expect(contacts!.pages!.some((p) => /[\u0590-\u08FF]/.test(p.properties!.Name.title[0].text.content))).toBe(true);
    const attendees = meetings!.pages!.map((p) => p.properties!.Attendees.relation.length);
    expect(attendees[0]).toBe(12); // the all-hands: every contact when there are fewer than 30
    expect(attendees.slice(1).every((n) => n >= 1 && n <= 4)).toBe(true);
    const linked = tasks!.pages!.filter((p) => p.properties!.Meeting.relation.length > 0).length;
    expect(linked).toBeGreaterThan(0);
    expect(linked).toBeLessThan(tasks!.pages!.length);
    for (const db of seed.databases) {
      const times = db.pages!.map((p) => Date.parse(p.created_time!));
      expect(times.every((t) => t >= Date.UTC(2025, 2, 1) && t < Date.now())).toBe(true);
      expect(times.slice(1).every((t, i) => t - times[i]! === 60_000)).toBe(true);
    }
    const emails = contacts!.pages!.map((p) => p.properties!.Email.email);
    expect(new Set(emails).size).toBe(emails.length);
  });

  it('with 40 contacts the all-hands has 30 attendees, read whole past the 25-item truncation', async () => {
    const { ids, seed } = sampleTwoWayWorkspace({ contacts: 40 });
    const emails = seed.databases[0]!.pages!.map((p) => p.properties!.Email.email);
    expect(new Set(emails).size).toBe(40);
    const { notion } = await serve(seed);
    const meeting = (await notion.retrievePage(stableUuid('meeting:0')))!;
    expect(Extract.relation(meeting, 'Attendees')).toHaveLength(30);
    expect(ids.meetingsDataSource).toBe(meeting.parent.data_source_id);
  });

  it('mergeSeeds combines it with the books workspace; a repeated id is refused', async () => {
    const books = sampleNotionWorkspace({ books: 2, highlightsPerBook: 1, firstBookHighlights: 1 });
    const twoWay = sampleTwoWayWorkspace();
    const merged = mergeSeeds(books.seed, twoWay.seed);
    expect(merged.databases.map((d) => d.title)).toEqual(['Books', 'Highlights', 'Contacts', 'Meetings', 'Tasks', 'Reflections', 'Journals']);
    const { emulator } = await serve(merged);
    expect(emulator.listPages(books.ids.booksDataSource)).toHaveLength(2);
    expect(emulator.listPages(twoWay.ids.tasksDataSource)).toHaveLength(15);
    expect(() => mergeSeeds(twoWay.seed, sampleTwoWayWorkspace({ contacts: 1 }).seed)).toThrow(/appears in more than one database/);
  });
});
