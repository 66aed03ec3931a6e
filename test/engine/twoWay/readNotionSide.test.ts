/**
 * The read step of a two-way run, alone: which window a run chooses, and which Notion requests it
 * spends on it — pages by id for a targeted run, one query from the cursor (minus the overlap) for
 * an incremental one, one unfiltered query for a full one — with a fake Notion connector.
 */
import { describe, expect, it } from 'vitest';
import { NotionSyncError } from '../../../src/connectors/notion/errors.ts';
import type { NotionConnector, NotionPage, QueryOptions } from '../../../src/connectors/notion/types.ts';
import { NotionReads, readNotionSide, readPagesOfRows } from '../../../src/engine/twoWay/readNotionSide.ts';
import { chooseWindow } from '../../../src/engine/twoWay/run.ts';
import { journalPage, journalsRun, STARTED } from './fixtures.ts';

const NOTION_CURSOR = '2026-03-02T08:00:00.000Z';
const PG_CURSOR = '2026-03-02T08:30:00.000Z';
const OVERLAP = 120;

/** A Notion connector over `pages` that logs every request it is asked for. */
function fakeNotion(pages: NotionPage[], failing: string[] = []) {
  const requests: string[] = [];
  const notion: Partial<NotionConnector> = {
    async *queryPages(_dataSource: string, o?: QueryOptions) {
      requests.push(`query ${o?.editedOnOrAfter ?? 'everything'}`);
      for (const p of pages) if (!o?.editedOnOrAfter || p.last_edited_time >= o.editedOnOrAfter) yield p;
    },
    async retrievePage(id: string) {
      requests.push(`retrieve ${id}`);
      if (failing.includes(id)) throw new NotionSyncError({ kind: 'transient', message: `Notion GET /v1/pages/${id} failed (503)` });
      return pages.find((p) => p.id === id) ?? null;
    },
    async findPagesByRichText(_dataSource: string, property: string, value: string) {
      requests.push(`find ${property}=${value}`);
      return pages.filter((p) => (p.properties[property] as any)?.rich_text?.[0]?.plain_text === value);
    },
  };
  return { notion, requests };
}

describe('chooseWindow', () => {
  const choose = (cursors: { notion: string | null; pg: string | null }, opts = {}) => chooseWindow(cursors, opts, STARTED, OVERLAP);
  const both = { notion: NOTION_CURSOR, pg: PG_CURSOR };

  it('incremental from each cursor minus the overlap when both sides have one', () => {
    expect(choose(both)).toEqual({ notionCursor: NOTION_CURSOR, pgCursor: PG_CURSOR, targeted: false, full: false, notionSince: '2026-03-02T07:58:00.000Z', pgSince: '2026-03-02T08:28:00.000Z' });
  });

  it('full when asked, or when a side has no cursor yet (unless --hours names the window)', () => {
    expect(choose(both, { full: true })).toMatchObject({ full: true, notionSince: null, pgSince: null });
    expect(choose({ notion: NOTION_CURSOR, pg: null })).toMatchObject({ full: true });
    expect(choose({ notion: null, pg: null })).toMatchObject({ full: true });
    expect(choose({ notion: null, pg: null }, { hours: 2 })).toMatchObject({ full: false, notionSince: '2026-03-02T07:00:00.000Z', pgSince: '2026-03-02T07:00:00.000Z' });
    expect(choose(both, { hours: 1 })).toMatchObject({ full: false, notionSince: '2026-03-02T08:00:00.000Z' });
  });

  it('targeted when pages or rows are named, even with --full or no cursor: no window at all', () => {
    for (const opts of [{ pageIds: ['p1'] }, { recordIds: ['r1'] }, { pageIds: [], full: true }]) {
      expect(choose({ notion: null, pg: null }, opts)).toMatchObject({ targeted: true, full: false, notionSince: null, pgSince: null });
    }
  });
});

describe('readNotionSide', () => {
  const pages = [journalPage('p-old', { edited: '2026-03-01T10:00:00.000Z' }), journalPage('p-new', { edited: '2026-03-02T07:59:00.000Z' }), journalPage('p-newest', { edited: '2026-03-02T08:40:00.000Z' })];

  it('incremental: one query for pages edited since the cursor minus the overlap, each read and counted', async () => {
    const { notion, requests } = fakeNotion(pages);
    const run = journalsRun({ notion, cursors: { notion: NOTION_CURSOR, pg: PG_CURSOR } });
    const reads = new NotionReads(run);
    await readNotionSide(run, reads);
    expect(requests).toEqual(['query 2026-03-02T07:58:00.000Z']);
    expect([...reads.pages.keys()]).toEqual(['p-new', 'p-newest']);
    expect(reads.returned).toBe(2);
    expect(reads.queriedEditTimes).toEqual(['2026-03-02T07:59:00.000Z', '2026-03-02T08:40:00.000Z']);
    expect(reads.pages.get('p-new')).toMatchObject({ raw: { title: 'Journal p-new', tags: ['calm'] }, rowId: null });
    expect(run.result.mode).toBe('incremental');
  });

  it('full: one query without a filter', async () => {
    const { notion, requests } = fakeNotion(pages);
    const run = journalsRun({ notion, cursors: { notion: NOTION_CURSOR, pg: null } });
    const reads = new NotionReads(run);
    await readNotionSide(run, reads);
    expect(requests).toEqual(['query everything']);
    expect(reads.pages.size).toBe(3);
    expect(run.result.mode).toBe('full');
  });

  it('targeted: each named page once, by id, and no query; a page Notion lacks is skipped, a failed request is that page\'s error', async () => {
    const { notion, requests } = fakeNotion(pages, ['p-broken']);
    const run = journalsRun({ notion, cursors: { notion: NOTION_CURSOR, pg: PG_CURSOR }, options: { pageIds: ['p-old', 'p-missing', 'p-old', 'p-broken'] } });
    const reads = new NotionReads(run);
    await readNotionSide(run, reads);
    expect(requests).toEqual(['retrieve p-old', 'retrieve p-missing', 'retrieve p-broken']);
    expect([...reads.pages.keys()]).toEqual(['p-old']);
    expect(reads.returned).toBe(0);
    expect(reads.queriedEditTimes).toEqual([]);
    expect(run.result.errors).toEqual([{ key: 'p-broken', keyIs: 'notion_page_id', error: 'Notion GET /v1/pages/p-broken failed (503)', kind: 'transient' }]);
  });

  it('a page that cannot be read is its own error, marks the schema suspect, and its edit time holds the cursor back', () => {
    const odd = journalPage('p-odd', { edited: '2026-03-02T08:10:00.000Z' });
    (odd.properties as any).Tags = { id: 'g', type: 'select', select: { name: 'calm' } };
    const run = journalsRun({ notion: fakeNotion([]).notion, cursors: { notion: NOTION_CURSOR, pg: PG_CURSOR } });
    const reads = new NotionReads(run);
    reads.take(odd);
    reads.take(pages[0]!);
    expect(reads.propertyMismatch).toBe(true);
    expect([...reads.pages.keys()]).toEqual(['p-old']);
    expect(reads.failedEditTimes).toEqual(['2026-03-02T08:10:00.000Z']);
    expect(run.result.errors.map((e) => e.key)).toEqual(['p-odd']);
    expect(run.errors.has('p-odd')).toBe(true);
  });
});

describe('readPagesOfRows', () => {
  it('reads the pages of rows named by id, of pages that failed last run, and finds interrupted creates by their row id (the oldest page)', async () => {
    const pages = [
      journalPage('p-linked'),
      journalPage('p-failed'),
      journalPage('p-copy', { rowId: 'r-creating', created: '2026-03-01T09:00:00.000Z' }),
      journalPage('p-first', { rowId: 'r-creating', created: '2026-03-01T08:00:00.000Z' }),
    ];
    const { notion, requests } = fakeNotion(pages);
    const run = journalsRun({ notion, cursors: { notion: NOTION_CURSOR, pg: PG_CURSOR }, options: { recordIds: ['r-linked', 'r-unlinked'] } });
    const reads = new NotionReads(run);
    const failure = { dataset: 'journals', source: 'notion', sourceId: 'p-failed', error: 'boom', attempts: 1, firstFailedAt: new Date(), lastFailedAt: new Date() };
    const rows = new Map<string, any>([
      ['r-linked', { id: 'r-linked', notion_page_id: 'p-linked' }],
      ['r-unlinked', { id: 'r-unlinked', notion_page_id: null }],
    ]);
    await readPagesOfRows(run, reads, { rows, windowRows: [], failures: [failure], pending: ['r-creating'] });
    expect(requests).toEqual(['retrieve p-linked', 'retrieve p-failed', 'find Supabase ID=r-creating']);
    expect([...reads.pages.keys()]).toEqual(['p-linked', 'p-failed', 'p-first']);
    expect(run.result.warnings).toEqual(['row r-creating has 2 Notion pages; linked the oldest (p-first)']);
  });
});
