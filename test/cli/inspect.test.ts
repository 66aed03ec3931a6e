/**
 * `jarvis-sync inspect <database id or url>`: the config stanza for a Notion database of your own,
 * read from the Notion emulator through the product's connector: every property type's column and
 * type (the sync's own kind table), names derived and kept clear of the standard columns, the URL
 * forms Notion's "Copy link" gives, --json, --write (merge, refusal, --force) and bad input.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommand, UsageError } from '../../src/cli/args.ts';
import { runChecks, type CheckResult } from '../../src/cli/commands/doctor.ts';
import { inspectCommand } from '../../src/cli/commands/inspect.ts';
import { setupTwoWay } from '../../src/cli/commands/setup.ts';
import { helpText } from '../../src/cli/help.ts';
import { ColumnNamer, identifierFrom } from '../../src/cli/inspect/names.ts';
import { databaseIdFromArgument } from '../../src/cli/inspect/notionRef.ts';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { createNotionConnector } from '../../src/connectors/notion/index.ts';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { migrate } from '../../src/store/index.ts';
import { openTestStore } from '../helpers/stores.ts';
import { createNotionEmulator, DEFAULT_PERSON_ID } from '../../emulators/notion/index.ts';
import { sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';

const TOKEN = 'secret_inspect';
const RECIPES_DB = '11111111-1111-4111-8111-111111111111';
const RECIPES_DS = '11111111-1111-4111-8111-1111111111d5';
const INGREDIENTS_DB = '22222222-2222-4222-8222-222222222222';
const INGREDIENTS_DS = '22222222-2222-4222-8222-2222222222d5';
const EMPTY_DB = '33333333-3333-4333-8333-333333333333';
const PLAIN_DB = '44444444-4444-4444-8444-444444444444';
const TWO_SOURCES_DB = '55555555-5555-4555-8555-555555555555';
const TWO_SOURCES_DS = '55555555-5555-4555-8555-5555555555d5';
const compact = (id: string) => id.replaceAll('-', '');
const text = (content: string) => [{ text: { content } }];

/** A database with every property type Notion has, and names that collide with each other and with the standard columns. */
const seed = {
  databases: [
    {
      id: INGREDIENTS_DB,
      dataSourceId: INGREDIENTS_DS,
      title: 'Ingredients',
      properties: { Name: { type: 'title' }, Grams: { type: 'number' } },
      pages: [
        { id: 'a0000000-0000-4000-8000-000000000001', properties: { Name: { title: text('Flour') }, Grams: { number: 500 } } },
        { id: 'a0000000-0000-4000-8000-000000000002', properties: { Name: { title: text('Egg') }, Grams: { number: 60 } } },
      ],
    },
    {
      id: RECIPES_DB,
      dataSourceId: RECIPES_DS,
      title: 'My Recipes',
      properties: {
        Minutes: { type: 'number' },
        Name: { type: 'title' },
        Notes: { type: 'rich_text' },
        Tags: { type: 'multi_select', multi_select: { options: [{ name: 'quick' }, { name: 'sweet' }] } },
        Course: { type: 'select', select: { options: [{ name: 'Main' }] } },
        Stage: { type: 'status' },
        Served: { type: 'date' },
        'Cooked at': { type: 'date' },
        Vegan: { type: 'checkbox' },
        Source: { type: 'url' },
        'Chef e-mail': { type: 'email' },
        Phone: { type: 'phone_number' },
        Photos: { type: 'files' },
        Cooks: { type: 'people' },
        Ingredients: { type: 'relation', relation: { data_source_id: INGREDIENTS_DS, single_property: {} } },
        'Ingredient count': { type: 'rollup', rollup: { relation_property_name: 'Ingredients', rollup_property_name: 'Grams', function: 'count' } },
        'Total grams': { type: 'rollup', rollup: { relation_property_name: 'Ingredients', rollup_property_name: 'Grams', function: 'sum' } },
        'First made': { type: 'rollup', rollup: { relation_property_name: 'Ingredients', rollup_property_name: 'Grams', function: 'earliest_date' } },
        'Ingredient names': { type: 'rollup', rollup: { relation_property_name: 'Ingredients', rollup_property_name: 'Name', function: 'show_original' } },
        Double: { type: 'formula', formula: { expression: 'prop("Minutes") * 2' } },
        Label: { type: 'formula', formula: { expression: '"recipe: " + prop("Name")' } },
        Quick: { type: 'formula', formula: { expression: 'prop("Minutes") < 20' } },
        'Next cook': { type: 'formula', formula: { expression: 'dateAdd(prop("Served"), 1, "weeks")' } },
        Created: { type: 'created_time' },
        Edited: { type: 'last_edited_time' },
        Author: { type: 'created_by' },
        Editor: { type: 'last_edited_by' },
        Key: { type: 'unique_id', unique_id: { prefix: 'RC' } },
        Verified: { type: 'verification' },
        Where: { type: 'place' },
        Cook: { type: 'button' },
        // Names that collide: with the standard columns, with each other, or leave nothing behind.
        ID: { type: 'rich_text' },
        'Created at': { type: 'rich_text' },
        'Updated At': { type: 'rich_text' },
        'Notion updated_at': { type: 'rich_text' },
        NAME: { type: 'rich_text' },
        'Prep (min)': { type: 'number' },
        '2024 goal': { type: 'rich_text' },
        'Café ☕': { type: 'rich_text' },
        dueDate: { type: 'rich_text' },
        '🔥': { type: 'rich_text' },
      },
      pages: [
        {
          properties: {
            Name: { title: text('Pancakes') },
            Minutes: { number: 15 },
            Served: { date: { start: '2026-03-01' } },
            'Cooked at': { date: { start: '2026-03-01T08:30:00.000Z' } },
            Cooks: { people: [{ id: DEFAULT_PERSON_ID }] },
            Ingredients: { relation: [{ id: 'a0000000-0000-4000-8000-000000000001' }, { id: 'a0000000-0000-4000-8000-000000000002' }] },
          },
        },
        { properties: { Name: { title: text('Stew') }, Minutes: { number: 90 }, Served: { date: { start: '2026-02-01', end: '2026-02-02' } } } },
      ],
    },
    // No pages: nothing tells a formula's result type or whether dates have times.
    { id: EMPTY_DB, title: 'Empty Log', properties: { Title: { type: 'title' }, When: { type: 'date' }, Score: { type: 'formula', formula: { expression: '1 + 1' } } } },
    { id: TWO_SOURCES_DB, dataSourceId: TWO_SOURCES_DS, title: 'Projects', properties: { Name: { type: 'title' } } },
    // Neither dates nor formulas: the schema alone decides, two requests.
    { id: PLAIN_DB, title: 'Reading List', properties: { Title: { type: 'title' }, Pages: { type: 'number' }, 'Supabase ID': { type: 'rich_text' }, Done: { type: 'checkbox' } } },
  ],
};

/** Every mapped property of "My Recipes": property, Notion type, column, column type, what the table says about it. */
const RECIPE_ROWS: Array<[string, string, string, string, string]> = [
  ['Name', 'title', 'name', 'text', ''],
  ['Minutes', 'number', 'minutes', 'numeric', ''],
  ['Notes', 'rich_text', 'notes', 'text', ''],
  ['Tags', 'multi_select', 'tags', 'text[]', ''],
  ['Course', 'select', 'course', 'text', ''],
  ['Stage', 'status', 'stage', 'text', ''],
  ['Served', 'date', 'served', 'date', 'values are days'],
  ['Cooked at', 'date', 'cooked_at', 'timestamptz', 'values have times'],
  ['Vegan', 'checkbox', 'vegan', 'boolean', ''],
  ['Source', 'url', 'source', 'text', ''],
  ['Chef e-mail', 'email', 'chef_e_mail', 'text', ''],
  ['Phone', 'phone_number', 'phone', 'text', ''],
  ['Photos', 'files', 'photos', 'text[]', 'read-only'],
  ['Cooks', 'people', 'cooks', 'text[]', 'read-only'],
  ['Ingredients', 'relation', 'ingredients', 'text[]', 'related database is not synced: page ids'],
  ['Ingredient count', 'rollup', 'ingredient_count', 'numeric', 'rollup count; read-only'],
  ['Total grams', 'rollup', 'total_grams', 'numeric', 'rollup sum; read-only'],
  ['First made', 'rollup', 'first_made', 'timestamptz', 'rollup earliest_date; read-only'],
  ['Ingredient names', 'rollup', 'ingredient_names', 'text[]', 'rollup show_original; read-only'],
  ['Double', 'formula', 'double', 'numeric', 'values are numbers; read-only'],
  ['Label', 'formula', 'label', 'text', 'values are text; read-only'],
  ['Quick', 'formula', 'quick', 'boolean', 'values are true/false; read-only'],
  ['Next cook', 'formula', 'next_cook', 'date', 'values are days; read-only'],
  ['Created', 'created_time', 'created', 'timestamptz', 'read-only'],
  ['Edited', 'last_edited_time', 'edited', 'timestamptz', 'read-only'],
  ['Author', 'created_by', 'author', 'text', 'read-only'],
  ['Editor', 'last_edited_by', 'editor', 'text', 'read-only'],
  ['Key', 'unique_id', 'key', 'text', 'read-only'],
  ['Verified', 'verification', 'verified', 'text', 'read-only'],
  ['Where', 'place', 'where', 'jsonb', ''],
  ['ID', 'rich_text', 'notion_id', 'text', ''],
  ['Created at', 'rich_text', 'notion_created_at', 'text', ''],
  ['Updated At', 'rich_text', 'notion_updated_at_2', 'text', ''],
  ['Notion updated_at', 'rich_text', 'notion_updated_at_3', 'text', ''],
  ['NAME', 'rich_text', 'name_2', 'text', ''],
  ['Prep (min)', 'number', 'prep_min', 'numeric', ''],
  ['2024 goal', 'rich_text', '_2024_goal', 'text', ''],
  ['Café ☕', 'rich_text', 'cafe', 'text', ''],
  ['dueDate', 'rich_text', 'due_date', 'text', ''],
  ['🔥', 'rich_text', 'property', 'text', ''],
];
/** Where the values, not the schema, chose the type: the stanza carries it as `type`. */
const TYPED_BY_DATA: Record<string, string> = { served: 'date', double: 'numeric', quick: 'boolean', next_cook: 'date' };

describe('jarvis-sync inspect', () => {
  const emulator = createNotionEmulator({ seed: seed as any, tokens: [TOKEN] });
  let baseUrl: string;
  let dir: string;
  beforeAll(async () => {
    baseUrl = await emulator.listen(0, '127.0.0.1');
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-inspect-'));
    emulator.resetCounts();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** The command in-process, on the emulator through the product's connector, with env and cwd of its own. */
  async function inspect(argv: string[], env: Record<string, string> = {}, o: { envOnly?: boolean } = {}) {
    const fullEnv = { NOTION_TOKEN: TOKEN, NOTION_BASE_URL: baseUrl, ...env };
    const cmd = parseCommand(['inspect', ...argv]);
    // envOnly: the config comes from the environment alone (as for a file whose datasets the loader
    // would refuse), so that what is tested is --write's own handling of the file.
    const config = o.envOnly
      ? loadConfig({ env: fullEnv, cwd: join(dir, 'no-config-here') })
      : loadConfig({ env: fullEnv, cwd: dir, configPath: typeof cmd.flags.config === 'string' ? cmd.flags.config : undefined });
    const notion = createNotionConnector({ token: TOKEN, baseUrl, requestsPerSecond: 1000, maxRetries: 0 });
    const out: string[] = [];
    const err: string[] = [];
    const code = await inspectCommand(cmd, config, silentLogger, (s) => out.push(s), { env: fullEnv, cwd: dir, notion, err: (s) => err.push(s) });
    return { code, out, err, text: out.join('\n') };
  }
  /** The table's rows, split on the column gaps (two spaces or more). */
  function tableRows(lines: string[]): string[][] {
    const start = lines.findIndex((l) => l.startsWith('Property '));
    const rows: string[][] = [];
    for (const line of lines.slice(start + 1)) {
      if (line === '') break;
      rows.push(line.split(/ {2,}/));
    }
    return rows;
  }
  /** The stanza: the one printed entry that is a JSON object. */
  const stanzaOf = (lines: string[]) => JSON.parse(lines.find((l) => l.startsWith('{'))!);

  it('maps every property type to its column and the type the sync creates, lists the button as unsupported, in three requests', async () => {
    const { code, out } = await inspect([RECIPES_DB]);
    expect(code).toBe(0);
    expect(out[0]).toBe(`Notion database "My Recipes" (${RECIPES_DB}): ${RECIPE_ROWS.length + 1} properties, ${RECIPE_ROWS.length} mapped, 1 unsupported`);

    const stanza = stanzaOf(out);
    expect(Object.keys(stanza)).toEqual(['datasets']);
    expect(Object.keys(stanza.datasets)).toEqual(['my_recipes']);
    const ds = stanza.datasets.my_recipes;
    expect(Object.keys(ds)).toEqual(['databaseId', 'direction', 'table', 'fields']);
    expect(ds).toMatchObject({ databaseId: RECIPES_DB, direction: 'notion-to-postgres', table: 'my_recipes' });
    expect(ds.fields).toEqual(
      Object.fromEntries(RECIPE_ROWS.map(([property, , column]) => [column, TYPED_BY_DATA[column] ? { property, type: TYPED_BY_DATA[column] } : { property }])),
    );
    // Title first, then Notion's order.
    expect(Object.keys(ds.fields)).toEqual(RECIPE_ROWS.map(([, , column]) => column));

    expect(tableRows(out)).toEqual(RECIPE_ROWS.map((r) => (r[4] ? r : r.slice(0, 4))));
    const unsupported = out.indexOf('Unsupported (left out of the stanza):');
    expect(out[unsupported + 1]).toBe('  Cook (button): a button holds no value to store');
    expect(out.at(-1)).toBe('Add it to your config file with --write (or paste it under "datasets"), then run jarvis-sync migrate and jarvis-sync sync my_recipes.');

    // The database, its data source, and 25 pages for the dates and formulas: nothing else.
    expect(emulator.requestCounts).toEqual({ 'GET /v1/databases/:id': 1, 'GET /v1/data_sources/:id': 1, 'POST /v1/data_sources/:id/query': 1 });
  });

  it('reads the schema in two requests when no date or formula needs the values; without values a formula is text and dates timestamptz', async () => {
    const plain = await inspect([PLAIN_DB, '--json']);
    expect(JSON.parse(plain.text).datasets.reading_list.fields).toEqual({
      title: { property: 'Title' },
      pages: { property: 'Pages' },
      supabase_id: { property: 'Supabase ID' },
      done: { property: 'Done' },
    });
    expect(emulator.requestCounts).toEqual({ 'GET /v1/databases/:id': 1, 'GET /v1/data_sources/:id': 1 });

    const empty = await inspect([EMPTY_DB]);
    expect(stanzaOf(empty.out).datasets.empty_log.fields).toEqual({ title: { property: 'Title' }, when: { property: 'When' }, score: { property: 'Score' } });
    expect(tableRows(empty.out)).toEqual([
      ['Title', 'title', 'title', 'text'],
      ['When', 'date', 'when', 'timestamptz'],
      ['Score', 'formula', 'score', 'text', 'no values to tell the result type: text; read-only'],
    ]);
  });

  it('a relation to a database that is synced (here as books) becomes uuid[] of its rows', async () => {
    const { out } = await inspect([RECIPES_DB], { NOTION_BOOKS_DATABASE_ID: compact(INGREDIENTS_DB) });
    expect(tableRows(out).find((r) => r[0] === 'Ingredients')).toEqual(['Ingredients', 'relation', 'ingredients', 'uuid[]', "related database is synced: its rows' ids"]);
  });

  it('says when the database is already synced as a dataset', async () => {
    const { out } = await inspect([PLAIN_DB], { NOTION_BOOKS_DATABASE_ID: PLAIN_DB });
    expect(out).toContain('This database is already synced as dataset "books".');
  });

  it('--direction two-way: the row-id property is not a field, read-only kinds are marked Notion → Postgres only; setup is named when the row-id property is missing', async () => {
    const reading = await inspect([PLAIN_DB, '--direction', 'two-way', '--name', 'reading']);
    const ds = stanzaOf(reading.out).datasets.reading;
    expect(ds).toMatchObject({ direction: 'two-way', table: 'reading' });
    expect(Object.keys(ds.fields)).toEqual(['title', 'pages', 'done']);
    expect(reading.out).toContain('"Supabase ID" is the row-id property of a two-way dataset (where each page keeps its Postgres id): not a field.');

    const recipes = await inspect([RECIPES_DB, '--direction', 'two-way']);
    expect(tableRows(recipes.out).find((r) => r[0] === 'Created')).toEqual(['Created', 'created_time', 'created', 'timestamptz', 'read-only: Notion → Postgres only']);
    // A jsonb column is a copy of Notion's value in a two-way dataset: not written back either.
    expect(tableRows(recipes.out).find((r) => r[0] === 'Where')).toEqual(['Where', 'place', 'where', 'jsonb', 'read-only: Notion → Postgres only']);
    expect(tableRows(recipes.out).find((r) => r[0] === 'Minutes')).toEqual(['Minutes', 'number', 'minutes', 'numeric']);
    expect(recipes.out).toContain('Two-way datasets keep each page\'s Postgres id in a "Supabase ID" text property: `jarvis-sync setup` adds it.');
  });

  it('a database with two data sources: the stanza names the first by its data source id, and a note names the other', async () => {
    const created = await fetch(`${baseUrl}/v1/data_sources`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Notion-Version': '2025-09-03', 'Content-Type': 'application/json' },
      body: JSON.stringify({ parent: { database_id: TWO_SOURCES_DB }, title: text('Archive'), properties: { Name: { title: {} } } }),
    });
    expect(created.status).toBe(200);
    const archive = ((await created.json()) as { id: string }).id;
    emulator.resetCounts();
    const { out } = await inspect([TWO_SOURCES_DB]);
    expect(stanzaOf(out).datasets.projects.databaseId).toBe(TWO_SOURCES_DS);
    expect(out).toContain(`The database has 2 data sources; this is the first ("Projects"). Inspect another by its id: ${archive} ("Archive").`);
  });

  it('--json prints only the stanza, in the shape of the config file', async () => {
    const { code, text: json } = await inspect([PLAIN_DB, '--json', '--name', 'books_to_read']);
    expect(code).toBe(0);
    expect(JSON.parse(json)).toEqual({
      datasets: {
        books_to_read: {
          databaseId: PLAIN_DB,
          direction: 'notion-to-postgres',
          table: 'books_to_read',
          fields: { title: { property: 'Title' }, pages: { property: 'Pages' }, supabase_id: { property: 'Supabase ID' }, done: { property: 'Done' } },
        },
      },
    });
    expect(json).toBe(JSON.stringify(JSON.parse(json), null, 2));
  });

  it('accepts the id with or without dashes and every form of link', async () => {
    const links = [
      compact(RECIPES_DB),
      RECIPES_DB.toUpperCase(),
      `https://www.notion.so/acme/My-Recipes-${compact(RECIPES_DB)}?v=${'f'.repeat(32)}`,
      `https://www.notion.so/My-Recipes-${compact(RECIPES_DB)}?v=${'f'.repeat(32)}&pvs=4`,
      `https://www.notion.so/${compact(RECIPES_DB)}?v=${'f'.repeat(32)}`,
      `notion.so/acme/${compact(RECIPES_DB)}`,
      `www.notion.so/My-Recipes-${compact(RECIPES_DB)}`,
      `https://acme.notion.site/My-Recipes-${compact(RECIPES_DB)}?v=${'e'.repeat(32)}`,
      `https://www.notion.so/acme/${RECIPES_DB}`,
    ];
    for (const link of links) expect(databaseIdFromArgument(link), link).toBe(RECIPES_DB);
    const viaLink = await inspect([links[2]!, '--json']);
    expect(JSON.parse(viaLink.text).datasets.my_recipes.databaseId).toBe(RECIPES_DB);
    // A data source id works too; the stanza then names the data source.
    const viaDataSource = await inspect([RECIPES_DS, '--json']);
    expect(JSON.parse(viaDataSource.text).datasets.my_recipes.databaseId).toBe(RECIPES_DS);
  });

  it('refuses a bad id, link, name or direction with one line, before any request', async () => {
    const bad = [
      [[], /^inspect needs a Notion database id or link: 32 hex digits/],
      [['1234'], /\(got "1234"\)/],
      [[`https://example.com/${compact(RECIPES_DB)}`], /got a link to example\.com, not notion\.so/],
      [['https://www.notion.so/acme/Recipes?v=' + 'f'.repeat(32)], /ends in no id/],
      [[RECIPES_DB, PLAIN_DB], /takes one database id or link/],
      [[RECIPES_DB, '--name', 'My Recipes'], /--name must be a lower-case SQL identifier/],
      [[RECIPES_DB, '--direction', 'sideways'], /--direction must be notion-to-postgres or two-way/],
      [[RECIPES_DB, '--force'], /--force only goes with --write/],
    ] as const;
    for (const [argv, message] of bad) {
      const attempt = inspect([...argv]);
      await expect(attempt, argv.join(' ')).rejects.toThrow(UsageError);
      await expect(attempt).rejects.toThrow(message);
      await attempt.catch((e: Error) => expect(e.message).not.toContain('\n'));
    }
    expect(emulator.requestCounts).toEqual({});
  });

  it('names and columns: lower-case identifiers, accents dropped, deduplicated, clear of the standard columns, at most 63 characters', () => {
    expect(identifierFrom('My Recipes', 'x')).toBe('my_recipes');
    expect(identifierFrom('  Prep (min) ', 'x')).toBe('prep_min');
    expect(identifierFrom('Crème brûlée', 'x')).toBe('creme_brulee');
    expect(identifierFrom('dueDate', 'x')).toBe('due_date');
    expect(identifierFrom('ISBN', 'x')).toBe('isbn');
    expect(identifierFrom('3 things', 'x')).toBe('_3_things');
    expect(identifierFrom('☕☕', 'notion_database')).toBe('notion_database');
    const namer = new ColumnNamer();
    const long = 'A'.repeat(70);
    expect(['id', 'Id', 'deleted_at', 'last sync source', 'Notion page id', 'title', 'Title', 'TITLE', long, long].map((n) => namer.next(n))).toEqual([
      'notion_id',
      'notion_id_2',
      'notion_deleted_at',
      'notion_last_sync_source',
      'notion_page_id_2',
      'title',
      'title_2',
      'title_3',
      'a'.repeat(63),
      `${'a'.repeat(61)}_2`,
    ]);
  });

  describe('--write', () => {
    const file = () => join(dir, 'jarvis-sync.config.json');
    const read = () => readFileSync(file(), 'utf8');

    it('creates ./jarvis-sync.config.json when there is none', async () => {
      const { out } = await inspect([PLAIN_DB, '--write']);
      expect(read()).toBe(JSON.stringify({ datasets: { reading_list: stanzaOf(out).datasets.reading_list } }, null, 2) + '\n');
      expect(out.at(-1)).toBe(`Added datasets.reading_list in ${file()} (new file). Next: jarvis-sync migrate, then jarvis-sync sync reading_list.`);
    });

    it('merges into the config file: other keys and datasets kept in their order, 2-space indent, the file\'s permissions kept', async () => {
      writeFileSync(file(), JSON.stringify({ sync: { overlapSeconds: 300 }, datasets: { books: { table: 'my_books' } }, server: { port: 9000 } }));
      chmodSync(file(), 0o600);
      const { out } = await inspect([PLAIN_DB, '--write', '--name', 'reading']);
      const written = JSON.parse(read());
      expect(Object.keys(written)).toEqual(['sync', 'datasets', 'server']);
      expect(written).toEqual({
        sync: { overlapSeconds: 300 },
        datasets: { books: { table: 'my_books' }, reading: stanzaOf(out).datasets.reading },
        server: { port: 9000 },
      });
      expect(read()).toBe(JSON.stringify(written, null, 2) + '\n');
      expect(statSync(file()).mode & 0o777).toBe(0o600);
      expect(out.at(-1)).toBe(`Added datasets.reading in ${file()}. Next: jarvis-sync migrate, then jarvis-sync sync reading.`);
    });

    it('--direction two-way --write: the stanza is a two-way dataset every command takes', async () => {
      await inspect([PLAIN_DB, '--direction', 'two-way', '--write', '--name', 'reading']);
      const config = loadConfig({ env: { NOTION_TOKEN: TOKEN, NOTION_BASE_URL: baseUrl }, cwd: dir });
      expect(config.datasets.find((d) => d.name === 'reading')).toMatchObject({ pattern: 'two-way', table: 'reading', rowIdProperty: 'Supabase ID', databaseId: PLAIN_DB });
    });

    it('writes where --config or JARVIS_CONFIG points', async () => {
      const other = join(dir, 'other.json');
      writeFileSync(other, '{}');
      await inspect([PLAIN_DB, '--write', '--config', other]);
      expect(Object.keys(JSON.parse(readFileSync(other, 'utf8')).datasets)).toEqual(['reading_list']);
      const viaEnv = join(dir, 'env.json');
      writeFileSync(viaEnv, '{"schedule":{"enabled":false}}');
      await inspect([EMPTY_DB, '--write'], { JARVIS_CONFIG: viaEnv });
      expect(JSON.parse(readFileSync(viaEnv, 'utf8'))).toMatchObject({ schedule: { enabled: false }, datasets: { empty_log: { table: 'empty_log' } } });
    });

    it('refuses a dataset of that name, or a table another dataset uses, unless --force (which replaces only that dataset)', async () => {
      const before = { datasets: { reading_list: { databaseId: EMPTY_DB, direction: 'notion-to-postgres', table: 'reading_list', fields: { title: { property: 'Title' } } } }, notion: { requestsPerSecond: 2 } };
      const original = JSON.stringify(before, null, 4);
      writeFileSync(file(), original);
      const refused = inspect([PLAIN_DB, '--write', '--config', file()], {}, { envOnly: true });
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(refused).rejects.toThrow(`${file()} already has datasets.reading_list: choose another name with --name, or replace it with --force`);
      expect(read()).toBe(original);

      writeFileSync(file(), JSON.stringify({ datasets: { elsewhere: { databaseId: PLAIN_DB, direction: 'notion-to-postgres', table: 'empty_log', fields: {} } } }));
      await expect(inspect([EMPTY_DB, '--write', '--config', file()], {}, { envOnly: true })).rejects.toThrow(
        `${file()}: datasets.elsewhere already uses table "empty_log": choose another name with --name`,
      );

      writeFileSync(file(), original);
      const forced = await inspect([PLAIN_DB, '--write', '--force', '--config', file()], {}, { envOnly: true });
      const after = JSON.parse(read());
      expect(Object.keys(after)).toEqual(['datasets', 'notion']);
      expect(after.notion).toEqual({ requestsPerSecond: 2 });
      expect(after.datasets).toEqual({ reading_list: stanzaOf(forced.out).datasets.reading_list });
      expect(after.datasets.reading_list.databaseId).toBe(PLAIN_DB);
      expect(forced.out.at(-1)).toBe(`Replaced datasets.reading_list in ${file()}. Next: jarvis-sync migrate, then jarvis-sync sync reading_list.`);
    });

    it('refuses a built-in dataset\'s name and a config file that is not JSON, leaving the file alone', async () => {
      await expect(inspect([PLAIN_DB, '--write', '--name', 'books'])).rejects.toThrow('"books" is a built-in dataset: choose another name with --name');
      writeFileSync(file(), '{ "sync": {\n  oops }');
      const notJson = inspect([PLAIN_DB, '--write', '--config', file()], {}, { envOnly: true });
      await expect(notJson).rejects.toThrow(ConfigError);
      await expect(notJson).rejects.toThrow(`config file ${file()}:2:3 is not valid JSON: fix it before --write adds to it`);
      expect(read()).toBe('{ "sync": {\n  oops }');
    });

    it('does not write a file jarvis-sync would then refuse, and says why', async () => {
      const original = JSON.stringify({ sync: { overlapSeconds: 5 } });
      writeFileSync(file(), original);
      const refused = inspect([PLAIN_DB, '--write', '--config', file()], {}, { envOnly: true });
      await expect(refused).rejects.toThrow(ConfigError);
      await expect(refused).rejects.toThrow(`${file()} is left as it was: with datasets.reading_list it would be refused — config file ${file()}: sync.overlapSeconds:`);
      expect(read()).toBe(original);
      expect(readdirSync(dir)).toEqual(['jarvis-sync.config.json']);
    });

    it('--json --write: stdout has only the stanza, the confirmation goes to stderr', async () => {
      const { out, err } = await inspect([PLAIN_DB, '--json', '--write']);
      expect(JSON.parse(out.join('\n'))).toEqual(JSON.parse(read()));
      expect(err).toEqual([`Added datasets.reading_list in ${file()} (new file). Next: jarvis-sync migrate, then jarvis-sync sync reading_list.`]);
    });
  });

  it('has its own help page, and a line in the global one', () => {
    expect(helpText('inspect')).toMatch(/^Usage: jarvis-sync inspect <notion database id or url> \[--name N\] \[--direction two-way\] \[--json\] \[--write \[--force\]\]/);
    expect(helpText('inspect')).toContain('--force        with --write: replace a dataset of the same name');
    expect(helpText()).toContain('jarvis-sync inspect <database id|url>');
  });
});

describe('doctor and setup check the configured fields', () => {
  const emulator = createNotionEmulator({ seed: seed as any, tokens: [TOKEN] });
  let env: Record<string, string>;
  let dir: string;
  beforeAll(async () => {
    env = { NOTION_TOKEN: TOKEN, NOTION_BASE_URL: await emulator.listen(0, '127.0.0.1'), JARVIS_DATA_DIR: 'data' };
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-inspect-checks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const writeConfig = (datasets: Record<string, unknown>) => writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify({ datasets }));
  async function doctorLine(dataset: string): Promise<CheckResult> {
    const results: CheckResult[] = [];
    await runChecks((r) => results.push(r), { env, cwd: dir, timeoutMs: 5000 });
    return results.find((r) => r.name === dataset)!;
  }
  async function inspectWrite(argv: string[]) {
    const cmd = parseCommand(['inspect', ...argv, '--write']);
    await inspectCommand(cmd, loadConfig({ env, cwd: dir }), silentLogger, () => undefined, { env, cwd: dir, notion: createNotionConnector({ token: TOKEN, baseUrl: env.NOTION_BASE_URL!, requestsPerSecond: 1000 }) });
  }

  it('what inspect --write adds passes doctor: every property, with the types it chose', async () => {
    await inspectWrite([RECIPES_DB]);
    expect(await doctorLine('my_recipes')).toEqual({ name: 'my_recipes', ok: true, detail: `"My Recipes" is visible and has all ${RECIPE_ROWS.length} mapped properties` });
  });

  it('doctor names each field whose property is missing, cannot be stored, or does not fit its type', async () => {
    writeConfig({
      my_recipes: {
        databaseId: RECIPES_DB,
        direction: 'notion-to-postgres',
        table: 'my_recipes',
        fields: { name: { property: 'Name' }, gone: { property: 'Deleted' }, cook: { property: 'Cook' }, vegan: { property: 'Vegan', type: 'numeric' } },
      },
    });
    const line = await doctorLine('my_recipes');
    expect(line.ok).toBe(false);
    expect(line.detail).toBe(
      '"My Recipes": property "Deleted" (column gone) is not in the Notion database: add it in Notion, or map the field to another property (datasets.my_recipes.fields.gone.property); ' +
        'datasets.my_recipes.fields.cook: "Cook" is a button: a button holds no value to store; ' +
        'datasets.my_recipes.fields.vegan: "Vegan" is a checkbox property, which a numeric column cannot hold without loss (possible: boolean)',
    );
    expect(line.fix).toBe('rename the properties in Notion, or map yours in the config file (datasets.my_recipes.fields)');
  });

  it('setup reports a two-way dataset\'s field problems, and says it is ready once they fit', async () => {
    // The loader does not take fields on two-way datasets yet (a later release); setup checks them
    // already, shown on the built-in tasks with a config field added to what the loader resolved.
    const sample = sampleTwoWayWorkspace({ contacts: 1, meetings: 1, tasks: 2, reflections: 1, journals: 1 });
    const workspace = createNotionEmulator({ seed: sample.seed, tokens: [TOKEN] });
    try {
      const tasksEnv = { ...env, NOTION_BASE_URL: await workspace.listen(0, '127.0.0.1'), NOTION_TASKS_DATABASE_ID: sample.ids.tasksDatabase };
      const notion = createNotionConnector({ token: TOKEN, baseUrl: tasksEnv.NOTION_BASE_URL, requestsPerSecond: 1000 });
      const tasks = () =>
        loadConfig({ env: tasksEnv, cwd: dir })
          .datasets.filter((d) => d.name === 'tasks')
          .map((d) => ({ ...d, configFields: [{ column: 'estimate', property: 'Estimate' }] }));
      const broken = await setupTwoWay(notion, tasks(), { dryRun: true });
      expect(broken.map((o) => o.status)).toEqual(['needs_action']);
      expect(broken[0]!.message).toBe(
        'needs attention — "Tasks": property "Estimate" (column estimate) is not in the Notion database: add it in Notion, or map the field to another property (datasets.tasks.fields.estimate.property)',
      );
      workspace.updateSchema(sample.ids.tasksDataSource, { Estimate: { number: {} } });
      const ready = await setupTwoWay(notion, tasks(), { dryRun: true });
      expect(ready.map((o) => [o.status, o.message])).toEqual([['ready', 'ready — "Tasks" has every mapped property and "Supabase ID"']]);
    } finally {
      await workspace.close();
    }
  });
});

describe('the sync creates the columns inspect prints', () => {
  it('inspect --write, migrate, sync: every column of the table has the type the table printed, and the button none', async () => {
    const store = await openTestStore('pglite');
    const emulator = createNotionEmulator({ seed: seed as any, tokens: [TOKEN] });
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-inspect-sync-'));
    try {
      const env = { NOTION_TOKEN: TOKEN, NOTION_BASE_URL: await emulator.listen(0, '127.0.0.1') };
      const notion = createNotionConnector({ token: TOKEN, baseUrl: env.NOTION_BASE_URL, requestsPerSecond: 1000 });
      const out: string[] = [];
      await inspectCommand(parseCommand(['inspect', RECIPES_DB, '--write']), loadConfig({ env, cwd: dir }), silentLogger, (l) => out.push(l), { env, cwd: dir, notion });
      const printed = out.slice(out.findIndex((l) => l.startsWith('Property ')) + 1, out.indexOf('', out.findIndex((l) => l.startsWith('Property ')))).map((l) => l.split(/ {2,}/));
      expect(printed).toHaveLength(RECIPE_ROWS.length);

      const config = loadConfig({ env, cwd: dir });
      await migrate(store, { datasets: datasetsForTables(config.datasets) });
      const results = await runAll({ store, notion, config, clock: systemClock, logger: silentLogger }, {});
      expect(results.find((r) => r.dataset === 'my_recipes')).toMatchObject({ status: 'success', created: 2 });

      const { rows } = await store.query<{ name: string; type: string }>(
        `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
          WHERE a.attrelid = 'my_recipes'::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
      );
      const pgName: Record<string, string> = { timestamptz: 'timestamp with time zone' };
      const actual = Object.fromEntries(rows.map((r) => [r.name, r.type]));
      expect(Object.fromEntries(printed.map(([, , column]) => [column, actual[column!]]))).toEqual(Object.fromEntries(printed.map(([, , column, type]) => [column, pgName[type!] ?? type])));
      expect(actual).not.toHaveProperty('cook');
    } finally {
      await emulator.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('jarvis-sync inspect (the executable)', () => {
  const run = promisify(execFile);
  const BIN = join(import.meta.dirname, '../../bin/jarvis-sync');
  const emulator = createNotionEmulator({ seed: seed as any, tokens: [TOKEN] });
  let env: Record<string, string>;
  let cwd: string;
  beforeAll(async () => {
    env = { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', NOTION_TOKEN: TOKEN, NOTION_BASE_URL: await emulator.listen(0, '127.0.0.1') };
    cwd = mkdtempSync(join(tmpdir(), 'jarvis-inspect-bin-'));
  });
  afterAll(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await emulator.close();
  });
  async function cli(args: string[]) {
    try {
      const { stdout, stderr } = await run(BIN, args, { cwd, env, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (e: any) {
      return { code: e.code as number, stdout: e.stdout as string, stderr: e.stderr as string };
    }
  }

  it('prints the stanza for a link (exit 0); a bad argument is one line and exit 2', async () => {
    const ok = await cli(['inspect', `https://www.notion.so/acme/Reading-List-${compact(PLAIN_DB)}?v=${'f'.repeat(32)}`, '--json']);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).datasets.reading_list.databaseId).toBe(PLAIN_DB);

    const bad = await cli(['inspect', 'https://www.notion.so/acme/Reading-List']);
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr.split('\n')[0]).toMatch(/^jarvis-sync: inspect needs a Notion database id or link \(the link ".*" ends in no id\)/);
  });
});
