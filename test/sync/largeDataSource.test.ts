/**
 * Past Notion's query cap: a data source larger than what one query may return syncs completely,
 * in the least number of query pages the windowing allows. The connector does not know the cap (it
 * opens the next window when a query reports itself incomplete), so the emulator's cap is lowered
 * from Notion's 10,000 rows (test/emulators/notion/query-cap.test.ts) to 1,000: the same two window
 * boundaries as 25,000 pages against the real cap, at a tenth of the rows.
 */
const CAP = 1_000;
const PAGES = 2_500;
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, dataset, type Harness } from '../helpers/harness.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

describe.each(storeBackends())(`a ${PAGES}-page data source, ${CAP} rows per query, on %s`, (kind) => {
  let store: Store;
  let h: Harness;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await migrate(store);
    h = await createHarness(store, { books: PAGES, highlightsPerBook: 0, firstBookHighlights: 0, queryResultCap: CAP });
  });
  afterAll(async () => {
    await h?.close();
    await store?.close();
  });

  it('syncs every page, past the query cap', async () => {
    const r = await runOneWay(h.ctx, dataset(h, 'books'));
    expect(r).toMatchObject({ status: 'success', created: PAGES, errors: [] });
    const { rows } = await store.query('SELECT count(*)::int AS n, count(DISTINCT notion_page_id)::int AS d FROM books');
    expect(rows[0]).toEqual({ n: PAGES, d: PAGES });
    // ⌈2,500 / 100⌉ = 25 query pages, plus at most a few for the two window boundaries.
    const queries = h.emulator.requestCounts['POST /v1/data_sources/:id/query']!;
    expect(queries).toBeGreaterThanOrEqual(25);
    expect(queries).toBeLessThanOrEqual(28);
  });
});
