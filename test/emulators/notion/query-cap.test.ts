/**
 * The per-query result cap: plain pagination stops at 10,000 rows with request_status incomplete;
 * the SDK's iterateAllDataSourceRows windows on created_time and gets everything.
 */
import { iterateAllDataSourceRows } from '@notionhq/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { start, type Started } from './helpers.ts';

const ROWS = 25_000;
let t: Started;
let dataSourceId: string;
let seedMs = 0;

beforeAll(async () => {
  t = await start();
  dataSourceId = t.emulator.createDatabase({ title: 'Big', properties: { Name: { type: 'title' }, N: { type: 'number' } } }).dataSourceId;
  const base = Date.parse('2025-01-01T00:00:00.000Z');
  const t0 = performance.now();
  // 7 rows per minute: many rows share a created_time, as after a bulk import.
  for (let i = 0; i < ROWS; i++) {
    t.emulator.createPage(dataSourceId, { Name: { title: [{ text: { content: `Row ${i}` } }] }, N: { number: i } }, {
      createdTime: new Date(base + Math.floor(i / 7) * 60_000).toISOString(),
    });
  }
  seedMs = performance.now() - t0;
}, 120_000);

afterAll(async () => {
  await t.emulator.close();
});

describe(`a data source of ${ROWS} rows`, () => {
  it('seeds quickly', () => {
    expect(seedMs).toBeLessThan(20_000);
  });

  it('plain cursor pagination stops at 10,000 with request_status incomplete', async () => {
    let cursor: string | undefined;
    let count = 0;
    let last: any;
    do {
      last = await t.client.dataSources.query({ data_source_id: dataSourceId, start_cursor: cursor, filter_properties: ['title'] });
      count += last.results.length;
      if (last.has_more) expect(last.request_status).toEqual({ type: 'complete' });
      cursor = last.next_cursor ?? undefined;
    } while (cursor);
    expect(count).toBe(10_000);
    expect(last.has_more).toBe(false);
    expect(last.request_status).toEqual({ type: 'incomplete', incomplete_reason: 'query_result_limit_reached' });
  });

  it('iterateAllDataSourceRows returns every row exactly once', async () => {
    const seen = new Set<string>();
    const t0 = performance.now();
    for await (const row of iterateAllDataSourceRows(t.client, { data_source_id: dataSourceId, filter_properties: ['title'] } as any)) seen.add(row.id);
    const ms = performance.now() - t0;
    expect(seen.size).toBe(ROWS);
    // ~253 query pages over HTTP; generous bound for slow CI machines.
    expect(ms).toBeLessThan(30_000);
  });

  it('a filtered query under the cap is complete', async () => {
    const r = await t.client.dataSources.query({ data_source_id: dataSourceId, filter: { property: 'N', number: { greater_than_or_equal_to: ROWS - 5 } } });
    expect(r.results).toHaveLength(5);
    expect(r.request_status).toEqual({ type: 'complete' });
  });

  it('a query page stays cheap at this size (cached evaluation)', async () => {
    const sorts = [{ property: 'N', direction: 'descending' as const }];
    const first = await t.client.dataSources.query({ data_source_id: dataSourceId, sorts, page_size: 100 });
    const t0 = performance.now();
    let cursor = first.next_cursor!;
    for (let i = 0; i < 20; i++) {
      const r = await t.client.dataSources.query({ data_source_id: dataSourceId, sorts, page_size: 100, start_cursor: cursor });
      cursor = r.next_cursor!;
    }
    expect((performance.now() - t0) / 20).toBeLessThan(100);
  });
});
