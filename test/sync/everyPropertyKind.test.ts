/**
 * Issue 14, point 8, "every property type round-tripped": a Notion database with a property of
 * every kind the emulator computes or stores, mapped in a notion-to-postgres dataset of the config
 * to every column type the README's table ("Your own databases") documents for it — the default and
 * each lossless `type` — lands in Postgres on PGlite and PostgreSQL with those column types and
 * values: formulas of each result type, rollups of each function family over a relation past 25
 * items, relations past 25 to a synced and to an unsynced database, dates with an end and a time
 * zone, people, external and Notion-hosted files, unique ids, verification, place. A page with every
 * property empty gives the empty value of each column, and a full run afterwards writes nothing.
 * (test/sync/configDatasets.test.ts covers a recipes database end to end with drift; this one is
 * the matrix of kinds × column types.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import type { RunResult } from '../../src/engine/result.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

const LAB_DB = 'b0b0b0b0-0000-4000-8000-00000000000a';
const LAB_DS = 'b0b0b0b0-0000-4000-8000-00000000000b';
const PARTS_DB = 'b0b0b0b0-0000-4000-8000-00000000000c';
const PARTS_DS = 'b0b0b0b0-0000-4000-8000-00000000000d';
const FULL = 'b0b0b0b0-0000-4000-8000-000000000001';
const EMPTY = 'b0b0b0b0-0000-4000-8000-000000000002';
const part = (i: number) => `b0b0b0b0-0000-4000-8000-0000000001${String(i).padStart(2, '0')}`;
const PARTS = 30;

/** column → [property, type?]: every kind, in every column type the README documents for it. */
const FIELDS: Record<string, [string, string?]> = {
  name: ['Name'],
  body: ['Body'],
  blank: ['Blank'],
  amount: ['Amount'],
  amount_text: ['Amount', 'text'],
  choice: ['Choice'],
  choices: ['Choices'],
  choices_json: ['Choices', 'jsonb'],
  stage: ['Stage'],
  done: ['Done'],
  link: ['Link'],
  mail: ['Mail'],
  phone: ['Phone'],
  when_at: ['When'],
  when_on: ['When', 'date'],
  when_json: ['When', 'jsonb'],
  day_at: ['Day'],
  day_on: ['Day', 'date'],
  who: ['Who'],
  who_json: ['Who', 'jsonb'],
  docs: ['Docs'],
  docs_json: ['Docs', 'jsonb'],
  f_text: ['FNum'],
  f_num: ['FNum', 'numeric'],
  f_json: ['FNum', 'jsonb'],
  f_str: ['FStr'],
  f_bool: ['FBool', 'boolean'],
  f_date: ['FDate', 'timestamptz'],
  f_date_on: ['FDate', 'date'],
  part_ids: ['Parts'],
  book_ids: ['Books'],
  book_page_ids: ['Books', 'text[]'],
  r_sum: ['RSum'],
  r_sum_text: ['RSum', 'text'],
  r_sum_json: ['RSum', 'jsonb'],
  r_count: ['RCount'],
  r_pct: ['RPct'],
  r_earliest: ['REarliest'],
  r_earliest_on: ['REarliest', 'date'],
  r_latest: ['RLatest'],
  r_range: ['RRange'],
  r_range_json: ['RRange', 'jsonb'],
  r_names: ['RNames'],
  r_unique: ['RUnique'],
  created: ['Created'],
  created_by: ['Creator'],
  edited: ['Edited'],
  edited_by: ['Editor'],
  code: ['Code'],
  code_json: ['Code', 'jsonb'],
  checked: ['Check'],
  checked_json: ['Check', 'jsonb'],
  spot: ['Spot'],
};

const CONFIG = {
  datasets: {
    lab: {
      databaseId: LAB_DB,
      direction: 'notion-to-postgres',
      table: 'lab',
      fields: Object.fromEntries(Object.entries(FIELDS).map(([column, [property, type]]) => [column, type ? { property, type } : { property }])),
    },
  },
};

/** The column type each field gets: the README's default for its kind, or its `type`. */
const TYPES: Record<string, string> = {
  name: 'text', body: 'text', blank: 'text', amount: 'numeric', amount_text: 'text', choice: 'text', choices: 'text[]', choices_json: 'jsonb', stage: 'text',
  done: 'boolean', link: 'text', mail: 'text', phone: 'text', when_at: 'timestamp with time zone', when_on: 'date', when_json: 'jsonb',
  day_at: 'timestamp with time zone', day_on: 'date', who: 'text[]', who_json: 'jsonb', docs: 'text[]', docs_json: 'jsonb', f_text: 'text', f_num: 'numeric',
  f_json: 'jsonb', f_str: 'text', f_bool: 'boolean', f_date: 'timestamp with time zone', f_date_on: 'date', part_ids: 'text[]', book_ids: 'uuid[]',
  book_page_ids: 'text[]', r_sum: 'numeric', r_sum_text: 'text', r_sum_json: 'jsonb', r_count: 'numeric', r_pct: 'numeric', r_earliest: 'timestamp with time zone',
  r_earliest_on: 'date', r_latest: 'timestamp with time zone', r_range: 'timestamp with time zone', r_range_json: 'jsonb', r_names: 'text[]', r_unique: 'text[]',
  created: 'timestamp with time zone', created_by: 'text', edited: 'timestamp with time zone', edited_by: 'text', code: 'text', code_json: 'jsonb',
  checked: 'text', checked_json: 'jsonb', spot: 'jsonb',
};

const text = (s: string) => [{ text: { content: s } }];
const day = (i: number) => `2026-01-${String(1 + (i % 28)).padStart(2, '0')}`;

describe.each(storeBackends())('every property kind in every documented column type, on %s', (kind) => {
  let store: Store;
  let h: Harness;
  let dir: string;
  let bookIds: string[];
  let first: Record<string, RunResult>;
  let again: Record<string, RunResult>;
  const byDataset = (results: RunResult[]) => Object.fromEntries(results.filter((r) => r.status !== 'skipped').map((r) => [r.dataset, r]));
  const row = async (id: string) => (await store.query<Record<string, any>>('SELECT * FROM lab WHERE notion_page_id = $1', [id])).rows[0]!;

  beforeAll(async () => {
    store = await openTestStore(kind);
    dir = mkdtempSync(join(tmpdir(), 'jarvis-every-kind-'));
    writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(CONFIG));
    h = await createHarness(store, { books: PARTS, highlightsPerBook: 0, env: { JARVIS_CONFIG: join(dir, 'jarvis-sync.config.json') } });
    bookIds = h.emulator.listPages(h.ids.booksDataSource).map((p) => p.id);
    h.emulator.seed({
      databases: [
        {
          // Not a synced dataset: a relation to it holds page ids, and rollups read through it.
          id: PARTS_DB,
          dataSourceId: PARTS_DS,
          title: 'Parts',
          properties: {
            Name: { type: 'title' },
            Weight: { type: 'number', number: {} },
            Arrived: { type: 'date' },
            Tag: { type: 'multi_select', multi_select: { options: [] } },
            Fine: { type: 'checkbox' },
          },
          pages: Array.from({ length: PARTS }, (_, i) => ({
            id: part(i),
            properties: {
              Name: { title: text(`Part ${i + 1}`) },
              Weight: { number: i + 0.5 },
              Arrived: { date: { start: day(i) } },
              Tag: { multi_select: [{ name: i % 3 === 0 ? 'steel' : 'wood' }] },
              Fine: { checkbox: i % 4 === 0 },
            },
          })),
        },
        {
          id: LAB_DB,
          dataSourceId: LAB_DS,
          title: 'Lab',
          properties: {
            Name: { type: 'title' },
            Body: { type: 'rich_text' },
            Blank: { type: 'rich_text' },
            Amount: { type: 'number', number: {} },
            Choice: { type: 'select', select: { options: [{ name: 'A' }, { name: 'B' }] } },
            Choices: { type: 'multi_select', multi_select: { options: [] } },
            Stage: { type: 'status' },
            Done: { type: 'checkbox' },
            Link: { type: 'url' },
            Mail: { type: 'email' },
            Phone: { type: 'phone_number' },
            When: { type: 'date' },
            Day: { type: 'date' },
            Who: { type: 'people' },
            Docs: { type: 'files' },
            FNum: { type: 'formula', formula: { expression: 'prop("Amount") * 2' } },
            FStr: { type: 'formula', formula: { expression: 'prop("Name") + "!"' } },
            FBool: { type: 'formula', formula: { expression: 'prop("Amount") > 100' } },
            FDate: { type: 'formula', formula: { expression: 'dateAdd(prop("When"), 1, "days")' } },
            Parts: { type: 'relation', relation: { data_source_id: PARTS_DS } },
            Books: { type: 'relation', relation: { data_source_id: h.ids.booksDataSource } },
            RSum: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Weight', function: 'sum' } },
            RCount: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Name', function: 'count' } },
            RPct: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Fine', function: 'percent_checked' } },
            REarliest: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Arrived', function: 'earliest_date' } },
            RLatest: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Arrived', function: 'latest_date' } },
            RRange: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Arrived', function: 'date_range' } },
            RNames: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Name', function: 'show_original' } },
            RUnique: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Tag', function: 'show_unique' } },
            Created: { type: 'created_time' },
            Creator: { type: 'created_by' },
            Edited: { type: 'last_edited_time' },
            Editor: { type: 'last_edited_by' },
            Code: { type: 'unique_id', unique_id: { prefix: 'LAB' } },
            Check: { type: 'verification' },
            Spot: { type: 'place' },
            Press: { type: 'button' },
          },
          pages: [
            {
              id: FULL,
              created_time: '2026-02-01T08:00:00.000Z',
              properties: {
                Name: { title: text('Bench') },
                Body: { rich_text: [{ text: { content: 'Plain ' } }, { text: { content: 'bold' }, annotations: { bold: true } }, { text: { content: ' end' } }] },
                Amount: { number: 1234.5678 },
                Choice: { select: { name: 'B' } },
                Choices: { multi_select: [{ name: 'zeta' }, { name: 'alpha' }] },
                Stage: { status: { name: 'In progress' } },
                Done: { checkbox: true },
                Link: { url: 'https://example.org/bench' },
                Mail: { email: 'Lab@Example.org' },
                Phone: { phone_number: '+44 20 7946 0000' },
                When: { date: { start: '2026-07-01T09:30:00', end: '2026-07-01T11:00:00', time_zone: 'Europe/London' } },
                Day: { date: { start: '2026-02-28' } },
                Who: { people: [{ id: h.emulator.personId }] },
                Docs: { files: [{ name: 'spec.pdf', external: { url: 'https://files.example.org/spec.pdf' } }, { name: 'photo.jpg', file_upload: { id: 'upload-1' } }] },
                Parts: { relation: Array.from({ length: PARTS }, (_, i) => ({ id: part(i) })) },
                Books: { relation: bookIds.map((id) => ({ id })) },
                Check: { verification: { state: 'verified', date: { start: '2026-02-02' } } },
                Spot: { place: { lat: 51.5007, lon: -0.1246, name: 'Big Ben', address: 'London SW1A 0AA' } },
              },
            },
            { id: EMPTY, created_time: '2026-02-01T09:00:00.000Z', properties: { Name: { title: text('') } } },
          ],
        },
      ],
    });
    await migrate(store, { datasets: datasetsForTables(h.config.datasets) });
    first = byDataset(await runAll(h.ctx, {}));
    h.clock.advance(60_000);
    again = byDataset(await runAll(h.ctx, { full: true }));
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs the dataset, ignoring the button, into columns of the documented types', async () => {
    expect(first.lab, `${first.lab?.message} ${JSON.stringify(first.lab?.errors.slice(0, 3))}`).toMatchObject({ status: 'success', created: 2, errors: [] });
    const { rows } = await store.query<{ column_name: string; type: string }>(
      `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = 'lab'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    const types = Object.fromEntries(rows.map((c) => [c.column_name, c.type]));
    expect(Object.fromEntries(Object.keys(FIELDS).map((c) => [c, types[c]]))).toEqual(TYPES);
    expect(Object.keys(types).filter((c) => c.includes('press'))).toEqual([]);
  });

  it('holds each kind’s value as the README says', async () => {
    const r = await row(FULL);
    const { rows: books } = await store.query<{ id: string; notion_page_id: string }>('SELECT id, notion_page_id FROM books');
    const bookRow = new Map(books.map((b) => [b.notion_page_id, b.id]));
    const partNames = Array.from({ length: PARTS }, (_, i) => `Part ${i + 1}`);
    const weights = Array.from({ length: PARTS }, (_, i) => i + 0.5).reduce((a, b) => a + b, 0);
    expect(r).toMatchObject({
      name: 'Bench',
      body: 'Plain bold end', // formatting is not kept
      blank: null, // an empty text is NULL
      amount: 1234.5678,
      amount_text: '1234.5678',
      choice: 'B',
      choices: ['zeta', 'alpha'], // Notion's order
      choices_json: ['zeta', 'alpha'],
      stage: 'In progress',
      done: true,
      link: 'https://example.org/bench',
      mail: 'Lab@Example.org',
      phone: '+44 20 7946 0000',
      when_on: '2026-07-01', // the day as written
      when_json: { start: '2026-07-01T09:30:00', end: '2026-07-01T11:00:00', time_zone: 'Europe/London' },
      day_on: '2026-02-28',
      who: [h.emulator.personId], // no e-mail from Notion here: the user id
      docs: ['https://files.example.org/spec.pdf', 'https://prod-files-secure.s3.us-west-2.amazonaws.com/emulator/upload-1'],
      f_text: '2469.1356',
      f_num: 2469.1356,
      f_json: { type: 'number', number: 2469.1356 },
      f_str: 'Bench!',
      f_bool: true,
      f_date_on: '2026-07-02',
      part_ids: Array.from({ length: PARTS }, (_, i) => part(i)), // past Notion's 25
      book_ids: bookIds.map((id) => bookRow.get(id)), // the synced books' row ids, past 25
      book_page_ids: bookIds,
      r_sum: weights, // over all 30 related pages, not the first 25
      r_sum_text: String(weights),
      r_sum_json: expect.objectContaining({ type: 'number', number: weights }),
      r_count: PARTS,
      r_pct: 8 / PARTS,
      r_earliest_on: '2026-01-01',
      r_range_json: expect.objectContaining({ type: 'date', date: { start: '2026-01-01', end: '2026-01-28', time_zone: null } }),
      r_names: partNames,
      r_unique: ['steel', 'wood'],
      created_by: h.emulator.personId,
      edited_by: h.emulator.personId,
      code: 'LAB-1',
      code_json: { prefix: 'LAB', number: 1 },
      checked: 'verified',
      checked_json: expect.objectContaining({ state: 'verified', date: expect.objectContaining({ start: '2026-02-02' }) }),
      spot: { lat: 51.5007, lon: -0.1246, name: 'Big Ben', address: 'London SW1A 0AA' },
      last_sync_source: 'notion',
    });
    // A date with a time zone is that zone's wall time (London in summer: 09:30 BST is 08:30 UTC).
    expect(new Date(r.when_at).toISOString()).toBe('2026-07-01T08:30:00.000Z');
    expect(new Date(r.day_at).toISOString()).toBe('2026-02-28T00:00:00.000Z'); // a day alone: its midnight UTC
    expect(new Date(r.f_date).toISOString()).toBe(new Date(Date.parse(r.when_at) + 86_400_000).toISOString());
    expect(new Date(r.r_earliest).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(r.r_latest).toISOString()).toBe('2026-01-28T00:00:00.000Z');
    expect(new Date(r.r_range).toISOString()).toBe('2026-01-01T00:00:00.000Z'); // a date range's start
    expect(new Date(r.created).toISOString()).toBe('2026-02-01T08:00:00.000Z');
    expect(r.edited).toBeInstanceOf(Date);
    expect(r.who_json).toEqual([expect.objectContaining({ object: 'user', id: h.emulator.personId })]);
    // Name, kind and URL of each file; a Notion-hosted file's expiry_time is left out (it moves with every read).
    expect(r.docs_json).toEqual([
      { name: 'spec.pdf', type: 'external', url: 'https://files.example.org/spec.pdf' },
      { name: 'photo.jpg', type: 'file', url: 'https://prod-files-secure.s3.us-west-2.amazonaws.com/emulator/upload-1' },
    ]);
  });

  it('gives every column its empty value for a page whose properties are all empty (a status has its default option)', async () => {
    expect(await row(EMPTY)).toMatchObject({
      name: null, body: null, blank: null, amount: null, amount_text: null, choice: null, choices: [], choices_json: [], stage: 'Not started', done: false,
      link: null, mail: null, phone: null, when_at: null, when_on: null, when_json: null, day_at: null, who: [], who_json: [], docs: [], docs_json: [],
      f_num: null, f_bool: false, f_date: null, part_ids: [], book_ids: [], book_page_ids: [], r_sum: 0, r_count: 0, r_pct: 0, r_earliest: null,
      r_range: null, r_names: [], r_unique: [], code: 'LAB-2', checked: 'unverified', spot: null,
    });
  });

  it('reads every kind back the same: a full run afterwards writes nothing', () => {
    expect(again.lab).toMatchObject({ status: 'success', created: 0, updated: 0, deleted: 0 });
  });
});
