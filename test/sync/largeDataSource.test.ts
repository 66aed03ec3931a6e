/**
 * Past Notion's 10,000-row query cap: a 25,000-page data source syncs completely, in the least
 * number of query pages the windowing allows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, dataset, type Harness } from '../helpers/harness.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

describe.each(storeBackends())('a 25,000-page data source on %s', (kind) => {
  let store: Store;
  let h: Harness;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await migrate(store);
    h = await createHarness(store, { books: 25_000, highlightsPerBook: 0, firstBookHighlights: 0 });
  });
  afterAll(async () => {
    await h?.close();
    await store?.close();
  });

  it('syncs every page, past the 10,000-row query cap', async () => {
    const r = await runOneWay(h.ctx, dataset(h, 'books'));
    expect(r).toMatchObject({ status: 'success', created: 25_000, errors: [] });
    const { rows } = await store.query('SELECT count(*)::int AS n, count(DISTINCT notion_page_id)::int AS d FROM books');
    expect(rows[0]).toEqual({ n: 25_000, d: 25_000 });
    // ⌈25,000 / 100⌉ = 250 query pages, plus at most a few for the window boundaries.
    const queries = h.emulator.requestCounts['POST /v1/data_sources/:id/query']!;
    expect(queries).toBeGreaterThanOrEqual(250);
    expect(queries).toBeLessThanOrEqual(255);
  });
});
