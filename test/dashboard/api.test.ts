/**
 * GET /api/dashboard: what it computes from sync_logs, checked against the results of real sync
 * runs (on PGlite, and on PostgreSQL when TEST_DATABASE_URL is set), plus the edges — an empty
 * database, the 24-hour window's boundaries, rows written by other tools — and the page's headers.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { dashboardRoutes, loadDashboard, type DashboardData } from '../../src/server/dashboard/index.ts';
import { writeSyncLogs } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { syncedScenario, written, type DashboardScenario } from './scenario.ts';

const HOUR = 3_600_000;

describe.each(storeBackends())('dashboard data on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());

  describe('after real sync runs', () => {
    let sc: DashboardScenario;
    let data: DashboardData;
    const ran = () => [...sc.first, ...sc.second].filter((r) => r.status !== 'skipped');
    beforeAll(async () => {
      await resetTables(store);
      sc = await syncedScenario(store);
      const registry = {
        running: () => [
          { id: 'run-42', target: 'journals', status: 'running', startedAt: '2026-03-02T09:30:00.000Z', progress: { dataset: 'journals', phase: 'read', done: 120, total: 400 } },
        ],
      };
      const res = await dashboardRoutes({ store, config: sc.config, runs: registry }).request('/api/dashboard');
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      data = (await res.json()) as DashboardData;
    });
    afterAll(() => sc.close());

    it('the scenario did what it says: a record error in books, a conflict in meetings', () => {
      expect(sc.latest('books')).toMatchObject({ status: 'error', errors: [expect.objectContaining({ key: sc.brokenBook })] });
      expect(sc.latest('meetings').conflicts).toEqual([expect.objectContaining({ field: 'summary', winner: 'postgres' })]);
      expect(sc.first.find((r) => r.dataset === 'contacts')!.created).toBeGreaterThan(0);
      const second = (name: string) => sc.second.find((r) => r.dataset === name)!;
      expect(second('books')).toMatchObject({ updated: 1 });
      expect(second('highlights')).toMatchObject({ created: 1 });
      expect(second('tasks')).toMatchObject({ updated: 1 });
      expect(second('journals')).toMatchObject({ created: 1 });
    });

    it('lists every dataset in the spec’s order, the contacts Google leg after contacts', () => {
      expect(data.datasets.map((d) => d.name)).toEqual(['contacts', 'contacts_google', 'meetings', 'tasks', 'reflections', 'journals', 'calendar', 'gmail', 'books', 'highlights']);
      expect(data.empty).toBe(false);
    });

    it('shows each dataset’s last run with the counts that run reported', () => {
      for (const name of ['contacts', 'meetings', 'tasks', 'reflections', 'journals', 'books', 'highlights']) {
        const r = sc.latest(name);
        const d = data.datasets.find((x) => x.name === name)!;
        expect(d.configured, name).toBe(true);
        expect(d.runnable, name).toBe(true);
        expect(d.lastRun, name).toMatchObject({
          status: r.status,
          mode: r.mode,
          durationMs: r.durationMs,
          counts: { created: r.created, updated: r.updated, deleted: r.deleted, restored: r.restored, unchanged: r.unchanged, skipped: r.skipped },
          errors: r.errors.length,
          conflicts: (r.conflicts ?? []).length,
          notionRequests: r.notionRequests,
          message: r.message,
        });
        expect(new Date(d.lastRun!.at).getTime()).toBeGreaterThan(Date.now() - 5 * 60_000);
      }
      const meetings = data.datasets.find((x) => x.name === 'meetings')!;
      expect(meetings.direction).toBe('Notion ⇄ Postgres');
      expect(meetings.lastRun!.writes).toEqual({ notion: expect.any(Object), postgres: expect.any(Object) });
      expect(data.datasets.find((x) => x.name === 'books')!.direction).toBe('Notion → Postgres');
    });

    it('marks the Google datasets as not configured and says what to set', () => {
      for (const name of ['calendar', 'gmail', 'contacts_google']) {
        const d = data.datasets.find((x) => x.name === name)!;
        expect(d).toMatchObject({ configured: false, runnable: false, lastRun: null });
        expect(d.hint).toMatch(/GOOGLE_CLIENT_ID/);
      }
    });

    it('sums the last 24 hours per dataset and in total', () => {
      for (const name of ['meetings', 'books']) {
        const runs = ran().filter((r) => r.dataset === name);
        expect(data.datasets.find((x) => x.name === name)!.last24h).toEqual({
          runs: runs.length,
          failedRuns: runs.filter((r) => r.status !== 'success').length,
          records: runs.reduce((a, r) => a + written(r), 0),
          errors: runs.reduce((a, r) => a + r.errors.length, 0),
          conflicts: runs.reduce((a, r) => a + (r.conflicts ?? []).length, 0),
        });
      }
      const all = ran();
      expect(data.totals24h).toMatchObject({
        runs: all.length,
        failedRuns: all.filter((r) => r.status !== 'success').length,
        records: all.reduce((a, r) => a + written(r), 0),
        errors: all.reduce((a, r) => a + r.errors.length, 0),
        conflicts: 1,
      });
      expect(data.totals24h.successRate).toBeCloseTo((all.length - 2) / all.length, 6);
    });

    it('buckets the runs by hour: 24 buckets ending with the current hour', () => {
      expect(data.hours).toHaveLength(24);
      const starts = data.hours.map((b) => new Date(b.start).getTime());
      for (let i = 1; i < 24; i++) expect(starts[i]! - starts[i - 1]!).toBe(HOUR);
      expect(starts[23]).toBe(Math.floor(new Date(data.generatedAt).getTime() / HOUR) * HOUR);
      const all = ran();
      expect(data.hours.reduce((a, b) => a + b.runs, 0)).toBe(all.length);
      expect(data.hours.reduce((a, b) => a + b.records, 0)).toBe(all.reduce((a, r) => a + written(r), 0));
      // The runs just happened: they are in the last bucket (or the one before, across an hour boundary).
      expect(data.hours.slice(0, 22).every((b) => b.runs === 0)).toBe(true);
    });

    it('lists the newest error rows with their messages, and the conflicts with field and winner', () => {
      // Two books runs, each with its run row and its record row; the full_sync_complete rows that
      // only count them are left out.
      expect(data.recentErrors.map((e) => e.eventType).sort()).toEqual(['books_record', 'books_record', 'books_sync', 'books_sync']);
      const record = data.recentErrors.find((e) => e.eventType === 'books_record')!;
      expect(record).toMatchObject({ dataset: 'books', record: sc.brokenBook });
      expect(record.message).toMatch(/"Rating" is of type rich_text, expected number/);
      expect(data.recentErrors.find((e) => e.eventType === 'books_sync')).toMatchObject({ dataset: 'books' });
      const times = data.recentErrors.map((e) => e.at);
      expect([...times].sort().reverse()).toEqual(times);

      expect(data.recentConflicts).toEqual([
        expect.objectContaining({ eventType: 'meetings_conflict', dataset: 'meetings', field: 'summary', winner: 'postgres', reason: 'newer', record: sc.conflictedMeeting }),
      ]);
    });

    it('reports the runs in progress from the run registry, on their dataset', () => {
      expect(data.running).toEqual([
        { id: 'run-42', target: 'journals', status: 'running', startedAt: '2026-03-02T09:30:00.000Z', progress: { dataset: 'journals', phase: 'read', done: 120, total: 400 } },
      ]);
      expect(data.datasets.find((x) => x.name === 'journals')!.running).toMatchObject({ id: 'run-42' });
      expect(data.datasets.find((x) => x.name === 'books')!.running).toBeNull();
    });
  });

  describe('edges', () => {
    const config = loadConfig({ env: { NOTION_TOKEN: 'secret_x', NOTION_BOOKS_DATABASE_ID: 'a'.repeat(32) }, cwd: '/nonexistent-jarvis-test-cwd' });

    it('an empty database: no runs, 24 empty buckets, no errors — and no failure', async () => {
      await resetTables(store);
      const data = await loadDashboard({ store, config });
      expect(data.empty).toBe(true);
      expect(data.datasets.every((d) => d.lastRun === null && d.running === null)).toBe(true);
      expect(data.datasets.find((d) => d.name === 'books')).toMatchObject({ configured: true, runnable: true });
      expect(data.datasets.find((d) => d.name === 'meetings')).toMatchObject({ configured: false, hint: 'set NOTION_MEETINGS_DATABASE_ID' });
      expect(data.hours).toHaveLength(24);
      expect(data.hours.every((b) => b.runs === 0 && b.records === 0)).toBe(true);
      expect(data.totals24h).toEqual({ runs: 0, failedRuns: 0, records: 0, errors: 0, conflicts: 0, successRate: null });
      expect(data.recentErrors).toEqual([]);
      expect(data.recentConflicts).toEqual([]);
      expect(data.running).toEqual([]);
    });

    it('the window is the current hour and the 23 before it, by created_at', async () => {
      await resetTables(store);
      const now = Date.parse('2026-03-02T12:30:00Z');
      const row = (at: string, created: number, status: 'success' | 'error' = 'success') => ({
        eventType: 'books_sync',
        status,
        message: 'books: incremental',
        details: { status, mode: 'incremental', created, updated: 1, deleted: 0, restored: 0, unchanged: 5, errors: status === 'error' ? 1 : 0, conflicts: 0, durationMs: 1200 },
        createdAt: new Date(at),
      });
      await writeSyncLogs(store, [
        row('2026-03-01T12:59:59Z', 100), // before the window
        row('2026-03-01T13:00:00Z', 1), // first bucket
        row('2026-03-02T11:59:00Z', 2, 'error'),
        row('2026-03-02T12:10:00Z', 3),
        row('2026-03-02T12:20:00Z', 4),
      ]);
      const data = await loadDashboard({ store, config, now: () => now });
      expect(data.window).toEqual({ from: '2026-03-01T13:00:00.000Z', to: '2026-03-02T13:00:00.000Z', hours: 24 });
      const byStart = Object.fromEntries(data.hours.filter((b) => b.runs).map((b) => [b.start, b]));
      expect(byStart).toEqual({
        '2026-03-01T13:00:00.000Z': { start: '2026-03-01T13:00:00.000Z', runs: 1, failedRuns: 0, records: 2 },
        '2026-03-02T11:00:00.000Z': { start: '2026-03-02T11:00:00.000Z', runs: 1, failedRuns: 1, records: 3 },
        '2026-03-02T12:00:00.000Z': { start: '2026-03-02T12:00:00.000Z', runs: 2, failedRuns: 0, records: 9 },
      });
      const books = data.datasets.find((d) => d.name === 'books')!;
      expect(books.last24h).toEqual({ runs: 4, failedRuns: 1, records: 14, errors: 1, conflicts: 0 });
      expect(books.lastRun).toMatchObject({ at: '2026-03-02T12:20:00.000Z', status: 'success', counts: { created: 4, updated: 1 }, durationMs: 1200 });
      expect(data.totals24h.successRate).toBe(0.75);
    });

    it('rows from other tools (no counts, odd details) read as unknown, never as an SQL error', async () => {
      await resetTables(store);
      const t0 = new Date(Date.now() - 60_000);
      await writeSyncLogs(store, [
        { eventType: 'books_sync', status: 'success', message: 'Synced 12 books', details: { created: 'twelve', note: [1, 2] }, createdAt: t0, startTime: new Date(t0.getTime() - 90_000), endTime: t0 },
        { eventType: 'books_sync', status: 'error', message: 'Python service: timeout', details: ['not', 'an', 'object'], createdAt: new Date(t0.getTime() - 1000) },
        { eventType: 'create_supabase_contact', status: 'error', message: 'duplicate key', createdAt: new Date(t0.getTime() - 2000) },
      ]);
      const data = await loadDashboard({ store, config });
      const books = data.datasets.find((d) => d.name === 'books')!;
      expect(books.lastRun).toMatchObject({ status: 'success', mode: null, durationMs: 90_000, counts: { created: null, unchanged: null }, errors: null, message: 'Synced 12 books' });
      expect(books.last24h).toEqual({ runs: 2, failedRuns: 1, records: 0, errors: 0, conflicts: 0 });
      expect(data.recentErrors.map((e) => [e.eventType, e.dataset, e.message])).toEqual([
        ['books_sync', 'books', 'Python service: timeout'],
        ['create_supabase_contact', null, 'duplicate key'],
      ]);
    });
  });
});

describe('the dashboard page', () => {
  const app = dashboardRoutes({ store: undefined as never, config: loadConfig({ env: {}, cwd: '/nonexistent-jarvis-test-cwd' }) });

  it('is one self-contained HTML document: no external scripts, styles or fonts', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).not.toContain('__SCRIPT__');
    expect(html).not.toContain('__STYLE__');
  });

  it('sends a Content-Security-Policy that allows exactly its own inline script and style', async () => {
    const res = await app.request('/');
    const html = await res.text();
    const csp = res.headers.get('content-security-policy')!;
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
    const script = html.match(/<script>([\s\S]*)<\/script>/)![1]!;
    const style = html.match(/<style>([\s\S]*?)<\/style>/)![1]!;
    expect(csp).toContain(`script-src ${hash(script)}`);
    expect(csp).toContain(`style-src ${hash(style)}`);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
