/**
 * The relink planner, pure: sources in order of trust (sync_links, row-id property, natural keys),
 * each on what the previous left; anything two rows or pages could claim is held back and reported.
 */
import { describe, expect, it } from 'vitest';
import { planRelink, type RelinkInput } from '../../src/engine/relink/planRelink.ts';

const input = (over: Partial<RelinkInput>): RelinkInput => ({ rows: [], ledgerPages: new Map(), pages: [], naturalKeys: false, ...over });
const row = (id: string, notionPageId: string | null = null, extra = {}) => ({ id, notionPageId, deleted: false, ...extra });
const page = (pageId: string, rowId: string | null = null, extra = {}) => ({ pageId, rowId, ...extra });

describe('planRelink', () => {
  it('takes sync_links first, then the row-id property, then email, then phone — each only for what is still unlinked', () => {
    const plan = planRelink(
      input({
        rows: [row('a'), row('b'), row('c', null, { emails: ['C@x.org'] }), row('d', null, { phones: ['+44 20 7946 0958'] }), row('e', 'pe')],
        ledgerPages: new Map([['a', 'pa']]),
        pages: [page('pa', 'b'), page('pb', 'b'), page('pc', null, { emails: 'c@X.org', phones: '+442079460958' }), page('pd', null, { phones: '0044 20 7946 0958' }), page('pe', 'a')],
        naturalKeys: true,
      }),
    );
    // pa names b, but the ledger gave pa to a first; pb is then the only free page naming b.
    expect(plan.restores).toEqual([
      { recordId: 'a', pageId: 'pa', source: 'sync_links' },
      { recordId: 'b', pageId: 'pb', source: 'row_id' },
      { recordId: 'c', pageId: 'pc', source: 'email' },
      { recordId: 'd', pageId: 'pd', source: 'phone' },
    ]);
    expect(plan.ambiguities).toEqual([]);
  });

  it('natural keys only where the dataset has them, and never for a deleted row or a trashed page', () => {
    const rows = [row('c', null, { emails: ['c@x.org'] }), row('d', null, { emails: ['d@x.org'], deleted: true })];
    const pages = [page('pc', null, { emails: 'c@x.org', trashed: true }), page('pd', null, { emails: 'd@x.org' })];
    expect(planRelink(input({ rows, pages, naturalKeys: false })).restores).toEqual([]);
    expect(planRelink(input({ rows, pages, naturalKeys: true })).restores).toEqual([]);
  });

  it('a page the ledger gives a row but another row holds (here or elsewhere in the table): reported, the row held back', () => {
    const here = planRelink(input({ rows: [row('a'), row('b', 'p1')], ledgerPages: new Map([['a', 'p1']]), pages: [page('p1')] }));
    expect(here.restores).toEqual([]);
    expect(here.ambiguities).toEqual([{ reason: expect.stringContaining('which row b now holds'), recordIds: ['a'], pageIds: [] }]);
    expect([...here.heldRecordIds]).toEqual(['a']);
    const elsewhere = planRelink(input({ rows: [row('a')], ledgerPages: new Map([['a', 'p1']]), takenElsewhere: new Map([['p1', 'z']]) }));
    expect(elsewhere.ambiguities[0]!.reason).toContain('which row z now holds');
  });

  it('two free pages naming one row: both pages and the row held back', () => {
    const plan = planRelink(input({ rows: [row('a')], pages: [page('p1', 'a'), page('p2', 'a')] }));
    expect(plan.restores).toEqual([]);
    expect(plan.ambiguities).toEqual([{ reason: expect.stringContaining('all name row a'), recordIds: ['a'], pageIds: ['p1', 'p2'] }]);
    expect([...plan.heldPageIds]).toEqual(['p1', 'p2']);
  });

  it('a copied page (its row id names a row linked elsewhere) is no claim on that row', () => {
    const plan = planRelink(input({ rows: [row('a', 'p1')], pages: [page('p1', 'a'), page('p2', 'a')] }));
    expect(plan).toMatchObject({ restores: [], ambiguities: [] });
  });

  it('one page with the email of two rows, or two pages with the email of one row: reported, nothing paired', () => {
    const twoRows = planRelink(
      input({ rows: [row('a', null, { emails: ['x@y.org'] }), row('b', null, { emails: ['X@y.org', 'b@y.org'] })], pages: [page('p', null, { emails: 'x@y.org' })], naturalKeys: true }),
    );
    expect(twoRows.restores).toEqual([]);
    expect(twoRows.ambiguities).toEqual([{ reason: expect.stringContaining('has the email of rows a, b'), recordIds: ['a', 'b'], pageIds: ['p'] }]);
    const twoPages = planRelink(
      input({ rows: [row('a', null, { phones: ['+12025550147'] })], pages: [page('p1', null, { phones: '+1 202 555 0147' }), page('p2', null, { phones: '+1 (202) 555-0147' })], naturalKeys: true }),
    );
    expect(twoPages.restores).toEqual([]);
    expect(twoPages.ambiguities).toEqual([{ reason: expect.stringContaining('all have the phone of row a'), recordIds: ['a'], pageIds: ['p1', 'p2'] }]);
  });

  it('a page matching a row that another page made ambiguous is held back with it', () => {
    const plan = planRelink(
      input({
        rows: [row('a', null, { emails: ['a@y.org'] }), row('b', null, { emails: ['a@y.org', 'b@y.org'] })],
        pages: [page('p1', null, { emails: 'a@y.org' }), page('p2', null, { emails: 'b@y.org' })],
        naturalKeys: true,
      }),
    );
    expect(plan.restores).toEqual([]);
    expect([...plan.heldPageIds].sort()).toEqual(['p1', 'p2']);
    expect([...plan.heldRecordIds].sort()).toEqual(['a', 'b']);
  });
});
