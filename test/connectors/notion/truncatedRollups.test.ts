/**
 * completeTruncatedProperties on rollups, with a scripted property-item endpoint: an aggregate
 * spread over several pages of items is the last page's (Notion's running value), a list rollup
 * keeps every item, rollups of a page whose relations all fit are left as they are, and only the
 * properties named (a dataset's mapped ones) are completed when names are given.
 */
import type { GetPagePropertyParameters, GetPagePropertyResponse } from '@notionhq/client';
import { describe, expect, it } from 'vitest';
import { completeTruncatedProperties } from '../../../src/connectors/notion/truncated-properties.ts';
import type { NotionPage } from '../../../src/connectors/notion/types.ts';

const PAGE = 'ffffffff-0000-4000-8000-000000000001';
const rel = (i: number) => ({ object: 'property_item', id: 'rel', type: 'relation', relation: { id: `r${i}` } });

function page(relationHasMore: boolean, rollup: Record<string, unknown>): NotionPage {
  return {
    object: 'page', id: PAGE, created_time: '', last_edited_time: '', in_trash: false, parent: {},
    properties: {
      Tasks: { id: 'rel', type: 'relation', relation: [{ id: 'r0' }], has_more: relationHasMore },
      Total: { id: 'tot', type: 'rollup', rollup },
    },
  };
}

/** Answers the rollup's property item in the given pages; the relation's in one page. */
function scripted(rollupPages: Array<{ results: unknown[]; rollup: Record<string, unknown> }>) {
  const calls: GetPagePropertyParameters[] = [];
  const retrieve = async (args: GetPagePropertyParameters): Promise<GetPagePropertyResponse> => {
    calls.push(args);
    if (args.property_id === 'rel') {
      return { object: 'list', results: [rel(0)], next_cursor: null, has_more: false, type: 'property_item', property_item: { id: 'rel', type: 'relation', relation: {}, next_url: null } } as unknown as GetPagePropertyResponse;
    }
    const i = args.start_cursor ? Number(args.start_cursor) : 0;
    const next = i + 1 < rollupPages.length ? String(i + 1) : null;
    const { results, rollup } = rollupPages[i]!;
    return { object: 'list', results, next_cursor: next, has_more: next !== null, type: 'property_item', property_item: { id: 'tot', type: 'rollup', rollup, next_url: null } } as unknown as GetPagePropertyResponse;
  };
  return { calls, retrieve };
}

describe('completeTruncatedProperties: rollups', () => {
  it('an aggregate over several pages of items is the last page’s', async () => {
    const { calls, retrieve } = scripted([
      { results: Array.from({ length: 100 }, (_, i) => rel(i)), rollup: { type: 'number', number: 5050, function: 'sum' } },
      { results: Array.from({ length: 20 }, (_, i) => rel(100 + i)), rollup: { type: 'number', number: 7260, function: 'sum' } },
    ]);
    const done = await completeTruncatedProperties(page(true, { type: 'number', number: 325, function: 'sum' }), retrieve);
    expect(done.properties.Total!.rollup).toEqual({ type: 'number', number: 7260, function: 'sum' });
    expect(calls.filter((c) => c.property_id === 'tot').map((c) => c.start_cursor ?? null)).toEqual([null, '1']);
  });

  it('a list rollup keeps every item across pages, list-valued kinds as one-element values', async () => {
    const title = (s: string) => ({ object: 'property_item', id: 'n', type: 'title', title: { type: 'text', plain_text: s } });
    const { retrieve } = scripted([
      { results: [title('a'), title('b')], rollup: { type: 'array', array: [], function: 'show_original' } },
      { results: [title('c'), { object: 'property_item', id: 'p', type: 'number', number: 4 }], rollup: { type: 'array', array: [], function: 'show_original' } },
    ]);
    const done = await completeTruncatedProperties(page(true, { type: 'array', array: [], function: 'show_original' }), retrieve);
    expect(done.properties.Total!.rollup).toEqual({
      type: 'array',
      function: 'show_original',
      array: [
        { type: 'title', title: [{ type: 'text', plain_text: 'a' }] },
        { type: 'title', title: [{ type: 'text', plain_text: 'b' }] },
        { type: 'title', title: [{ type: 'text', plain_text: 'c' }] },
        { type: 'number', number: 4 },
      ],
    });
  });

  it('leaves rollups alone when no relation of the page says has_more, and unsupported ones always', async () => {
    const { calls, retrieve } = scripted([]);
    const short = await completeTruncatedProperties(page(false, { type: 'number', number: 6, function: 'sum' }), retrieve);
    expect(short.properties.Total!.rollup).toEqual({ type: 'number', number: 6, function: 'sum' });
    const unsupported = { type: 'unsupported', unsupported: {}, function: 'count_per_group' };
    const grouped = await completeTruncatedProperties(page(true, unsupported), retrieve);
    expect(grouped.properties.Total!.rollup).toEqual(unsupported);
    expect(calls.map((c) => c.property_id)).toEqual(['rel']);
  });

  it('completes only the properties named (what a dataset maps): a rollup over a relation not named still, the relation not', async () => {
    const { calls, retrieve } = scripted([{ results: [rel(0)], rollup: { type: 'number', number: 7260, function: 'sum' } }]);
    const done = await completeTruncatedProperties(page(true, { type: 'number', number: 325, function: 'sum' }), retrieve, new Set(['Total']));
    expect(done.properties.Total!.rollup).toEqual({ type: 'number', number: 7260, function: 'sum' });
    expect(done.properties.Tasks).toMatchObject({ relation: [{ id: 'r0' }], has_more: true }); // left as Notion sent it
    expect(calls.map((c) => c.property_id)).toEqual(['tot']);
    // Neither named: no request at all.
    const none = scripted([]);
    await completeTruncatedProperties(page(true, { type: 'number', number: 325, function: 'sum' }), none.retrieve, new Set(['Name']));
    expect(none.calls).toEqual([]);
  });
});
