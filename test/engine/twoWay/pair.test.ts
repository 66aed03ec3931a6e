/**
 * Pairing pages with rows, pure: by the row's notion_page_id, else by the page's row id property
 * (an interrupted create), never twice; a copied page is a new record; what a relink holds back is
 * left out.
 */
import { describe, expect, it } from 'vitest';
import { pairRecords } from '../../../src/engine/twoWay/pair.ts';
import type { ReadNotionPage } from '../../../src/engine/twoWay/notionSide.ts';

const page = (id: string, rowId: string | null = null): ReadNotionPage => ({ page: { id, in_trash: false, last_edited_time: '2026-03-01T08:00:00.000Z' }, raw: {}, rowId });
const rows = (...list: Array<[string, string | null]>) => new Map(list.map(([id, pageId]) => [id, { id, notion_page_id: pageId }]));
const none = { pageIds: new Set<string>(), recordIds: new Set<string>() };

describe('pairRecords', () => {
  it('pairs by notion_page_id, then by row id for a row without a page; pages first, then the rows no page claimed', () => {
    const pairs = pairRecords([page('p1'), page('p2', 'r2'), page('p-new')], rows(['r1', 'p1'], ['r2', null], ['r3', 'p3'], ['r4', null]), none);
    expect(pairs).toEqual([
      { recordId: 'r1', pageId: 'p1' },
      { recordId: 'r2', pageId: 'p2' },
      { recordId: null, pageId: 'p-new' },
      { recordId: 'r3', pageId: 'p3' },
      { recordId: 'r4', pageId: null },
    ]);
  });

  it('a copy of a page (same row id) is a new record, whether the row is linked already or claimed by the first page', () => {
    expect(pairRecords([page('p1', 'r1'), page('p1-copy', 'r1')], rows(['r1', 'p1']), none)).toEqual([
      { recordId: 'r1', pageId: 'p1' },
      { recordId: null, pageId: 'p1-copy' },
    ]);
    expect(pairRecords([page('pa', 'r1'), page('pb', 'r1')], rows(['r1', null]), none)).toEqual([
      { recordId: 'r1', pageId: 'pa' },
      { recordId: null, pageId: 'pb' },
    ]);
  });

  it('leaves out the pages and rows an ambiguous relink holds back', () => {
    const held = { pageIds: new Set(['p-held']), recordIds: new Set(['r-held']) };
    expect(pairRecords([page('p-held'), page('p1')], rows(['r-held', null], ['r1', 'p1']), held)).toEqual([{ recordId: 'r1', pageId: 'p1' }]);
  });
});
