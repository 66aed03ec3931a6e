/**
 * Formulas and rollups through the API, as the official SDK reads them: prop() of every property
 * kind, now() on the emulator clock, formulas of formulas and cycles; each rollup function in the
 * SDK's rollup shapes, computed over the first 25 related pages in page objects and over all of
 * them, paginated, on the property-item endpoint.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedFile } from '../../../emulators/notion/index.ts';
import { start, type Started } from './helpers.ts';

const TASKS_DS = 'aaaaaaaa-0000-4000-8000-00000000000a';
const PROJECTS_DS = 'bbbbbbbb-0000-4000-8000-00000000000b';
const PROJECT = 'cccccccc-0000-4000-8000-00000000000c';
const BIG_PROJECT = 'dddddddd-0000-4000-8000-00000000000d';

const ROLLUP_FUNCTIONS: Record<string, string> = {
  count: 'Points', count_values: 'Tags', empty: 'Points', not_empty: 'Points', unique: 'Tags', percent_empty: 'Points',
  percent_not_empty: 'Points', sum: 'Points', average: 'Points', median: 'Points', min: 'Points', max: 'Points', range: 'Points',
  earliest_date: 'Due', latest_date: 'Due', date_range: 'Due', checked: 'Done', unchecked: 'Done', percent_checked: 'Done',
  percent_unchecked: 'Done', show_original: 'Name', show_unique: 'Status', count_per_group: 'Status',
};

const task = (id: string, name: string, p: Record<string, any>) => ({ id, properties: { Name: { title: [{ text: { content: name } }] }, ...p } });
const T = (i: number) => `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`;

function seed(): SeedFile {
  const bigTasks = Array.from({ length: 30 }, (_, i) => task(T(100 + i), `Big ${i}`, { Points: { number: i + 1 } }));
  return {
    databases: [
      {
        dataSourceId: TASKS_DS,
        title: 'Tasks',
        properties: {
          Name: { type: 'title' },
          Points: { type: 'number' },
          Due: { type: 'date' },
          Done: { type: 'checkbox' },
          Tags: { type: 'multi_select', multi_select: { options: [] } },
          Status: { type: 'select', select: { options: [{ name: 'Open' }, { name: 'Closed' }] } },
          Note: { type: 'rich_text' },
          Owner: { type: 'people' },
          Site: { type: 'url' },
          Mail: { type: 'email' },
          Phone: { type: 'phone_number' },
          Created: { type: 'created_time' },
          Key: { type: 'unique_id', unique_id: { prefix: 'T' } },
          Double: { type: 'formula', formula: { expression: 'prop("Points") * 2' } },
          Label: { type: 'formula', formula: { expression: 'if(prop("Done"), "done: " + prop("Name"), "open")' } },
          Quad: { type: 'formula', formula: { expression: 'prop("Double") * 2' } },
          Late: { type: 'formula', formula: { expression: 'dateBetween(now(), prop("Due"), "days")' } },
          NextWeek: { type: 'formula', formula: { expression: 'dateAdd(prop("Due"), 1, "weeks")' } },
          Summary: {
            type: 'formula',
            formula: {
              expression:
                'join([prop("Status"), format(prop("Tags")), prop("Note"), format(prop("Owner")), prop("Site"), prop("Mail"), prop("Phone"), prop("Key"), formatDate(prop("Created"), "YYYY-MM-DD")], "|")',
            },
          },
          Overdue: { type: 'formula', formula: { expression: 'not prop("Done") and prop("Due") < now()' } },
          Cycle1: { type: 'formula', formula: { expression: 'prop("Cycle2") + 1' } },
          Cycle2: { type: 'formula', formula: { expression: 'prop("Cycle1") + 1' } },
          Broken: { type: 'formula', formula: { expression: 'prop("Points") +* 2' } },
        },
        pages: [
          task(T(1), 'Write', {
            Points: { number: 3 }, Due: { date: { start: '2026-01-01' } }, Done: { checkbox: true }, Tags: { multi_select: [{ name: 'a' }, { name: 'b' }] },
            Status: { select: { name: 'Open' } }, Note: { rich_text: [{ text: { content: 'first' } }] }, Owner: { people: [{ id: 'e0e0e0e0-0000-4000-8000-0000000e5e55' }] },
            Site: { url: 'https://x.test' }, Mail: { email: 'a@x.test' }, Phone: { phone_number: '+1 555' },
          }),
          task(T(2), 'Review', { Points: { number: 5 }, Due: { date: { start: '2026-01-10' } }, Done: { checkbox: false }, Tags: { multi_select: [{ name: 'b' }] }, Status: { select: { name: 'Open' } } }),
          task(T(3), 'Ship', { Points: { number: 10 }, Due: { date: { start: '2025-12-20', end: '2025-12-22' } }, Done: { checkbox: true }, Status: { select: { name: 'Closed' } } }),
          task(T(4), 'Idle', {}),
          ...bigTasks,
        ],
      },
      {
        dataSourceId: PROJECTS_DS,
        title: 'Projects',
        properties: {
          Name: { type: 'title' },
          Tasks: { type: 'relation', relation: { data_source_id: 'Tasks' } },
          ...Object.fromEntries(
            Object.entries(ROLLUP_FUNCTIONS).map(([fn, target]) => [fn, { type: 'rollup', rollup: { relation_property_name: 'Tasks', rollup_property_name: target, function: fn } }]),
          ),
          TaskCount: { type: 'formula', formula: { expression: 'length(prop("Tasks")) + prop("sum")' } },
          TaskNames: { type: 'formula', formula: { expression: 'join(prop("Tasks"), ";")' } },
        },
        pages: [
          { id: PROJECT, properties: { Name: { title: [{ text: { content: 'Small' } }] }, Tasks: { relation: [1, 2, 3, 4].map((i) => ({ id: T(i) })) } } },
          { id: BIG_PROJECT, properties: { Name: { title: [{ text: { content: 'Big' } }] }, Tasks: { relation: bigTasks.map((t) => ({ id: t.id })) } } },
        ],
      },
    ],
  };
}

let t: Started;
afterEach(async () => t?.emulator.close());

const props = async (id: string) => ((await t.client.pages.retrieve({ page_id: id })) as any).properties;

describe('formulas through the API', () => {
  it('evaluate prop() of every property kind into Notion result types', async () => {
    t = await start({ seed: seed() });
    const p = await props(T(1));
    expect(p.Double.formula).toEqual({ type: 'number', number: 6 });
    expect(p.Quad.formula).toEqual({ type: 'number', number: 12 });
    expect(p.Label.formula).toEqual({ type: 'string', string: 'done: Write' });
    expect(p.NextWeek.formula).toEqual({ type: 'date', date: { start: '2026-01-08', end: null, time_zone: null } });
    expect(p.Overdue.formula).toEqual({ type: 'boolean', boolean: false });
    expect(p.Summary.formula).toEqual({ type: 'string', string: 'Open|a, b|first|Emulated Person|https://x.test|a@x.test|+1 555|T-1|2026-01-05' });
    const idle = await props(T(4));
    expect(idle.Double.formula).toEqual({ type: 'number', number: null });
    expect(idle.Label.formula).toEqual({ type: 'string', string: 'open' });
    expect(idle.NextWeek.formula).toEqual({ type: 'date', date: null });
    expect((await props(T(2))).Overdue.formula).toEqual({ type: 'boolean', boolean: false });
  });

  it('now() reads the emulator clock', async () => {
    t = await start({ seed: seed() });
    expect((await props(T(2))).Late.formula).toEqual({ type: 'number', number: -4 });
    t.clock.advance(10 * 86_400_000);
    const later = await props(T(2));
    expect(later.Late.formula).toEqual({ type: 'number', number: 5 });
    expect(later.Overdue.formula).toEqual({ type: 'boolean', boolean: true });
  });

  it('answers unsupported for a cycle or a broken expression, and recomputes after a write', async () => {
    t = await start({ seed: seed() });
    let p = await props(T(2));
    expect(p.Cycle1.formula).toEqual({ type: 'unsupported', unsupported: {} });
    expect(p.Broken.formula).toEqual({ type: 'unsupported', unsupported: {} });
    await t.client.pages.update({ page_id: T(2), properties: { Points: { number: 8 } } });
    p = await props(T(2));
    expect(p.Double.formula).toEqual({ type: 'number', number: 16 });
  });

  it('filters and sorts on evaluated formulas', async () => {
    t = await start({ seed: seed() });
    const r: any = await t.client.dataSources.query({ data_source_id: TASKS_DS, filter: { property: 'Double', formula: { number: { greater_than: 50 } } } as any, sorts: [{ property: 'Double', direction: 'ascending' }] });
    expect(r.results.map((x: any) => [x.properties.Name.title[0].plain_text, x.properties.Double.formula.number])).toEqual([
      ['Big 25', 52], ['Big 26', 54], ['Big 27', 56], ['Big 28', 58], ['Big 29', 60],
    ]);
  });
});

describe('rollups through the API', () => {
  it('counting functions', async () => {
    t = await start({ seed: seed() });
    const p = await props(PROJECT);
    const v = (fn: string) => p[fn].rollup;
    expect(v('count')).toEqual({ type: 'number', number: 4, function: 'count' });
    expect(v('count_values')).toEqual({ type: 'number', number: 3, function: 'count_values' });
    expect(v('empty')).toEqual({ type: 'number', number: 1, function: 'empty' });
    expect(v('not_empty')).toEqual({ type: 'number', number: 3, function: 'not_empty' });
    expect(v('unique')).toEqual({ type: 'number', number: 2, function: 'unique' });
    expect(v('percent_empty')).toEqual({ type: 'number', number: 0.25, function: 'percent_empty' });
    expect(v('percent_not_empty')).toEqual({ type: 'number', number: 0.75, function: 'percent_not_empty' });
  });

  it('number functions', async () => {
    t = await start({ seed: seed() });
    const p = await props(PROJECT);
    const num = (fn: string) => p[fn].rollup.number;
    expect(p.sum.rollup).toEqual({ type: 'number', number: 18, function: 'sum' });
    expect([num('average'), num('median'), num('min'), num('max'), num('range')]).toEqual([6, 5, 3, 10, 7]);
  });

  it('date functions', async () => {
    t = await start({ seed: seed() });
    const p = await props(PROJECT);
    expect(p.earliest_date.rollup).toEqual({ type: 'date', date: { start: '2025-12-20', end: null, time_zone: null }, function: 'earliest_date' });
    expect(p.latest_date.rollup).toEqual({ type: 'date', date: { start: '2026-01-10', end: null, time_zone: null }, function: 'latest_date' });
    expect(p.date_range.rollup).toEqual({ type: 'date', date: { start: '2025-12-20', end: '2026-01-10', time_zone: null }, function: 'date_range' });
  });

  it('checkbox functions', async () => {
    t = await start({ seed: seed() });
    const p = await props(PROJECT);
    expect([p.checked.rollup.number, p.unchecked.rollup.number, p.percent_checked.rollup.number, p.percent_unchecked.rollup.number]).toEqual([2, 2, 0.5, 0.5]);
    expect(p.checked.rollup.type).toBe('number');
  });

  it('show_original / show_unique answer arrays of property values; group functions are unsupported', async () => {
    t = await start({ seed: seed() });
    const p = await props(PROJECT);
    expect(p.show_original.rollup.type).toBe('array');
    expect(p.show_original.rollup.array.map((x: any) => [x.type, x.title[0]?.plain_text])).toEqual([
      ['title', 'Write'], ['title', 'Review'], ['title', 'Ship'], ['title', 'Idle'],
    ]);
    expect(p.show_unique.rollup.array.map((x: any) => x.select?.name ?? null)).toEqual(['Open', 'Closed', null]);
    expect(p.count_per_group.rollup).toEqual({ type: 'unsupported', unsupported: {}, function: 'count_per_group' });
    // Formulas see relations as page titles and rollups as their results.
    expect(p.TaskNames.formula).toEqual({ type: 'string', string: 'Write;Review;Ship;Idle' });
    expect(p.TaskCount.formula).toEqual({ type: 'number', number: 22 });
  });

  it('in a page object, are computed over the first 25 related pages; the property item has them all, paged', async () => {
    t = await start({ seed: seed() });
    const p = await props(BIG_PROJECT);
    expect(p.Tasks.relation).toHaveLength(25);
    expect(p.Tasks.has_more).toBe(true);
    expect(p.count.rollup.number).toBe(25);
    expect(p.sum.rollup.number).toBe((25 * 26) / 2);

    const first: any = await t.client.pages.properties.retrieve({ page_id: BIG_PROJECT, property_id: p.sum.id, page_size: 20 });
    expect(first.object).toBe('list');
    expect(first.results).toHaveLength(20);
    expect(first.results[0]).toEqual({ object: 'property_item', id: p.Tasks.id, type: 'relation', relation: { id: T(100) } });
    expect(first.has_more).toBe(true);
    // The aggregate so far, over the related pages paged through.
    expect(first.property_item).toMatchObject({ id: p.sum.id, type: 'rollup', rollup: { type: 'number', number: 210, function: 'sum' } });
    const rest: any = await t.client.pages.properties.retrieve({ page_id: BIG_PROJECT, property_id: p.sum.id, start_cursor: first.next_cursor });
    expect(rest.results).toHaveLength(10);
    expect(rest.has_more).toBe(false);
    expect(rest.property_item.rollup).toEqual({ type: 'number', number: 465, function: 'sum' });

    const names: any = await t.client.pages.properties.retrieve({ page_id: BIG_PROJECT, property_id: p.show_original.id });
    expect(names.results).toHaveLength(30);
    expect(names.results[29]).toMatchObject({ object: 'property_item', type: 'title', title: { plain_text: 'Big 29' } });
    expect(names.property_item.rollup).toEqual({ type: 'array', array: [], function: 'show_original' });
  });
});
