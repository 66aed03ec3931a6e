/**
 * GET /api/dashboard/runs/<runId>/changes: the records a run changed (its change rows in sync_logs),
 * reached from /api/dashboard through the run's `lastRun.logId`; paged; 400 for a malformed id,
 * 404 for a run sync_logs does not hold.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { dashboardRoutes, type DashboardData, type RunChangesData } from '../../src/server/dashboard/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

describe.each(storeBackends())('a run’s changes in the dashboard API on %s', (kind) => {
  let store: Store;
  let h: TwoWayHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createTwoWayHarness(store, { clockStart: Date.now(), sample: { contacts: 0, meetings: 0, tasks: 0, reflections: 0, journals: 5 } });
  });
  afterEach(() => h.close());

  const api = () => dashboardRoutes({ store, config: h.config });
  const lastRunOf = async (name: string) => {
    const data = (await (await api().request('/api/dashboard')).json()) as DashboardData;
    return data.datasets.find((d) => d.name === name)!.lastRun!;
  };

  it('lists the records the dataset’s last run changed, linked from the run’s row', async () => {
    await runTwoWay(h.ctx, h.ds('journals'));
    const pages = h.emulator.listPages(h.ids.journalsDataSource);
    h.clock.advance(15 * 60_000);
    h.emulator.updatePage(pages[3]!.id, { Entry: { rich_text: [{ text: { content: 'edited in Notion' } }] } });
    const second = await runTwoWay(h.ctx, h.ds('journals'));
    expect(second).toMatchObject({ status: 'success', updated: 1 });

    const run = await lastRunOf('journals');
    const res = await api().request(`/api/dashboard/runs/${run.logId}/changes`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as RunChangesData;
    const { rows } = await store.query<{ id: string }>('SELECT id::text FROM journals WHERE notion_page_id = $1', [pages[3]!.id]);
    expect(body).toMatchObject({ runId: run.logId, run: { dataset: 'journals', eventType: 'journals_sync', status: 'success' }, total: 1 });
    expect(body.changes).toEqual([
      expect.objectContaining({ eventType: 'update_supabase_journal', dataset: 'journals', recordId: rows[0]!.id, notionPageId: pages[3]!.id, googleId: null, changedFields: ['content'] }),
    ]);
  });

  it('pages through a large run: limit and offset, with the total', async () => {
    await runTwoWay(h.ctx, h.ds('journals'));
    const run = await lastRunOf('journals');
    expect(run.counts.created).toBe(5);
    const page = async (q: string) => (await (await api().request(`/api/dashboard/runs/${run.logId}/changes${q}`)).json()) as RunChangesData;
    const all = await page('');
    expect(all.total).toBe(5);
    expect(all.changes.map((c) => c.eventType)).toEqual(Array(5).fill('create_supabase_journal'));
    const second = await page('?limit=2&offset=2');
    expect(second).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect(second.changes.map((c) => c.id)).toEqual(all.changes.slice(2, 4).map((c) => c.id));
    expect((await page('?offset=10')).changes).toEqual([]);
    expect((await page('?offset=10')).total).toBe(5);
  });

  it('400 for an id that is not a run id, 404 for a run sync_logs does not hold', async () => {
    expect((await api().request('/api/dashboard/runs/not-a-uuid/changes')).status).toBe(400);
    const missing = await api().request('/api/dashboard/runs/00000000-0000-4000-8000-000000000000/changes');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: string }).error).toMatch(/retention/);
  });
});
