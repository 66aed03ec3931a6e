/**
 * Datasets and fields from the config file, end to end against the Notion emulator on PGlite and
 * PostgreSQL (issue 14, points 2, 3 and 5): a "recipes" database of your own with every kind of
 * property, extra fields on the built-in books, and schema drift in Notion stopping one dataset's
 * run before any write while the others go on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import { runAll } from '../../src/engine/runAll.ts';
import type { RunResult } from '../../src/engine/result.ts';
import { classifyMessage } from '../../src/notify/classify.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, type Harness } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const RECIPES_DB = 'a0a0a0a0-0000-4000-8000-00000000000a';
const RECIPES_DS = 'a0a0a0a0-0000-4000-8000-00000000000b';
const SIDES_DB = 'a0a0a0a0-0000-4000-8000-00000000000c';
const SIDES_DS = 'a0a0a0a0-0000-4000-8000-00000000000d';
const SOUP = 'a0a0a0a0-0000-4000-8000-000000000001';
const SALAD = 'a0a0a0a0-0000-4000-8000-000000000002';
const BREAD = 'a0a0a0a0-0000-4000-8000-000000000003';
const BUTTER = 'a0a0a0a0-0000-4000-8000-000000000004';

const CONFIG = {
  datasets: {
    books: { fields: { pages: { property: 'Pages' }, series_ids: { property: 'Series' } } },
    recipes: {
      databaseId: RECIPES_DB,
      direction: 'notion-to-postgres',
      table: 'recipes',
      fields: {
        name: { property: 'Name' },
        minutes: { property: 'Minutes' },
        tags: { property: 'Tags' },
        course: { property: 'Course' },
        stage: { property: 'Stage' },
        cooked_at: { property: 'Cooked' },
        cooked_on: { property: 'Cooked', type: 'date' },
        cooked_when: { property: 'Cooked', type: 'jsonb' },
        vegetarian: { property: 'Vegetarian' },
        source: { property: 'Source' },
        chef_email: { property: 'Chef email' },
        chef_phone: { property: 'Chef phone' },
        notes: { property: 'Notes' },
        photos: { property: 'Photos' },
        cooks: { property: 'Cooks' },
        double_minutes: { property: 'Double', type: 'numeric' },
        label: { property: 'Label' },
        quick: { property: 'Quick', type: 'boolean' },
        book_ids: { property: 'Books' },
        side_ids: { property: 'Sides' },
        side_kcal: { property: 'Side kcal' },
        side_names: { property: 'Side names' },
        created: { property: 'Created' },
        created_by: { property: 'Creator' },
        edited: { property: 'Edited' },
        edited_by: { property: 'Editor' },
        code: { property: 'Code' },
      },
    },
  },
};

const text = (s: string) => [{ text: { content: s } }];

describe.each(storeBackends())('datasets and fields from the config on %s', (kind) => {
  let store: Store;
  let h: Harness;
  let dir: string;
  let bookIds: string[];

  beforeAll(async () => {
    store = await openTestStore(kind);
    dir = mkdtempSync(join(tmpdir(), 'jarvis-config-datasets-'));
    writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(CONFIG));
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await resetTables(store);
    h = await createHarness(store, { books: 3, highlightsPerBook: 1, env: { JARVIS_CONFIG: join(dir, 'jarvis-sync.config.json') } });
    bookIds = h.emulator.listPages(h.ids.booksDataSource).map((p) => p.id);
    // The user's own databases, built through the emulator's seed API.
    h.emulator.updateSchema(h.ids.booksDataSource, { Pages: { number: {} } });
    h.emulator.seed({
      databases: [
        {
          id: SIDES_DB,
          dataSourceId: SIDES_DS,
          title: 'Sides',
          properties: { Name: { type: 'title' }, Kcal: { type: 'number', number: {} } },
          pages: [
            { id: BREAD, properties: { Name: { title: text('Bread') }, Kcal: { number: 250 } } },
            { id: BUTTER, properties: { Name: { title: text('Butter') }, Kcal: { number: 100 } } },
          ],
        },
        {
          id: RECIPES_DB,
          dataSourceId: RECIPES_DS,
          title: 'Recipes',
          properties: {
            Name: { type: 'title' },
            Minutes: { type: 'number', number: {} },
            Tags: { type: 'multi_select', multi_select: { options: [] } },
            Course: { type: 'select', select: { options: [{ name: 'Main' }, { name: 'Starter' }] } },
            Stage: { type: 'status' },
            Cooked: { type: 'date' },
            Vegetarian: { type: 'checkbox' },
            Source: { type: 'url' },
            'Chef email': { type: 'email' },
            'Chef phone': { type: 'phone_number' },
            Notes: { type: 'rich_text' },
            Photos: { type: 'files' },
            Cooks: { type: 'people' },
            Double: { type: 'formula', formula: { expression: 'prop("Minutes") * 2' } },
            Label: { type: 'formula', formula: { expression: 'prop("Name") + " (" + prop("Course") + ")"' } },
            Quick: { type: 'formula', formula: { expression: 'prop("Minutes") < 30' } },
            Books: { type: 'relation', relation: { data_source_id: h.ids.booksDataSource } },
            Sides: { type: 'relation', relation: { data_source_id: SIDES_DS } },
            'Side kcal': { type: 'rollup', rollup: { relation_property_name: 'Sides', rollup_property_name: 'Kcal', function: 'sum' } },
            'Side names': { type: 'rollup', rollup: { relation_property_name: 'Sides', rollup_property_name: 'Name', function: 'show_original' } },
            Created: { type: 'created_time' },
            Creator: { type: 'created_by' },
            Edited: { type: 'last_edited_time' },
            Editor: { type: 'last_edited_by' },
            Code: { type: 'unique_id', unique_id: { prefix: 'REC' } },
            'Cook it': { type: 'button' },
          },
          pages: [
            {
              id: SOUP,
              created_time: '2026-03-01T08:00:00.000Z',
              properties: {
                Name: { title: text('Soup') },
                Minutes: { number: 25 },
                Tags: { multi_select: [{ name: 'warm' }, { name: 'easy' }] },
                Course: { select: { name: 'Starter' } },
                Stage: { status: { name: 'Done' } },
                Cooked: { date: { start: '2026-03-01T19:30:00', time_zone: 'Europe/Berlin' } },
                Vegetarian: { checkbox: true },
                Source: { url: 'https://example.org/soup' },
                'Chef email': { email: 'Chef@Example.org' },
                'Chef phone': { phone_number: '+49 30 1234567' },
                Notes: { rich_text: text('Salt at the end.') },
                Photos: { files: [{ name: 'soup.jpg', external: { url: 'https://img.example.org/soup.jpg' } }] },
                Cooks: { people: [{ id: h.emulator.personId }] },
                Books: { relation: [{ id: bookIds[0] }] },
                Sides: { relation: [{ id: BREAD }, { id: BUTTER }] },
              },
            },
            { id: SALAD, created_time: '2026-03-01T08:00:00.000Z', properties: { Name: { title: text('Salad') }, Minutes: { number: 40.5 }, Course: { select: { name: 'Main' } } } },
          ],
        },
      ],
    });
    h.emulator.updateSchema(h.ids.booksDataSource, { Series: { relation: { data_source_id: SIDES_DS } } });
    h.emulator.updatePage(bookIds[0]!, { Pages: { number: 412 }, Series: { relation: [{ id: BREAD }] } });
    // Every start migrates: the recipes table exists (standard columns and typed fields) before the first run.
    await migrate(store, { datasets: datasetsForTables(h.config.datasets) });
  });
  afterEach(async () => {
    await h.close();
  });

  const byDataset = (results: RunResult[]) => Object.fromEntries(results.filter((r) => r.status !== 'skipped').map((r) => [r.dataset, r]));
  const recipe = async (id: string) => (await store.query<Record<string, any>>('SELECT * FROM recipes WHERE notion_page_id = $1', [id])).rows[0]!;

  it('syncs a database of your own with every kind of property, into columns typed by the kinds', async () => {
    const results = byDataset(await runAll(h.ctx, {}));
    expect(Object.keys(results)).toEqual(['books', 'highlights', 'recipes']);
    expect(results.recipes).toMatchObject({ status: 'success', created: 2, errors: [] });

    const { rows: columns } = await store.query<{ column_name: string; type: string }>(
      `SELECT a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = 'recipes'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    );
    const types = Object.fromEntries(columns.map((c) => [c.column_name, c.type]));
    expect(types).toMatchObject({
      name: 'text', minutes: 'numeric', tags: 'text[]', course: 'text', stage: 'text', cooked_at: 'timestamp with time zone', cooked_on: 'date',
      cooked_when: 'jsonb', vegetarian: 'boolean', source: 'text', chef_email: 'text', chef_phone: 'text', notes: 'text', photos: 'text[]',
      cooks: 'text[]', double_minutes: 'numeric', label: 'text', quick: 'boolean', book_ids: 'uuid[]', side_ids: 'text[]', side_kcal: 'numeric',
      side_names: 'text[]', created: 'timestamp with time zone', created_by: 'text', edited: 'timestamp with time zone', edited_by: 'text', code: 'text',
    });
    expect(types).not.toHaveProperty('cook_it');

    const soup = await recipe(SOUP);
    const { rows: books } = await store.query<{ id: string }>('SELECT id FROM books WHERE notion_page_id = $1', [bookIds[0]]);
    expect(soup).toMatchObject({
      name: 'Soup',
      minutes: 25,
      tags: ['warm', 'easy'],
      course: 'Starter',
      stage: 'Done',
      cooked_on: '2026-03-01',
      cooked_when: { start: '2026-03-01T19:30:00', end: null, time_zone: 'Europe/Berlin' },
      vegetarian: true,
      source: 'https://example.org/soup',
      chef_email: 'Chef@Example.org',
      chef_phone: '+49 30 1234567',
      notes: 'Salt at the end.',
      photos: ['https://img.example.org/soup.jpg'],
      cooks: [h.emulator.personId],
      double_minutes: 50,
      label: 'Soup (Starter)',
      quick: true,
      book_ids: [books[0]!.id],
      side_ids: [BREAD, BUTTER],
      side_kcal: 350,
      side_names: ['Bread', 'Butter'],
      created_by: h.emulator.personId,
      code: 'REC-1',
      last_sync_source: 'notion',
    });
    // Berlin wall time 19:30 in March is 18:30 UTC.
    expect(new Date(soup.cooked_at).toISOString()).toBe('2026-03-01T18:30:00.000Z');
    expect(new Date(soup.created).toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(await recipe(SALAD)).toMatchObject({ minutes: 40.5, tags: [], quick: false, book_ids: [], side_kcal: 0, cooked_at: null, cooked_when: null, code: 'REC-2' });

    // Read back and compared, every kind is stable: a full run changes nothing.
    h.clock.advance(60_000);
    const again = byDataset(await runAll(h.ctx, { full: true }));
    expect(again.recipes).toMatchObject({ status: 'success', created: 0, updated: 0 });
  });

  it('costs one request for an incremental run with nothing new, and writes only what changed', async () => {
    await runAll(h.ctx, {});
    h.clock.advance(10 * 60_000);
    const quiet = byDataset(await runAll(h.ctx, {}));
    expect(quiet.recipes).toMatchObject({ status: 'success', updated: 0, notionRequests: 1 });

    h.emulator.updatePage(SALAD, { Minutes: { number: 20 } });
    h.clock.advance(60_000);
    const edited = byDataset(await runAll(h.ctx, {}));
    expect(edited.recipes).toMatchObject({ status: 'success', created: 0, updated: 1 });
    expect(await recipe(SALAD)).toMatchObject({ minutes: 20, double_minutes: 40, quick: true });
  });

  it('adds the extra fields of a built-in dataset to its table and fills them', async () => {
    const results = byDataset(await runAll(h.ctx, {}));
    expect(results.books).toMatchObject({ status: 'success' });
    const { rows } = await store.query<Record<string, any>>('SELECT title, rating, pages, series_ids FROM books WHERE notion_page_id = $1', [bookIds[0]]);
    // Series relates to a database that is not synced: page ids, as text.
    expect(rows[0]).toMatchObject({ pages: 412, series_ids: [BREAD] });
  });

  describe('schema drift in Notion', () => {
    const drift = async (change: Record<string, unknown>) => {
      const first = byDataset(await runAll(h.ctx, {}));
      expect(first.recipes!.status).toBe('success');
      h.emulator.updateSchema(RECIPES_DS, change);
      // A page edited after the change: the incremental run reads it and must not write it.
      h.emulator.updatePage(SOUP, { Name: { title: text('Soup, renamed') } });
      h.emulator.updatePage(bookIds[1]!, { Author: { rich_text: text('Someone Else') } });
      h.clock.advance(60_000);
      const results = byDataset(await runAll(h.ctx, {}));
      expect(results.recipes!.status).toBe('error');
      expect((await recipe(SOUP)).name).toBe('Soup');
      // The other datasets go on.
      expect(results.books).toMatchObject({ status: 'success', updated: 1 });
      // Not record errors: one permanent schema problem, notified at once.
      expect(results.recipes!.errors).toEqual([]);
      expect(classifyMessage(results.recipes!.message, 'recipes')).toMatchObject({ key: 'schema:recipes', severity: 'permanent', dataset: 'recipes' });
      return results.recipes!.message!;
    };

    it('a renamed property stops the run before any write, naming the property and the new name', async () => {
      const message = await drift({ Minutes: { name: 'Cook time' } });
      expect(message).toContain('recipes: Notion data source "Recipes" does not match the mapping: property "Minutes" (column minutes) was renamed to "Cook time" in Notion: rename it back, or set datasets.recipes.fields.minutes.property to "Cook time"');
      // Renamed back, the run goes on and writes what was held back.
      h.emulator.updateSchema(RECIPES_DS, { 'Cook time': { name: 'Minutes' } });
      h.clock.advance(60_000);
      const healed = byDataset(await runAll(h.ctx, {}));
      expect(healed.recipes).toMatchObject({ status: 'success', updated: 1 });
      expect((await recipe(SOUP)).name).toBe('Soup, renamed');
    });

    it('a deleted property stops the run, saying it was deleted', async () => {
      const message = await drift({ Tags: null });
      expect(message).toContain('property "Tags" (column tags) is not in the Notion database any more (deleted): restore it in Notion, or map the field to another property (datasets.recipes.fields.tags.property)');
    });

    it('a property changed to another type stops the run, with both types', async () => {
      const message = await drift({ Minutes: { rich_text: {} } });
      expect(message).toContain('property "Minutes" (column minutes) is now rich_text, was number: change it back to number in Notion');
    });

    it('a built-in field\'s property renamed stops that dataset too (books), the others go on', async () => {
      await runAll(h.ctx, {});
      h.emulator.updateSchema(h.ids.booksDataSource, { Author: { name: 'Writer' } });
      h.emulator.updatePage(bookIds[1]!, { Title: { title: text('Changed') } });
      h.emulator.updatePage(SALAD, { Minutes: { number: 5 } });
      h.clock.advance(60_000);
      const results = byDataset(await runAll(h.ctx, {}));
      expect(results.books!.status).toBe('error');
      expect(results.books!.message).toContain('property "Author" (column author) was renamed to "Writer" in Notion');
      expect(results.recipes).toMatchObject({ status: 'success', updated: 1 });
      const { rows } = await store.query<{ title: string }>('SELECT title FROM books WHERE notion_page_id = $1', [bookIds[1]]);
      expect(rows[0]!.title).not.toBe('Changed');
    });
  });

  it('refuses a button or a type the property cannot fill when the run reads the schema, before any write', async () => {
    const bad = { ...CONFIG, datasets: { recipes: { ...CONFIG.datasets.recipes, fields: { name: { property: 'Name' }, cook: { property: 'Cook it' }, tags: { property: 'Tags', type: 'boolean' } } } } };
    writeFileSync(join(dir, 'bad.config.json'), JSON.stringify(bad));
    const other = await createHarness(store, { books: 1, env: { JARVIS_CONFIG: join(dir, 'bad.config.json') } });
    try {
      other.emulator.seed({ databases: [{ id: RECIPES_DB, dataSourceId: RECIPES_DS, title: 'Recipes', properties: { Name: { type: 'title' }, Tags: { type: 'multi_select', multi_select: { options: [] } }, 'Cook it': { type: 'button' } } }] });
      const results = byDataset(await runAll(other.ctx, {}));
      expect(results.recipes!.status).toBe('error');
      expect(results.recipes!.message).toContain('datasets.recipes.fields.cook: "Cook it" is a button: a button holds no value to store');
      expect(results.recipes!.message).toContain('datasets.recipes.fields.tags: "Tags" is a multi_select property, which a boolean column cannot hold without loss (possible: text[], jsonb)');
    } finally {
      await other.close();
    }
  });
});
