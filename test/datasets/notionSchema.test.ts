/**
 * A dataset's Notion side made from its definition (src/datasets/notionSchema.ts), and the sample
 * workspaces made from it: their databases have the properties the definitions map, no more, no
 * fewer, so a property added to a definition is in the demo and the tests' workspaces at once.
 */
import { describe, expect, it } from 'vitest';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { WRITABLE_PROPERTY_TYPES } from '../../src/connectors/notion/index.ts';
import { defineDataset } from '../../src/datasets/define.ts';
import { FIELD_KINDS, NOTION_KINDS } from '../../src/datasets/fieldKinds.ts';
import { presetDatasets } from '../../src/datasets/index.ts';
import { notionPageOf, notionSchemaOf } from '../../src/datasets/notionSchema.ts';

const tasks = presetDatasets.find((d) => d.name === 'tasks')!;

describe('notionSchemaOf', () => {
  it("each field's property with its kind, options where given, relations to their dataset's data source, then the row-id property", () => {
    expect(Object.entries(notionSchemaOf(tasks, { options: { status: ['Open', 'Done'] }, dataSourceOf: (d) => `ds-of-${d}` }))).toEqual([
      ['Name', { type: 'title' }],
      ['Status', { type: 'status', status: { options: [{ name: 'Open' }, { name: 'Done' }] } }],
      ['Due', { type: 'date' }],
      ['Priority', { type: 'select' }],
      ['Notes', { type: 'rich_text' }],
      ['Meeting', { type: 'relation', relation: { data_source_id: 'ds-of-meetings' } }],
      ['Supabase ID', { type: 'rich_text' }],
    ]);
    expect(() => notionSchemaOf(tasks)).toThrow('tasks.meeting_id: a relation needs the data source of meetings');
  });

  it("a page's values by field, as jarvis-sync writes them to Notion; fields left out stay out", () => {
    expect(notionPageOf(tasks, { title: 'Plan', due_date: '2026-03-02', priority: null, meeting_id: ['0123456789abcdef0123456789abcdef'] })).toEqual({
      Name: { title: [{ type: 'text', text: { content: 'Plan' } }] },
      Due: { date: { start: '2026-03-02' } },
      Priority: { select: null },
      Meeting: { relation: [{ id: '01234567-89ab-cdef-0123-456789abcdef' }] },
    });
    expect(() => notionPageOf(tasks, { estimate: 3 })).toThrow('tasks has no field estimate');
    expect(() => notionPageOf(tasks, { priority: 'High, urgent' })).toThrow('Property "Priority": select option "High, urgent" contains a comma');
    const withFormula = { ...tasks, fields: [...tasks.fields, { field: 'score', property: 'Score', kind: 'formula' as const, column: 'score', columnType: 'numeric' as const }] };
    expect(() => notionPageOf(withFormula, { score: 3 })).toThrow('tasks.score: Notion computes a formula; a page cannot be given one');
  });

  it('the kind table writes every kind a page can be given, and none that Notion computes', () => {
    const writable = NOTION_KINDS.filter((k) => FIELD_KINDS[k].write);
    expect(writable.sort()).toEqual([...WRITABLE_PROPERTY_TYPES].sort());
  });
});

describe('the sample workspaces', () => {
  const seed = mergeSeeds(sampleNotionWorkspace({ books: 2 }).seed, sampleTwoWayWorkspace({ contacts: 2, meetings: 2, tasks: 2, reflections: 1, journals: 1 }).seed);

  it('have a database per built-in Notion dataset, with exactly the properties and kinds of its definition', () => {
    const notion = presetDatasets.filter((d) => d.pattern === 'one-way' || d.pattern === 'two-way');
    expect(seed.databases.map((d) => d.title.toLowerCase()).sort()).toEqual(notion.map((d) => d.name).sort());
    for (const ds of notion) {
      const db = seed.databases.find((d) => d.title.toLowerCase() === ds.name)!;
      const expected = [...ds.fields.map((f) => [f.property, f.kind]), ...(ds.rowIdProperty ? [[ds.rowIdProperty, 'rich_text']] : [])];
      expect([ds.name, Object.entries(db.properties).map(([name, p]) => [name, p?.type])]).toEqual([ds.name, expected]);
      for (const page of db.pages ?? []) for (const name of Object.keys(page.properties ?? {})) expect(db.properties, `${ds.name}: ${name}`).toHaveProperty([name]);
    }
  });

  it('follow a definition: a property added to it is one more property of the database made from it', () => {
    const withMood = defineDataset({
      name: 'journals',
      table: 'journals',
      source: { notion: 'two-way' },
      fields: { ...Object.fromEntries(presetDatasets.find((d) => d.name === 'journals')!.fields.map((f) => [f.field, { property: f.property, kind: f.kind, type: f.columnType }])), mood: { property: 'Mood', kind: 'select' } },
    });
    expect(Object.keys(notionSchemaOf(withMood))).toEqual(['Title', 'Date', 'Entry', 'Tags', 'Mood', 'Supabase ID']);
  });
});
