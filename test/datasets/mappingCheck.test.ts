/**
 * The one "does Notion match the mapping" check (src/datasets/mappingCheck.ts) that a run's
 * discovery, `doctor` and `setup` all use: case by case, what it finds and the words it says.
 */
import { describe, expect, it } from 'vitest';
import { presetDatasets } from '../../src/datasets/index.ts';
import { checkMapping, syncedSources, type Schema } from '../../src/datasets/mappingCheck.ts';
import type { DatasetDescriptor } from '../../src/datasets/types.ts';

const preset = (name: string) => presetDatasets.find((d) => d.name === name)!;
const MEETINGS_DS = '11111111-1111-4111-8111-111111111111';
const OTHER_DS = '22222222-2222-4222-8222-222222222222';
const noSources = syncedSources([], new Map());

/** The schema a dataset's mapping expects, property ids p0, p1, …; `change` edits it. */
function schemaOf(ds: DatasetDescriptor, change: (s: Schema) => void = () => {}): Schema {
  const s: Schema = {};
  ds.fields.forEach((f, i) => {
    s[f.property] = { id: `p${i}`, name: f.property, type: f.kind, ...(f.kind === 'relation' ? { relation: { data_source_id: MEETINGS_DS } } : {}) };
  });
  if (ds.rowIdProperty) s[ds.rowIdProperty] = { id: 'row', name: ds.rowIdProperty, type: 'rich_text' };
  change(s);
  return s;
}

const messages = (ds: DatasetDescriptor, schema: Schema, previous: Schema | null = null, sources = noSources) =>
  checkMapping(ds, schema, { sources, previous }).problems.map((p) => [p.about, p.missing, p.message]);

describe('checkMapping', () => {
  it('finds nothing wrong with the schema a dataset expects, and returns the dataset as it is', () => {
    for (const ds of presetDatasets.filter((d) => d.pattern === 'one-way' || d.pattern === 'two-way')) {
      const fit = checkMapping(ds, schemaOf(ds), { sources: noSources });
      expect([ds.name, fit.problems]).toEqual([ds.name, []]);
      expect(fit.dataset).toBe(ds);
    }
  });

  it('a missing property: never seen, deleted since the last fit, or renamed (same id, another name)', () => {
    const books = preset('books');
    const before = schemaOf(books);
    expect(messages(books, schemaOf(books, (s) => delete s.Author))).toEqual([
      ['property', true, 'property "Author" (column author) is not in the Notion database: add it in Notion, or map the field to another property (datasets.books.properties.author)'],
    ]);
    expect(messages(books, schemaOf(books, (s) => delete s.Author), before)).toEqual([
      ['property', true, 'property "Author" (column author) is not in the Notion database any more (deleted): restore it in Notion, or map the field to another property (datasets.books.properties.author)'],
    ]);
    const renamed = schemaOf(books, (s) => {
      s.Writer = { ...s.Author!, name: 'Writer' };
      delete s.Author;
    });
    expect(messages(books, renamed, before)).toEqual([
      ['property', true, 'property "Author" (column author) was renamed to "Writer" in Notion: rename it back, or set datasets.books.properties.author to "Writer"'],
    ]);
  });

  it('a property of another kind: "expected" when it never fit, "now … was" when it changed since the last fit', () => {
    const books = preset('books');
    const retyped = schemaOf(books, (s) => (s.Rating!.type = 'select'));
    expect(messages(books, retyped)).toEqual([
      ['property', false, 'property "Rating" (column rating) is select, expected number: change it to number in Notion, or map the field to a property of type number (datasets.books.properties.rating)'],
    ]);
    expect(messages(books, retyped, schemaOf(books))).toEqual([
      ['property', false, 'property "Rating" (column rating) is now select, was number: change it back to number in Notion, or map the field to a property of type number (datasets.books.properties.rating)'],
    ]);
  });

  it('a relation to another data source than its dataset\'s, once that data source is known', () => {
    const tasks = preset('tasks');
    const elsewhere = schemaOf(tasks, (s) => (s.Meeting!.relation = { data_source_id: OTHER_DS }));
    expect(messages(tasks, elsewhere)).toEqual([]); // meetings' data source not known yet: nothing to compare with
    const known = syncedSources([], new Map([['meetings', MEETINGS_DS]]));
    expect(messages(tasks, schemaOf(tasks), null, known)).toEqual([]);
    expect(messages(tasks, elsewhere, null, known)).toEqual([
      [
        'property',
        false,
        "property \"Meeting\" (column meeting_id) relates to another data source than the meetings dataset's: point it at that dataset's database in Notion, or map the field to another property (datasets.tasks.properties.meeting_id)",
      ],
    ]);
  });

  it('the row-id property of a two-way dataset: missing (setup adds it) or not rich_text', () => {
    const journals = preset('journals');
    expect(messages(journals, schemaOf(journals, (s) => delete s['Supabase ID']))).toEqual([
      ['row-id', true, 'no property "Supabase ID" (rich_text; it remembers each page\'s Postgres row — run `jarvis-sync setup` to add it)'],
    ]);
    expect(messages(journals, schemaOf(journals, (s) => (s['Supabase ID']!.type = 'number')))).toEqual([
      ['row-id', false, '"Supabase ID" is number, expected rich_text (it holds each page\'s Postgres row id: rename or delete that property in Notion, then run `jarvis-sync setup`)'],
    ]);
  });

  it('config fields: each missing or unmappable one is named, all at once; when all fit they join the fields', () => {
    const books: DatasetDescriptor = {
      ...preset('books'),
      configFields: [
        { column: 'pages', property: 'Pages' },
        { column: 'gone', property: 'Deleted' },
        { column: 'buy', property: 'Buy' },
        { column: 'read', property: 'Read', type: 'numeric' },
      ],
    };
    const extra = (s: Schema) => {
      s.Pages = { id: 'x1', name: 'Pages', type: 'number' };
      s.Buy = { id: 'x2', name: 'Buy', type: 'button' };
      s.Read = { id: 'x3', name: 'Read', type: 'checkbox' };
    };
    expect(messages(books, schemaOf(books, extra))).toEqual([
      ['field', true, 'property "Deleted" (column gone) is not in the Notion database: add it in Notion, or map the field to another property (datasets.books.fields.gone.property)'],
      ['field', false, 'datasets.books.fields.buy: "Buy" is a button: a button holds no value to store'],
      ['field', false, 'datasets.books.fields.read: "Read" is a checkbox property, which a numeric column cannot hold without loss (possible: boolean)'],
    ]);
    const fit = checkMapping({ ...books, configFields: [books.configFields![0]!] }, schemaOf(books, extra), { sources: noSources });
    expect(fit.problems).toEqual([]);
    expect(fit.dataset.configFields).toEqual([]);
    expect(fit.dataset.fields.at(-1)).toMatchObject({ field: 'pages', property: 'Pages', kind: 'number', column: 'pages', columnType: 'numeric', configured: true, propertyId: 'x1' });
  });

  it('a config field whose kind changed since the last fit', () => {
    const books: DatasetDescriptor = { ...preset('books'), configFields: [{ column: 'pages', property: 'Pages' }] };
    const before = schemaOf(books, (s) => (s.Pages = { id: 'x1', name: 'Pages', type: 'number' }));
    const now = schemaOf(books, (s) => (s.Pages = { id: 'x1', name: 'Pages', type: 'rich_text' }));
    expect(messages(books, now, before)).toEqual([
      ['field', false, 'property "Pages" (column pages) is now rich_text, was number: change it back to number in Notion, or map the field to a property of type number (datasets.books.fields.pages.property)'],
    ]);
  });
});

describe('syncedSources', () => {
  it('a relation relates to the enabled Notion dataset whose configured id, or discovered data source, it names', () => {
    const datasets = [
      { name: 'books', pattern: 'one-way' as const, enabled: true, databaseId: 'https://www.notion.so/acme/Books-0123456789abcdef0123456789abcdef?v=1' },
      { name: 'journals', pattern: 'two-way' as const, enabled: false, databaseId: 'fedcba9876543210fedcba9876543210' },
      { name: 'calendar', pattern: 'calendar' as const, enabled: true, databaseId: null },
    ];
    const sources = syncedSources(datasets, new Map([['books', MEETINGS_DS]]));
    expect(sources.target({ database_id: '0123456789abcdef0123456789abcdef' })).toBe('books');
    expect(sources.target({ data_source_id: MEETINGS_DS.replaceAll('-', '') })).toBe('books');
    expect(sources.target({ database_id: 'fedcba98-7654-3210-fedc-ba9876543210' })).toBeNull(); // disabled
    expect(sources.target({ data_source_id: OTHER_DS })).toBeNull();
    expect(sources.dataSourceOf('books')).toBe(MEETINGS_DS);
    expect(sources.dataSourceOf('journals')).toBeUndefined();
  });
});
