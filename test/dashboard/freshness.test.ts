/**
 * The dashboard's "Changes arrive" (issue 15, point 5): per dataset, how its changes reach the
 * service — per side they are made on — and the lag of the last one measured, from the service's
 * freshness registry; in GET /api/dashboard and in the page's table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { Freshness } from '../../src/scheduler/freshness.ts';
import { dashboardPage, dashboardRoutes, loadDashboard, type DashboardData } from '../../src/server/dashboard/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const config = loadConfig({
  env: { NOTION_TOKEN: 'secret_x', NOTION_MEETINGS_DATABASE_ID: 'db-meetings', NOTION_BOOKS_DATABASE_ID: 'db-books', GOOGLE_CLIENT_ID: 'c', GOOGLE_CLIENT_SECRET: 's', GOOGLE_REFRESH_TOKEN: 'r' },
  cwd: '/nonexistent-jarvis-test-cwd',
});

function registry(): Freshness {
  const f = new Freshness();
  f.set('books', 'notion', 'polling', 30);
  f.set('meetings', 'notion', 'webhook', 300);
  f.set('meetings', 'postgres', 'listen', 60);
  f.set('contacts', 'notion', 'polling', 30);
  f.set('contacts', 'google', 'polling', 30);
  f.set('contacts', 'postgres', 'polling', 5);
  f.set('calendar', 'google', 'polling', 30);
  f.set('gmail', 'google', 'schedule', null);
  f.polled('books', 'notion', Date.parse('2026-03-02T09:59:30Z'));
  f.recordLag('books', 'notion', Date.parse('2026-03-02T09:59:00Z'), Date.parse('2026-03-02T09:59:21Z'));
  f.recordLag('meetings', 'postgres', Date.parse('2026-03-02T09:58:00Z'), Date.parse('2026-03-02T09:58:02.500Z'));
  f.recordLag('contacts', 'google', Date.parse('2026-03-02T09:50:00Z'), Date.parse('2026-03-02T09:50:40Z'));
  return f;
}

describe.each(storeBackends())('dashboard: how changes arrive, on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await resetTables(store);
  });
  afterAll(() => store.close());
  const now = () => Date.parse('2026-03-02T10:00:00Z');
  const of = (d: DashboardData, name: string) => d.datasets.find((x) => x.name === name)!.arrivals;

  it('each dataset lists its sides with the arrival mode, the poll interval and the last lag; contacts’ Google side on its Google row', async () => {
    const d = await loadDashboard({ store, config, now, freshness: registry() });
    expect(of(d, 'books')).toEqual([
      { source: 'notion', arrival: 'polling', pollIntervalSeconds: 30, lastPollAt: '2026-03-02T09:59:30.000Z', lastLagMs: 21_000, lastLagAt: '2026-03-02T09:59:21.000Z', lagCount: 1 },
    ]);
    expect(of(d, 'meetings')).toEqual([
      { source: 'notion', arrival: 'webhook', pollIntervalSeconds: 300, lastPollAt: null, lastLagMs: null, lastLagAt: null, lagCount: 0 },
      { source: 'postgres', arrival: 'listen', pollIntervalSeconds: 60, lastPollAt: null, lastLagMs: 2_500, lastLagAt: '2026-03-02T09:58:02.500Z', lagCount: 1 },
    ]);
    expect(of(d, 'contacts').map((a) => [a.source, a.arrival])).toEqual([
      ['notion', 'polling'],
      ['postgres', 'polling'],
    ]);
    expect(of(d, 'contacts_google')).toEqual([expect.objectContaining({ source: 'google', arrival: 'polling', lastLagMs: 40_000, lagCount: 1 })]);
    expect(of(d, 'calendar').map((a) => a.arrival)).toEqual(['polling']);
    expect(of(d, 'gmail')).toEqual([expect.objectContaining({ source: 'google', arrival: 'schedule', pollIntervalSeconds: null })]);
    // Nothing watches these.
    expect(of(d, 'tasks')).toEqual([]);
    expect(of(d, 'highlights')).toEqual([]);
  });

  it('GET /api/dashboard carries them; without a running service (no registry) every list is empty', async () => {
    const res = await dashboardRoutes({ store, config, now, freshness: registry() }).request('/api/dashboard');
    const d = (await res.json()) as DashboardData;
    expect(of(d, 'meetings').map((a) => `${a.source}:${a.arrival}:${a.lastLagMs}`)).toEqual(['notion:webhook:null', 'postgres:listen:2500']);
    const bare = await loadDashboard({ store, config, now });
    expect(bare.datasets.every((x) => Array.isArray(x.arrivals) && x.arrivals.length === 0)).toBe(true);
  });
});

describe('dashboard page', () => {
  it('shows each dataset’s arrivals (mode and lag) under its name (test/dashboard/browser.test.ts renders them)', () => {
    const html = dashboardPage();
    expect(html).toMatch(/<th scope="col" class="col-name" title="Under each name: [^"]*how changes arrive[^"]*">Dataset<\/th>/);
    expect(html).toContain('...arrivalLines(ds)');
    expect(html).toMatch(/'data-arrival': a\.arrival/);
    expect(html).toMatch(/lag \$\{fmtDuration\(a\.lastLagMs\)\}/);
  });
});
