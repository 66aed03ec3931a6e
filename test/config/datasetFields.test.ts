/**
 * Config fields and datasets of your own (issue 14, point 2): what the config file accepts, what
 * it refuses at start (one line per problem, each with its path), and the descriptors built from it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.ts';
import { columnTypeFor, FIELD_KINDS, instantOf, NOTION_KINDS, rollupColumnType } from '../../src/datasets/fieldKinds.ts';
import { resolveConfigFields, withConfigFields } from '../../src/datasets/fromConfig.ts';
import { tableSpec } from '../../src/store/datasetTables.ts';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function load(file: unknown, env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'jarvis-fields-'));
  dirs.push(dir);
  const configPath = join(dir, 'jarvis-sync.config.json');
  writeFileSync(configPath, JSON.stringify(file));
  return loadConfig({ env, cwd: dir, configPath });
}

function refusal(file: unknown): string[] {
  try {
    load(file);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message.split('\n');
  }
  throw new Error('not refused');
}

const RECIPES = {
  databaseId: '0123456789abcdef0123456789abcdef',
  direction: 'notion-to-postgres',
  table: 'recipes',
  fields: { name: { property: 'Name' }, minutes: { property: 'Minutes' }, tags: { property: 'Tags' } },
};

describe('config: fields and datasets of your own', () => {
  it('accepts the issue\'s config: extra fields on a built-in dataset and a dataset of your own, after the built-in ones', () => {
    const c = load({ datasets: { books: { fields: { pages: { property: 'Pages' }, cover: { property: 'Cover', type: 'jsonb' } } }, recipes: RECIPES } });
    const books = c.datasets.find((d) => d.name === 'books')!;
    expect(books.configFields).toEqual([{ column: 'pages', property: 'Pages' }, { column: 'cover', property: 'Cover', type: 'jsonb' }]);
    expect(books.fields.map((f) => f.field)).toEqual(['title', 'author', 'status', 'rating', 'finished_at', 'url', 'tags']);
    const recipes = c.datasets.at(-1)!;
    expect(recipes).toMatchObject({ name: 'recipes', table: 'recipes', pattern: 'one-way', databaseId: RECIPES.databaseId, enabled: true, userDefined: true, fields: [], databaseIdEnv: 'NOTION_RECIPES_DATABASE_ID' });
    expect(recipes.configFields!.map((f) => f.column)).toEqual(['name', 'minutes', 'tags']);
  });

  it('takes a dataset\'s database id from NOTION_<NAME>_DATABASE_ID too, and defaults its table to its name', () => {
    const { table: _t, databaseId: _d, ...rest } = RECIPES;
    const c = load({ datasets: { recipes: rest } }, { NOTION_RECIPES_DATABASE_ID: 'fedcba9876543210fedcba9876543210' });
    expect(c.datasets.at(-1)).toMatchObject({ table: 'recipes', databaseId: 'fedcba9876543210fedcba9876543210' });
  });

  it.each([
    ['an unknown key in a field', { recipes: { ...RECIPES, fields: { name: { property: 'Name', colour: 'red' } } } }, [/datasets\.recipes\.fields\.name: unknown key\(s\) colour$/]],
    ['an impossible type', { recipes: { ...RECIPES, fields: { name: { property: 'Name', type: 'float' } } } }, [/datasets\.recipes\.fields\.name\.type: Invalid option: expected one of "text"\|"numeric"/]],
    ['a standard column', { recipes: { ...RECIPES, fields: { updated_at: { property: 'Updated' } } } }, [/datasets\.recipes\.fields\.updated_at: "updated_at" is one of the standard columns every dataset table has \(id, notion_page_id, .*\); give the field another key$/]],
    ['a column that is not an identifier', { recipes: { ...RECIPES, fields: { 'Cook Time': { property: 'Cook time' } } } }, [/datasets\.recipes\.fields\.Cook Time: a field's key is its column: a lower-case SQL identifier/]],
    ['a field without its property', { recipes: { ...RECIPES, fields: { name: {} } } }, [/datasets\.recipes\.fields\.name\.property: /]],
    ['an unknown dataset key', { recipes: { ...RECIPES, colour: 'red' } }, [/datasets\.recipes: unknown key\(s\) colour$/]],
  ])('refuses %s with one line naming its path', (_what, datasets, patterns) => {
    const lines = refusal({ datasets });
    expect(lines).toHaveLength(patterns.length);
    patterns.forEach((p, i) => expect(lines[i]).toMatch(p));
  });

  it('reports every problem of the file at once, one line each', () => {
    const lines = refusal({ datasets: { recipes: { ...RECIPES, fields: { minutes: { property: 'Minutes', type: 'float' } } }, books: { colour: 1 } }, notion: { requestsPerSecond: -1 } });
    expect(lines).toHaveLength(3);
    expect(lines.every((l) => /^config file .*jarvis-sync\.config\.json: (datasets|notion)\./.test(l))).toBe(true);
  });

  it.each([
    ['a name that is neither built in nor defined', { book: { table: 'book' } }, /datasets\.book is not a known dataset \(built in: contacts, .*\); to define your own, give direction/],
    ['a dataset of your own without fields', { recipes: { ...RECIPES, fields: undefined } }, /datasets\.recipes\.fields: is missing/],
    ['properties on a dataset of your own', { recipes: { ...RECIPES, properties: { name: 'Title' } } }, /datasets\.recipes\.properties: applies to built-in datasets/],
    ['direction on a built-in dataset', { books: { direction: 'two-way' } }, /datasets\.books\.direction: books is built in and syncs notion-to-postgres/],
    ['an extra field taking a built-in field\'s column', { books: { fields: { rating: { property: 'Stars' } } } }, /datasets\.books\.fields\.rating: "rating" is already the column of its field rating in books/],
    ['an extra field taking a renamed column', { books: { columns: { author: 'writer' }, fields: { writer: { property: 'Writer' } } } }, /datasets\.books\.fields\.writer: "writer" is already the column of its field author/],
    ['extra fields on a Google dataset', { calendar: { fields: { x: { property: 'X' } } } }, /datasets\.calendar\.fields: calendar comes from Google/],
    ['two datasets in one table', { recipes: { ...RECIPES, table: 'books' } }, /datasets books and recipes both use table "books"/],
  ])('refuses %s', (_what, datasets, pattern) => {
    const lines = refusal({ datasets });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(pattern);
  });

  it('lets schedule.datasets name a dataset of your own', () => {
    expect(load({ datasets: { recipes: RECIPES }, schedule: { datasets: { recipes: '0 * * * *' } } }).schedule.datasets).toEqual({ recipes: '0 * * * *' });
  });
});

describe('field kinds', () => {
  const prop = (type: string, extra: Record<string, unknown> = {}) => ({ id: 'p1', name: 'P', type, ...extra });

  it('gives every Notion property type a column type, or a reason (button)', () => {
    const expected: Record<string, string> = {
      title: 'text', rich_text: 'text', number: 'numeric', select: 'text', multi_select: 'text[]', status: 'text', date: 'timestamptz',
      people: 'text[]', files: 'text[]', checkbox: 'boolean', url: 'text', email: 'text', phone_number: 'text', formula: 'text',
      relation: 'text[]', rollup: 'numeric', created_time: 'timestamptz', created_by: 'text', last_edited_time: 'timestamptz',
      last_edited_by: 'text', unique_id: 'text', verification: 'text', place: 'jsonb',
    };
    for (const kind of NOTION_KINDS) {
      const r = columnTypeFor(prop(kind), undefined, false);
      if (kind === 'button') expect(r).toEqual({ problem: '"P" is a button: a button holds no value to store' });
      else expect(r, kind).toEqual({ type: expected[kind] });
    }
  });

  it('maps a relation to uuid[] when its database is synced, text[] of page ids otherwise; a rollup by its function', () => {
    expect(columnTypeFor(prop('relation'), undefined, true)).toEqual({ type: 'uuid[]' });
    expect(columnTypeFor(prop('relation'), 'uuid[]', false)).toMatchObject({ problem: expect.stringContaining('possible: text[]') });
    expect(rollupColumnType('show_original')).toBe('text[]');
    expect(rollupColumnType('latest_date')).toBe('timestamptz');
    expect(rollupColumnType('sum')).toBe('numeric');
  });

  it('accepts a type override only where it loses nothing', () => {
    expect(columnTypeFor(prop('number'), 'text', false)).toEqual({ type: 'text' });
    expect(columnTypeFor(prop('formula'), 'numeric', false)).toEqual({ type: 'numeric' });
    expect(columnTypeFor(prop('date'), 'date', false)).toEqual({ type: 'date' });
    expect(columnTypeFor(prop('checkbox'), 'numeric', false)).toEqual({ problem: '"P" is a checkbox property, which a numeric column cannot hold without loss (possible: boolean)' });
    expect(columnTypeFor(prop('created_time'), 'date', false)).toMatchObject({ problem: expect.stringContaining('possible: timestamptz') });
  });

  it('reads each kind into the value its column holds', () => {
    const read = (kind: keyof typeof FIELD_KINDS, value: unknown, columnType = FIELD_KINDS[kind].columnTypes[0]!) => FIELD_KINDS[kind].read({ type: kind, [kind]: value }, columnType);
    expect(read('people', [{ object: 'user', id: 'u1', person: { email: 'a@x.org' } }, { object: 'user', id: 'u2' }])).toEqual(['a@x.org', 'u2']);
    expect(read('files', [{ name: 'a', type: 'external', external: { url: 'https://x/a.png' } }, { name: 'b', type: 'file', file: { url: 'https://s3/b', expiry_time: 'x' } }])).toEqual(['https://x/a.png', 'https://s3/b']);
    expect(read('formula', { type: 'number', number: 4.5 }, 'numeric')).toBe(4.5);
    expect(read('formula', { type: 'number', number: 4.5 }, 'text')).toBe('4.5');
    expect(read('formula', { type: 'boolean', boolean: true }, 'boolean')).toBe(true);
    expect(read('formula', { type: 'date', date: { start: '2026-03-02T10:00:00.000+01:00', end: null } }, 'timestamptz')).toBe('2026-03-02T09:00:00.000Z');
    expect(() => read('formula', { type: 'string', string: 'x' }, 'numeric')).toThrow('the formula now gives string, which a numeric column cannot hold');
    expect(read('rollup', { type: 'number', number: 3, function: 'sum' })).toBe(3);
    expect(read('rollup', { type: 'date', date: { start: '2026-01-02', end: null }, function: 'latest_date' }, 'timestamptz')).toBe('2026-01-02T00:00:00.000Z');
    expect(read('rollup', { type: 'array', function: 'show_original', array: [{ type: 'title', title: [{ plain_text: 'Soup', type: 'text', text: { content: 'Soup' } }] }, { type: 'multi_select', multi_select: [{ name: 'a' }, { name: 'b' }] }] }, 'text[]')).toEqual(['Soup', 'a', 'b']);
    expect(read('unique_id', { prefix: 'REC', number: 7 })).toBe('REC-7');
    expect(read('unique_id', { prefix: 'REC', number: 7 }, 'jsonb')).toEqual({ prefix: 'REC', number: 7 });
    expect(read('verification', { state: 'verified', date: null, verified_by: null })).toBe('verified');
    expect(read('created_by', { object: 'user', id: 'u9' })).toBe('u9');
    expect(read('date', { start: '2026-03-02', end: '2026-03-04', time_zone: null }, 'jsonb')).toEqual({ start: '2026-03-02', end: '2026-03-04', time_zone: null });
    expect(read('date', { start: '2026-03-02T10:30:00.000Z', end: null, time_zone: null }, 'date')).toBe('2026-03-02');
  });

  it('reads a date with a time zone as the instant it names (wall time in that zone), across DST', () => {
    expect(instantOf('2026-03-02T09:00:00', 'Europe/Berlin')).toBe('2026-03-02T08:00:00.000Z');
    expect(instantOf('2026-07-02T09:00:00', 'Europe/Berlin')).toBe('2026-07-02T07:00:00.000Z');
    expect(instantOf('2026-07-02T09:00:00.000-04:00', 'America/New_York')).toBe('2026-07-02T13:00:00.000Z');
    expect(instantOf('2026-07-02', null)).toBe('2026-07-02T00:00:00.000Z');
  });
});

describe('descriptors from the config', () => {
  const schema = {
    Name: { id: 'title', name: 'Name', type: 'title' },
    Minutes: { id: 'm', name: 'Minutes', type: 'number' },
    Tags: { id: 't', name: 'Tags', type: 'multi_select' },
    Author: { id: 'a', name: 'Author', type: 'relation', relation: { database_id: 'people-db' } },
    Ingredients: { id: 'i', name: 'Ingredients', type: 'relation', relation: { database_id: 'books-db' } },
    Cook: { id: 'c', name: 'Cook', type: 'button' },
  };
  const target = (rel: { database_id?: string }) => (rel.database_id === 'books-db' ? 'books' : null);

  it('builds fields from the schema: kinds, column types, relations to synced datasets; the table follows', () => {
    const c = load({ datasets: { recipes: { ...RECIPES, fields: { ...RECIPES.fields, author_ids: { property: 'Author' }, book_ids: { property: 'Ingredients' }, minutes_text: { property: 'Minutes', type: 'text' } } } } });
    const recipes = c.datasets.at(-1)!;
    const { fields, problems } = resolveConfigFields(recipes, schema, target);
    expect(problems).toEqual([]);
    expect(fields.map((f) => [f.column, f.kind, f.columnType, f.relation?.dataset ?? null])).toEqual([
      ['name', 'title', 'text', null],
      ['minutes', 'number', 'numeric', null],
      ['tags', 'multi_select', 'text[]', null],
      ['author_ids', 'relation', 'text[]', null],
      ['book_ids', 'relation', 'uuid[]', 'books'],
      ['minutes_text', 'number', 'text', null],
    ]);
    const spec = tableSpec(withConfigFields(recipes, schema, target).dataset);
    expect(spec.columns.map((col) => `${col.name} ${col.type}`)).toEqual([
      'id uuid', 'name text', 'minutes numeric', 'tags text[]', 'author_ids text[]', 'book_ids uuid[]', 'minutes_text text',
      'notion_page_id text', 'notion_updated_at timestamptz', 'last_sync_source text', 'created_at timestamptz', 'updated_at timestamptz', 'deleted_at timestamptz',
    ]);
  });

  it('says which property is missing, which is a button, which type does not fit', () => {
    const c = load({ datasets: { recipes: { ...RECIPES, fields: { name: { property: 'Title' }, cook: { property: 'Cook' }, tags: { property: 'Tags', type: 'boolean' } } } } });
    expect(resolveConfigFields(c.datasets.at(-1)!, schema, target).problems).toEqual([
      'datasets.recipes.fields.name: no property "Title" in the Notion database (properties: Name, Minutes, Tags, Author, Ingredients, Cook)',
      'datasets.recipes.fields.cook: "Cook" is a button: a button holds no value to store',
      'datasets.recipes.fields.tags: "Tags" is a multi_select property, which a boolean column cannot hold without loss (possible: text[], jsonb)',
    ]);
  });

  it('without a schema yet, gives migrate the columns whose type the config names, and only those', () => {
    const c = load({ datasets: { books: { fields: { pages: { property: 'Pages' }, cover: { property: 'Cover', type: 'jsonb' } } } } });
    const books = c.datasets.find((d) => d.name === 'books')!;
    const { dataset, complete } = withConfigFields(books, null, target);
    expect(complete).toBe(false);
    expect(tableSpec(dataset).columns.map((col) => col.name)).toContain('cover');
    expect(tableSpec(dataset).columns.map((col) => col.name)).not.toContain('pages');
  });
});
