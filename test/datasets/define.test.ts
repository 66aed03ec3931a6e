/**
 * defineDataset (src/datasets/define.ts): one description per built-in dataset, Notion and Google
 * alike, whose column types follow the field kinds (fieldKinds.ts) unless a field says otherwise.
 */
import { describe, expect, it } from 'vitest';
import { defineDataset } from '../../src/datasets/define.ts';
import { FIELD_KINDS } from '../../src/datasets/fieldKinds.ts';
import { presetDatasets, syncOrder } from '../../src/datasets/index.ts';

describe('defineDataset', () => {
  it('gives a field the column named like it and the type of its kind, unless the field says otherwise', () => {
    const ds = defineDataset({
      name: 'recipes',
      table: 'recipes',
      source: { notion: 'two-way' },
      fields: {
        name: { property: 'Name', kind: 'title' },
        minutes: { property: 'Minutes', kind: 'number' },
        cooked_on: { property: 'Cooked', kind: 'date', type: 'date' },
        tags: { property: 'Tags', kind: 'multi_select', column: 'labels' },
        book_ids: { property: 'Books', kind: 'relation', relates: 'books' },
      },
      indexes: ['cooked_on'],
    });
    expect(ds).toEqual({
      name: 'recipes',
      table: 'recipes',
      pattern: 'two-way',
      databaseIdEnv: 'NOTION_RECIPES_DATABASE_ID',
      rowIdProperty: 'Supabase ID',
      fields: [
        { field: 'name', property: 'Name', kind: 'title', column: 'name', columnType: 'text' },
        { field: 'minutes', property: 'Minutes', kind: 'number', column: 'minutes', columnType: 'numeric' },
        { field: 'cooked_on', property: 'Cooked', kind: 'date', column: 'cooked_on', columnType: 'date' },
        { field: 'tags', property: 'Tags', kind: 'multi_select', column: 'labels', columnType: 'text[]' },
        { field: 'book_ids', property: 'Books', kind: 'relation', column: 'book_ids', columnType: 'uuid[]', relation: { dataset: 'books' } },
      ],
      indexes: [{ on: 'cooked_on' }],
    });
  });

  it('a Google dataset: its columns, its key (a unique index, first), no Notion database', () => {
    const ds = defineDataset({
      name: 'tasks_google',
      table: 'google_tasks',
      source: { google: 'calendar' },
      columns: { task_id: 'text', due: { type: 'date', note: 'the day only' } },
      key: 'task_id',
      indexes: ['due'],
    });
    expect(ds).toEqual({
      name: 'tasks_google',
      table: 'google_tasks',
      pattern: 'calendar',
      databaseIdEnv: '',
      fields: [],
      extraColumns: [
        { column: 'task_id', columnType: 'text' },
        { column: 'due', columnType: 'date', note: 'the day only' },
      ],
      key: 'task_id',
      indexes: [{ on: 'task_id', unique: true }, { on: 'due' }],
    });
  });

  it.each([
    [{ fields: { b: { property: 'B', kind: 'relation' } } }, 'field b: a relation names the dataset it relates to (relates), and only a relation does'],
    [{ fields: { b: { property: 'B', kind: 'title', relates: 'books' } } }, 'field b: a relation names the dataset it relates to (relates), and only a relation does'],
    [{ fields: { b: { property: 'B', kind: 'button' } } }, 'field b: a button holds no value to store'],
    [{ fields: { t: { property: 'T', kind: 'title' } }, indexes: ['nope'] }, 'index on nope, which is neither a field nor a column'],
    [{ fields: { t: { property: 'T', kind: 'title' } }, key: 't' }, 'key t is not one of its columns'],
    [{ fields: {} }, 'a Notion dataset maps at least one property (fields)'],
    [{ source: { google: 'gmail' }, fields: { t: { property: 'T', kind: 'title' } } }, 'a Google dataset has columns, not fields'],
  ] as const)('refuses a definition that contradicts itself: %j', (def, message) => {
    expect(() => defineDataset({ name: 'x', table: 'x', source: { notion: 'one-way' }, ...(def as object) })).toThrow(`defineDataset x: ${message}`);
  });
});

describe('the built-in definitions', () => {
  it('are the registry, in the sync order', () => {
    expect(syncOrder).toEqual(['contacts', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights']);
  });

  it("store every field in a type its kind holds without loss, but a one-page relation (uuid) and an array whose first element is Notion's value", () => {
    for (const ds of presetDatasets) {
      for (const f of ds.fields) {
        const lossless = FIELD_KINDS[f.kind].columnTypes.map(String);
        if (f.kind === 'relation') lossless.push('uuid');
        if (f.primaryOfArray) lossless.push(...lossless.map((t) => `${t}[]`));
        expect(lossless, `${ds.name}.${f.field}`).toContain(f.columnType);
      }
    }
  });
});
