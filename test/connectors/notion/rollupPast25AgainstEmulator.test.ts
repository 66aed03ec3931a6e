/**
 * Rollups past 25 related pages through the connector against the Notion emulator: page objects
 * compute rollups over the first 25 related pages only; the connector completes them through the
 * property-item endpoint when a relation of the page says has_more, and costs nothing extra otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { Extract, createNotionConnector, type NotionConnector, type NotionPage } from '../../../src/connectors/notion/index.ts';
import { FIELD_KINDS } from '../../../src/datasets/fieldKinds.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

const TOKEN = 'secret_rollups';
const TASKS_DS = 'eeeeeeee-0000-4000-8000-00000000000a';
const PROJECTS_DS = 'eeeeeeee-0000-4000-8000-00000000000b';
const BIG = 'eeeeeeee-0000-4000-8000-0000000000b1';
const SMALL = 'eeeeeeee-0000-4000-8000-0000000000b2';
const T = (i: number) => `eeeeeeee-0000-4000-8000-${String(1000 + i).padStart(12, '0')}`;
const PROPERTY_ITEM = 'GET /v1/pages/:id/properties/:pid';

describe('rollups over more than 25 related pages, through the connector', () => {
  const clock = new FakeClock('2026-04-01T12:00:00.000Z');
  const tasks = Array.from({ length: 30 }, (_, i) => ({ id: T(i), properties: { Name: { title: [{ text: { content: `Task ${i}` } }] }, Points: { number: i + 1 } } }));
  const emulator = createNotionEmulator({
    clock,
    tokens: [TOKEN],
    seed: {
      databases: [
        { dataSourceId: TASKS_DS, title: 'Tasks', properties: { Name: { type: 'title' }, Points: { type: 'number' } }, pages: tasks },
        {
          dataSourceId: PROJECTS_DS,
          title: 'Projects',
          properties: {
            Name: { type: 'title' },
            Tasks: { type: 'relation', relation: { data_source_id: 'Tasks' } },
            Sum: { type: 'rollup', rollup: { relation_property_name: 'Tasks', rollup_property_name: 'Points', function: 'sum' } },
            Count: { type: 'rollup', rollup: { relation_property_name: 'Tasks', rollup_property_name: 'Points', function: 'count' } },
            Names: { type: 'rollup', rollup: { relation_property_name: 'Tasks', rollup_property_name: 'Name', function: 'show_original' } },
          },
          pages: [
            { id: BIG, properties: { Name: { title: [{ text: { content: 'Big' } }] }, Tasks: { relation: tasks.map((t) => ({ id: t.id })) } } },
            { id: SMALL, properties: { Name: { title: [{ text: { content: 'Small' } }] }, Tasks: { relation: tasks.slice(0, 3).map((t) => ({ id: t.id })) } } },
          ],
        },
      ],
    },
  });
  let notion: NotionConnector;
  beforeAll(async () => {
    notion = createNotionConnector({ token: TOKEN, baseUrl: await emulator.listen(0, '127.0.0.1'), clock });
  });
  afterAll(() => emulator.close());

  const names = (n: number) => Array.from({ length: n }, (_, i) => `Task ${i}`);
  const sumTo = (n: number) => (n * (n + 1)) / 2;

  it('retrievePage: sum, count and show_original of a 30-page relation give the full result', async () => {
    emulator.resetCounts();
    const page = (await notion.retrievePage(BIG))!;
    expect(Extract.relation(page as any, 'Tasks')).toHaveLength(30);
    expect(Extract.rollup(page as any, 'Sum')).toBe(sumTo(30)); // 325 over the first 25
    expect(Extract.rollup(page as any, 'Count')).toBe(30);
    expect(Extract.rollup(page as any, 'Names')).toEqual(names(30));
    // What a config-defined field's column receives.
    expect(FIELD_KINDS.rollup.read(page.properties.Sum!, 'numeric')).toBe(465);
    expect(FIELD_KINDS.rollup.read(page.properties.Count!, 'numeric')).toBe(30);
    expect(FIELD_KINDS.rollup.read(page.properties.Names!, 'text[]')).toEqual(names(30));
    // One page read, one property-item read for the relation and one per rollup (30 fit in one page of 100).
    expect(emulator.requestCounts).toEqual({ 'GET /v1/pages/:id': 1, [PROPERTY_ITEM]: 4 });
  });

  it('queryPages completes the long rollups and leaves the short ones at no extra request', async () => {
    emulator.resetCounts();
    const pages: NotionPage[] = [];
    for await (const p of notion.queryPages(PROJECTS_DS)) pages.push(p);
    const byId = new Map(pages.map((p) => [p.id, p]));
    const big = byId.get(BIG)!;
    const small = byId.get(SMALL)!;
    expect([Extract.rollup(big as any, 'Sum'), Extract.rollup(big as any, 'Count'), Extract.rollup(big as any, 'Names')]).toEqual([465, 30, names(30)]);
    expect([Extract.rollup(small as any, 'Sum'), Extract.rollup(small as any, 'Count'), Extract.rollup(small as any, 'Names')]).toEqual([sumTo(3), 3, names(3)]);
    // All four property-item reads are the big project's.
    expect(emulator.requestCounts[PROPERTY_ITEM]).toBe(4);
  });

  it('a rollup over 3 related pages costs no request beyond the page itself', async () => {
    emulator.resetCounts();
    const page = (await notion.retrievePage(SMALL))!;
    expect(Extract.rollup(page as any, 'Sum')).toBe(6);
    expect(Extract.rollup(page as any, 'Names')).toEqual(names(3));
    expect(emulator.requestCounts).toEqual({ 'GET /v1/pages/:id': 1 });
  });
});
