/**
 * Bad-input corpus: the HTTP API and Notion webhooks (http.cases.ts), through createApp with a
 * RunManager over the one-way sample workspace (emulator, FakeClock, ManualTimers). After every
 * case no run was started that the case did not expect and the server still answers; the last
 * test syncs books through the same kind of app after every bad request at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { createWebhooks } from '../../src/server/webhooks/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { API_TOKEN, httpArea, WEBHOOK_TOKEN, type HttpCtx } from './http.cases.ts';

async function server(store: Store) {
  const h = await createHarness(store, { highlightsPerBook: 1, firstBookHighlights: 1, env: { SYNC_API_TOKEN: API_TOKEN, NOTION_WEBHOOK_VERIFICATION_TOKEN: WEBHOOK_TOKEN } });
  const timers = new ManualTimers(h.clock);
  const runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, timers });
  const webhooks = createWebhooks({ runs, store, config: h.config, notion: h.ctx.notion, logger: h.ctx.logger, clock: h.clock, timers });
  const app = createApp({ runs, store, config: h.config, logger: h.ctx.logger, clock: h.clock, webhooks, timers });
  const call: HttpCtx['call'] = (path, init = {}) => {
    const { token = API_TOKEN, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    return Promise.resolve(app.request(path, { ...rest, headers }));
  };
  const ctx: HttpCtx = { h, store, app, runs, webhooks, call, expectedRuns: 0, routesEvents: false };
  return {
    ctx,
    timers,
    close: async () => {
      webhooks.close();
      await runs.idle();
      await h.close();
    },
  };
}

describe.each(storeBackends())('bad HTTP requests on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());

  for (const c of httpArea.cases) {
    it(`${c.id}: ${c.input} → ${c.outcome}`, async () => {
      await resetTables(store);
      const s = await server(store);
      try {
        await c.run(s.ctx);
        // Settle windows pass; nothing was started that the case did not expect.
        await s.timers.advance(60_000);
        await s.ctx.webhooks.idle();
        expect(s.ctx.runs.list()).toHaveLength(s.ctx.expectedRuns);
        // A rejected request costs no Notion request (a routed event may look its database up, at most every 5 minutes).
        if (!s.ctx.routesEvents) expect(s.ctx.h.emulator.totalRequests(), 'no Notion request').toBe(0);
        // Still serving.
        const res = await s.ctx.call('/openapi.json', { method: 'GET' });
        expect(res.status).toBe(200);
      } finally {
        await s.close();
      }
    });
  }

  it('after every bad request above, in one app, a real sync through the API still succeeds', async () => {
    await resetTables(store);
    const s = await server(store);
    try {
      for (const c of httpArea.cases) await c.run(s.ctx);
      await s.timers.advance(60_000);
      await s.ctx.webhooks.idle();
      const res = await s.ctx.call('/sync/books', { method: 'POST' });
      expect(res.status).toBe(200);
      const summary = (await res.json()) as { status: string; datasets: Array<{ dataset: string; created: number }> };
      expect(summary.status).toBe('success');
      expect(summary.datasets[0]).toMatchObject({ dataset: 'books', created: s.ctx.h.emulator.listPages(s.ctx.h.ids.booksDataSource).length });
      expect((await store.query(`SELECT count(*)::int AS n FROM books`)).rows[0].n).toBe(s.ctx.h.emulator.listPages(s.ctx.h.ids.booksDataSource).length);
    } finally {
      await s.close();
    }
  });
});
