/**
 * End to end through the real HTTP stack (@hono/node-server on port 0): the Notion emulator's
 * webhooks are pointed at the running service, a user edits a page in Notion, and the edit reaches
 * Postgres — in under 10 seconds of (fake) time, at the cost of one request for that page.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAll } from '../../src/engine/runAll.ts';
import { startHttpServer, type HttpServer } from '../../src/server/http.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createGoogleEmulator } from '../../emulators/google/index.ts';
import { API_TOKEN, createServerHarness, GOOGLE_CHANNEL_TOKEN, NOTION_WEBHOOK_TOKEN, type ServerHarness } from './helpers.ts';

describe.each(storeBackends())('the service over HTTP on %s', (kind) => {
  let store: Store;
  let h: ServerHarness;
  let server: HttpServer;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createServerHarness(store);
    server = await startHttpServer(h.app, { host: '127.0.0.1', port: 0 });
  });
  afterEach(async () => {
    h.emulator.setWebhook(null);
    await server.close();
    await h.close();
  });

  const row = async (table: string, pageId: string) => (await store.query(`SELECT * FROM ${table} WHERE notion_page_id = $1`, [pageId])).rows[0];

  it('answers over real HTTP: health without a token, 401 without or with a wrong token, a sync with it', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(Object.keys((await health.json()) as object).sort()).toEqual(['stats', 'status', 'sync_status']);
    expect((await fetch(`${server.url}/sync/journals`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${server.url}/sync/journals`, { method: 'POST', headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const ok = await fetch(`${server.url}/sync/journals`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as any).datasets[0]).toMatchObject({ dataset: 'journals', status: 'success', created: 8 });
    const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(await metrics.text()).toContain('jarvis_sync_runs_total{dataset="journals",status="success"} 1');
    const badSignature = await fetch(`${server.url}/webhooks/notion`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-notion-signature': `sha256=${'0'.repeat(64)}` },
      body: JSON.stringify({ id: 'x', type: 'page.created', entity: { id: 'p', type: 'page' } }),
    });
    expect(badSignature.status).toBe(401);
  });

  it('an edit made in Notion reaches Postgres within the settle window, syncing only that page', async () => {
    await runAll(h.ctx, {});
    h.emulator.setWebhook({ url: `${server.url}/webhooks/notion`, verificationToken: NOTION_WEBHOOK_TOKEN });
    const page = h.emulator.listPages(h.ids.meetingsDataSource)[5]!;
    h.clock.advance(10 * 60_000);
    h.emulator.resetCounts();

    const editedAt = h.clock.now();
    h.emulator.updatePage(page.id, { Title: { title: [{ text: { content: 'Renamed in Notion 🚀' } }] } });
    // Notion sends it within a few seconds, not inside the edit.
    await h.timers.advance(2_000);
    await h.emulator.flushWebhooks();
    expect(h.emulator.webhookDeliveries.at(-1)).toMatchObject({ type: 'page.properties_updated', entityId: page.id, status: 200, attempts: 1 });
    await h.webhooks.notion.routed();
    expect((await row('meetings', page.id)).title).not.toBe('Renamed in Notion 🚀');

    await h.timers.advance(h.config.webhooks.settleSeconds * 1000);
    await h.webhooks.idle();
    expect((await row('meetings', page.id)).title).toBe('Renamed in Notion 🚀');
    expect(h.clock.now() - editedAt).toBeLessThan(10_000);
    expect(h.emulator.requestCounts).toEqual({ 'GET /v1/pages/:id': 1 });
    const [run] = h.runs.list();
    expect(run).toMatchObject({ target: 'meetings', trigger: 'webhook', status: 'success', options: { pageIds: [page.id] } });
    // The run is visible over HTTP too.
    const r = await fetch(`${server.url}/runs/${run!.id}`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(((await r.json()) as any).summary.datasets[0]).toMatchObject({ dataset: 'meetings', updated: 1 });
  });

  it('the echoes of its own Notion writes cost no sync', async () => {
    await runAll(h.ctx, {});
    h.emulator.setWebhook({ url: `${server.url}/webhooks/notion`, verificationToken: NOTION_WEBHOOK_TOKEN });
    const page = h.emulator.listPages(h.ids.meetingsDataSource)[1]!;
    h.clock.advance(10 * 60_000);
    await store.query(`UPDATE meetings SET summary = 'Edited by an app in Postgres' WHERE notion_page_id = $1`, [page.id]);
    const res = await fetch(`${server.url}/sync/meetings`, { method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}` } });
    expect(((await res.json()) as any).datasets[0].writes.notion.updated).toBe(1);
    h.emulator.resetCounts();
    await h.timers.advance(2_000);
    await h.emulator.flushWebhooks();
    expect(h.emulator.webhookDeliveries.at(-1)).toMatchObject({ type: 'page.properties_updated', entityId: page.id, status: 200 });
    await h.webhooks.notion.routed();
    await h.timers.advance(60_000);
    await h.webhooks.idle();
    expect(h.runs.list()).toHaveLength(1);
    // At most one question to Notion (who are we? — remembered once known), instead of a sync per echo.
    const { 'GET /v1/users/me': whoami = 0, ...others } = h.emulator.requestCounts;
    expect(others).toEqual({});
    expect(whoami).toBeLessThanOrEqual(1);
  });

  it('a change in the Google emulator’s calendar is pushed to the service, which starts a calendar run', async () => {
    const google = createGoogleEmulator({ clock: h.clock });
    try {
      google.setCalendarWatch({ url: `${server.url}/webhooks/google/calendar`, token: GOOGLE_CHANNEL_TOKEN });
      google.calendar.upsertEvent('primary', { summary: 'Pushed', start: { dateTime: '2026-03-05T10:00:00Z' }, end: { dateTime: '2026-03-05T11:00:00Z' } });
      await google.flushCalendarPushes();
      expect(google.calendarPushes).toEqual([
        { state: 'sync', status: 200 },
        { state: 'exists', status: 200 },
      ]);
      await h.timers.advance(h.config.webhooks.settleSeconds * 1000);
      await h.webhooks.idle();
      expect(h.runs.list()).toEqual([expect.objectContaining({ target: 'calendar', trigger: 'webhook' })]);
      // A push with the wrong channel token is refused.
      google.setCalendarWatch({ url: `${server.url}/webhooks/google/calendar`, token: 'not-the-token' });
      await google.flushCalendarPushes();
      expect(google.calendarPushes.at(-1)).toEqual({ state: 'sync', status: 401 });
    } finally {
      google.setCalendarWatch(null);
    }
  });
});
