/**
 * Issue 14, point 6: every step of every dataset reads its table and columns from the one
 * description, as the config renames them. A config renames the table of all nine datasets and
 * every column a field maps to (contacts' addresses to `email`/`phone`, the override that once made
 * the Google step miss every Notion contact: 32 rows for 20 people), adds an extra field to contacts
 * and books, and `sync all` runs with Google against the demo's Notion workspace and Google account
 * (the emulators), on PGlite and PostgreSQL. Asserted: the renamed tables and columns hold the data,
 * nothing under a default name was created, contacts are matched three ways without duplicates,
 * relations resolve, a second run writes nothing, and doctor and the dashboard name the tables.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunContext } from '../../src/cli/app.ts';
import { describeGoogleRows, editLikeAUser, startDemoWorkspace, type DemoWorkspace } from '../../src/cli/commands/demo.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { presetDatasets } from '../../src/datasets/index.ts';
import { keyedSpecOf } from '../../src/engine/google/applyKeyedRows.ts';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import type { RunContext } from '../../src/engine/context.ts';
import type { RunResult } from '../../src/engine/result.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { loadDashboard } from '../../src/server/dashboard/data.ts';
import { planDatasetTables } from '../../src/store/adoptTables.ts';
import { tableSpec } from '../../src/store/datasetTables.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

/** Every table and every field's column renamed; two extra fields. */
const RENAMES = {
  contacts: { table: 'crm_people', columns: { name: 'full_name', email: 'email', phone: 'phone', company: 'employer', notes: 'remarks', tags: 'labels' } },
  meetings: { table: 'gatherings', columns: { title: 'headline', date: 'held_at', summary: 'recap', type: 'kind', contact_ids: 'attendee_ids' } },
  tasks: { table: 'todo_items', columns: { title: 'label', status: 'state', due_date: 'due_on', priority: 'urgency', notes: 'details', meeting_id: 'gathering_id' } },
  reflections: { table: 'musings', columns: { title: 'headline', date: 'written_on', content: 'body', mood: 'feeling' } },
  journals: { table: 'diary', columns: { title: 'headline', date: 'written_on', content: 'body', tags: 'labels' } },
  books: { table: 'library', columns: { title: 'headline', author: 'writer', status: 'state', rating: 'stars', finished_at: 'read_on', url: 'link', tags: 'labels' } },
  highlights: { table: 'quotes', columns: { text: 'quote', book_id: 'volume_id', location: 'place', note: 'remark', highlighted_at: 'marked_at' } },
  // Google's datasets rename their own columns by their default names (not google_updated_at, which
  // the updated_at trigger knows by name).
  calendar: {
    table: 'agenda',
    columns: {
      google_event_id: 'event_key', calendar_id: 'cal', summary: 'headline', description: 'details', location: 'venue', starts_at: 'begins',
      ends_at: 'finishes', all_day: 'whole_day', start_date: 'first_day', end_date: 'day_after', time_zone: 'tz', status: 'state',
      attendee_emails: 'guests', contact_ids: 'guest_ids', recurring_event_id: 'series_key', html_link: 'link',
    },
  },
  gmail: {
    table: 'mailbox',
    columns: {
      gmail_message_id: 'message_key', thread_id: 'thread_key', from_address: 'sender', to_addresses: 'recipients', cc_addresses: 'copied',
      subject: 'topic', snippet: 'preview', label_ids: 'labels', sent_at: 'sent', contact_ids: 'correspondent_ids', history_id: 'history_key',
    },
  },
} as const;

const CONFIG = {
  datasets: {
    ...Object.fromEntries(Object.entries(RENAMES).map(([name, r]) => [name, { table: r.table, columns: r.columns }])),
    contacts: { table: RENAMES.contacts.table, columns: RENAMES.contacts.columns, fields: { nickname: { property: 'Nickname' } } },
    books: { table: RENAMES.books.table, columns: RENAMES.books.columns, fields: { page_count: { property: 'Pages' } } },
  },
};

const DEFAULT_TABLES = presetDatasets.map((d) => d.table);

describe.each(storeBackends())('every table and column renamed through the config, sync all with Google on %s', (kind) => {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-rename-'));
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  let store: Store;
  let demo: DemoWorkspace;
  let config: Config;
  let ctx: RunContext;
  let first: RunResult[];
  let second: RunResult[];

  const rows = async (sql: string, params: unknown[] = []) => (await store.query<Record<string, any>>(sql, params)).rows;
  const columnsOf = async (table: string) =>
    (await rows(`SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [table])).map((r) => r.column_name as string);
  const byDataset = (results: RunResult[]) => {
    const out = new Map<string, RunResult[]>();
    for (const r of results) out.set(r.dataset, [...(out.get(r.dataset) ?? []), r]);
    return out;
  };

  beforeAll(async () => {
    writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(CONFIG));
    const base = loadConfig({ env: { JARVIS_DATA_DIR: dir }, cwd: dir });
    demo = await startDemoWorkspace(base, { NOTION_REQUESTS_PER_SECOND: '50' }, { clock });
    config = demo.config;
    // The extra fields' properties, in the demo's Notion databases.
    demo.emulator.updateSchema(demo.ids.contactsDataSource, { Nickname: { rich_text: {} } });
    demo.emulator.updateSchema(demo.ids.booksDataSource, { Pages: { number: {} } });
    const maya = demo.emulator.listPages(demo.ids.contactsDataSource)[0]!;
    demo.emulator.updatePage(maya.id, { Nickname: { rich_text: [{ text: { content: 'May' } }] } });
    const book = demo.emulator.listPages(demo.ids.booksDataSource)[0]!;
    demo.emulator.updatePage(book.id, { Pages: { number: 321 } });
    store = await openTestStore(kind, { migrate: false });
    await migrate(store, { datasets: datasetsForTables(config.datasets) });
    ctx = createRunContext(config, store, silentLogger, clock);
    first = await runAll(ctx, { full: true });
    clock.advance(10 * 60_000);
    second = await runAll(ctx, {});
  }, 240_000);

  afterAll(async () => {
    await store?.close();
    await demo?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every step of the nine datasets with success', () => {
    const steps = byDataset(first);
    for (const name of [...Object.keys(RENAMES), 'contacts_google']) {
      for (const r of steps.get(name) ?? []) expect(r.status, `${name}: ${r.message} ${JSON.stringify(r.errors.slice(0, 3))}`).toBe('success');
      expect(steps.get(name)?.length, name).toBeGreaterThan(0);
    }
  });

  it('creates the tables and columns under the config’s names, and none under the default ones', async () => {
    const { rows: present } = await store.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ANY($1::text[])`,
      [DEFAULT_TABLES],
    );
    expect(present).toEqual([]);
    for (const d of presetDatasets) {
      const renamed = RENAMES[d.name as keyof typeof RENAMES];
      const columns = await columnsOf(renamed.table);
      expect(columns.length, d.name).toBeGreaterThan(7);
      const renames = renamed.columns as Record<string, string>;
      for (const [from, to] of [...d.fields.map((f) => [f.column, renames[f.field]!]), ...(d.extraColumns ?? []).filter((c) => renames[c.column]).map((c) => [c.column, renames[c.column]!])]) {
        expect(columns, `${d.name}: ${from} → ${to}`).toContain(to);
        if (from !== to) expect(columns, `${d.name}: default column ${from}`).not.toContain(from);
      }
      // Not renamable: a date's end column, the Google bookkeeping the updated_at trigger knows by name.
      const kept = columns.filter((c) => !Object.values(renames).includes(c) && !['id', 'notion_page_id', 'notion_updated_at', 'last_sync_source', 'created_at', 'updated_at', 'deleted_at'].includes(c));
      expect(kept.sort(), d.name).toEqual(
        ({ contacts: ['google_etag', 'google_resource_name', 'google_updated_at', 'nickname'], meetings: ['end_date'], books: ['page_count'], calendar: ['google_updated_at'] } as Record<string, string[]>)[d.name] ?? [],
      );
    }
    expect(await columnsOf('crm_people')).toContain('nickname');
    expect(await columnsOf('library')).toContain('page_count');
    const { rows: owned } = await store.query(`SELECT table_name, dataset FROM jarvis_sync.owned_tables ORDER BY dataset`);
    expect(owned).toEqual(Object.entries(RENAMES).map(([dataset, r]) => ({ table_name: r.table, dataset })).sort((a, b) => a.dataset.localeCompare(b.dataset)));
  });

  it('fills the renamed columns from Notion', async () => {
    const n = (ds: string) => demo.emulator.listPages(ds).length;
    const count = async (table: string, column: string) => (await rows(`SELECT count(*)::int AS n, count(${column})::int AS filled FROM ${table} WHERE deleted_at IS NULL AND notion_page_id IS NOT NULL`))[0];
    expect(await count('gatherings', 'headline')).toEqual({ n: n(demo.ids.meetingsDataSource), filled: n(demo.ids.meetingsDataSource) });
    expect(await count('todo_items', 'label')).toEqual({ n: n(demo.ids.tasksDataSource), filled: n(demo.ids.tasksDataSource) });
    expect(await count('musings', 'body')).toEqual({ n: n(demo.ids.reflectionsDataSource), filled: n(demo.ids.reflectionsDataSource) });
    expect(await count('diary', 'body')).toEqual({ n: n(demo.ids.journalsDataSource), filled: n(demo.ids.journalsDataSource) });
    expect(await count('library', 'writer')).toEqual({ n: n(demo.ids.booksDataSource), filled: n(demo.ids.booksDataSource) });
    expect(await count('quotes', 'quote')).toEqual({ n: n(demo.ids.highlightsDataSource), filled: n(demo.ids.highlightsDataSource) });
    const maya = demo.emulator.listPages(demo.ids.contactsDataSource)[0]!;
    expect((await rows(`SELECT full_name, nickname, employer, labels FROM crm_people WHERE notion_page_id = $1`, [maya.id]))[0]).toMatchObject({ nickname: 'May' });
    const book = demo.emulator.listPages(demo.ids.booksDataSource)[0]!;
    expect((await rows(`SELECT page_count FROM library WHERE notion_page_id = $1`, [book.id]))[0]).toEqual({ page_count: 321 });
  });

  it('matches contacts three ways by the renamed address columns: one row and one Notion page per person', async () => {
    const people = demo.google.people.listPeople();
    const notionEmails = new Set(demo.emulator.listPages(demo.ids.contactsDataSource).map((p) => String((p.properties.Email as any)?.email ?? '').toLowerCase()));
    const shared = people.filter((p) => (p.emailAddresses ?? []).some((e) => notionEmails.has(String(e.value).toLowerCase()))).length;
    const notionOnly = notionEmails.size - shared;
    const expected = people.length + notionOnly;
    const contacts = await rows(`SELECT id, full_name, email, phone, notion_page_id, google_resource_name FROM crm_people WHERE deleted_at IS NULL`);
    expect(contacts).toHaveLength(expected);
    // Addresses are lists in the renamed columns, never a list's text in a scalar.
    for (const c of contacts) {
      expect(Array.isArray(c.email), JSON.stringify(c)).toBe(true);
      for (const e of c.email) expect(e).not.toMatch(/[{}]/);
    }
    expect(contacts.filter((c) => c.google_resource_name).length).toBe(people.length);
    expect(contacts.filter((c) => c.notion_page_id && c.google_resource_name).length).toBe(shared);
    // Every row has its Notion page (Google's new people got one), and Notion holds no duplicate.
    expect(contacts.every((c) => c.notion_page_id)).toBe(true);
    const pages = demo.emulator.listPages(demo.ids.contactsDataSource);
    expect(pages).toHaveLength(expected);
    const pageEmails = pages.map((p) => String((p.properties.Email as any)?.email ?? '').toLowerCase()).filter(Boolean);
    expect(new Set(pageEmails).size).toBe(pageEmails.length);
  });

  it('resolves relations through the renamed tables and columns', async () => {
    const [{ n: attended }] = await rows(
      `SELECT count(*)::int AS n FROM gatherings g CROSS JOIN LATERAL unnest(g.attendee_ids) a JOIN crm_people c ON c.id = a WHERE g.deleted_at IS NULL`,
    );
    const relations = demo.emulator.listPages(demo.ids.meetingsDataSource).reduce((s, p) => s + ((p.properties.Attendees as any)?.relation?.length ?? 0), 0);
    expect(attended).toBe(relations);
    const [{ n: linkedTasks }] = await rows(`SELECT count(*)::int AS n FROM todo_items t JOIN gatherings g ON g.id = t.gathering_id`);
    expect(linkedTasks).toBe(demo.emulator.listPages(demo.ids.tasksDataSource).filter((p) => (p.properties.Meeting as any)?.relation?.length).length);
    const [{ n: quoted }] = await rows(`SELECT count(*)::int AS n FROM quotes q JOIN library b ON b.id = q.volume_id`);
    expect(quoted).toBe(demo.emulator.listPages(demo.ids.highlightsDataSource).length);
    // Calendar events and e-mails link to the renamed contacts by their renamed addresses.
    const [events] = await rows(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE cardinality(guest_ids) > 0)::int AS linked, count(*) FILTER (WHERE cardinality(guests) > 0)::int AS guests FROM agenda a WHERE deleted_at IS NULL`,
    );
    expect(events.n).toBe(byDataset(first).get('calendar')![0]!.created);
    expect(events.linked).toBeGreaterThan(0);
    const [{ n: unresolved }] = await rows(
      `SELECT count(*)::int AS n FROM agenda a CROSS JOIN LATERAL unnest(a.guest_ids) g LEFT JOIN crm_people c ON c.id = g WHERE c.id IS NULL`,
    );
    expect(unresolved).toBe(0);
    const [mails] = await rows(`SELECT count(*)::int AS n, count(*) FILTER (WHERE cardinality(correspondent_ids) > 0)::int AS linked, count(sender)::int AS senders FROM mailbox WHERE deleted_at IS NULL`);
    expect(mails.n).toBe(byDataset(first).get('gmail')![0]!.created);
    expect(mails).toMatchObject({ senders: mails.n });
    expect(mails.linked).toBeGreaterThan(0);
  });

  it('writes nothing on the second run', () => {
    for (const r of second.filter((x) => x.status !== 'skipped')) {
      expect(r.status, `${r.dataset}: ${r.message}`).toBe('success');
      expect({ dataset: r.dataset, created: r.created, updated: r.updated, deleted: r.deleted, restored: r.restored }).toEqual({ dataset: r.dataset, created: 0, updated: 0, deleted: 0, restored: 0 });
    }
  });

  it('carries edits on every side through the renamed columns: Google, Postgres and Notion (the demo’s own edits, which follow the config too)', async () => {
    expect(await describeGoogleRows(store, config)).toMatch(/^From Google: \d+ calendar events .* and \d+ e-mails; \d+ contacts, \d+ of them linked to a Notion page and a Google contact alike\.$/);
    // A phone changed in Google Contacts (the demo's cycle 6), and a meeting summary changed by an app in Postgres (cycle 7).
    const phoneEdit = await editLikeAUser(demo, store, 6, clock);
    const summaryEdit = await editLikeAUser(demo, store, 7, clock);
    expect([phoneEdit.side, summaryEdit.side]).toEqual(['google', 'postgres']);
    const phone = /to (\+1 415-555-\d{4})/.exec(phoneEdit.description)![1]!;
    const book = demo.emulator.listPages(demo.ids.booksDataSource)[1]!;
    demo.emulator.updatePage(book.id, { Author: { rich_text: [{ text: { content: 'Someone Renamed' } }] } });
    clock.advance(60_000);
    const results = await runAll(ctx, {});
    for (const r of results) expect(r.status, `${r.dataset}: ${r.message}`).toBe('success');

    const [person] = await rows(`SELECT id, full_name, phone, notion_page_id FROM crm_people WHERE $1 = ANY(phone)`, [phone.replace(/[ -]/g, '')]);
    expect(person, `${phone} in crm_people.phone`).toBeDefined();
    const page = demo.emulator.listPages(demo.ids.contactsDataSource).find((p) => p.id === person!.notion_page_id)!;
    expect((page.properties.Phone as any).phone_number.replace(/[ -]/g, '')).toBe(phone.replace(/[ -]/g, ''));
    const [meeting] = await rows(`SELECT recap, notion_page_id FROM gatherings WHERE recap LIKE 'Follow-ups sent on %'`);
    const meetingPage = demo.emulator.listPages(demo.ids.meetingsDataSource).find((p) => p.id === meeting!.notion_page_id)!;
    expect((meetingPage.properties.Summary as any).rich_text.map((t: any) => t.plain_text).join('')).toBe(meeting!.recap);
    expect((await rows(`SELECT writer FROM library WHERE notion_page_id = $1`, [book.id]))[0]).toEqual({ writer: 'Someone Renamed' });
  });

  it('doctor and the dashboard name the renamed tables', async () => {
    const plans = await planDatasetTables(store, config.datasets);
    expect(plans.map((p) => `${p.spec.table} ${p.action}`).sort()).toEqual(Object.values(RENAMES).map((r) => `${r.table} none`).sort());
    const data = await loadDashboard({ store, config, now: () => clock.now() });
    const tables = Object.fromEntries(data.datasets.map((d) => [d.name, d.table]));
    expect(tables).toEqual({ ...Object.fromEntries(Object.entries(RENAMES).map(([name, r]) => [name, r.table])), contacts_google: 'crm_people' });
  });
});

describe('renaming the Google datasets’ columns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-rename-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const load = (datasets: object) => {
    writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify({ datasets }));
    return loadConfig({ env: {}, cwd: dir });
  };

  it('renames a column by its default name, with its index', () => {
    const calendar = load({ calendar: { columns: { google_event_id: 'event_key', starts_at: 'begins' } } }).datasets.find((d) => d.name === 'calendar')!;
    expect(calendar.columnNames).toEqual({ google_event_id: 'event_key', starts_at: 'begins' });
    expect(calendar.extraColumns!.map((c) => c.column)).toEqual(expect.arrayContaining(['event_key', 'begins', 'ends_at']));
    expect(calendar.indexes).toEqual([{ on: 'event_key', unique: true }, { on: 'begins' }]);
    // The calendar step builds its rows under the default names and writes them under the new ones.
    const keyed = keyedSpecOf(calendar);
    expect([keyed.keyColumn, keyed.columnName!('google_event_id'), keyed.columnName!('starts_at'), keyed.columnName!('summary')]).toEqual(['google_event_id', 'event_key', 'begins', 'summary']);
    expect(keyed.columns).toMatchObject({ starts_at: 'timestamptz', ends_at: 'timestamptz' });
    expect(Object.keys(keyed.columns)).not.toContain('begins');
  });

  it('refuses a column the dataset does not have, and the bookkeeping the updated_at trigger knows by name', () => {
    expect(() => load({ gmail: { columns: { body: 'text_body' } } })).toThrow(
      /datasets\.gmail\.columns: gmail has no column "body"; columns it can rename: gmail_message_id, thread_id, from_address, to_addresses, cc_addresses, subject, snippet, label_ids, sent_at, contact_ids, history_id$/,
    );
    expect(() => load({ calendar: { columns: { google_updated_at: 'changed' } } })).toThrow(/datasets\.calendar\.columns: calendar has no column "google_updated_at"; columns it can rename: google_event_id, /);
    expect(() => load({ contacts: { columns: { google_etag: 'etag' } } })).toThrow(/datasets\.contacts has no field "google_etag"; fields: name, email, phone, company, notes, tags$/);
    // Two columns under one name: refused when the table is described (every start's migrate), as for fields.
    const gmail = load({ gmail: { columns: { subject: 'snippet' } } }).datasets.find((d) => d.name === 'gmail')!;
    expect(() => tableSpec(gmail)).toThrow('dataset gmail: column "snippet" of table emails is used twice; map the fields to distinct columns (datasets.gmail.columns)');
  });
});
