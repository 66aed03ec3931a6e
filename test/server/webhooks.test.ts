/**
 * Webhook receivers through `app.request()`: Notion's handshake and signed events → debounced,
 * targeted syncs; Google Calendar push → an incremental calendar run. Time is a FakeClock driven
 * through ManualTimers: nothing sleeps.
 */
import { signWebhookPayload } from '@notionhq/client';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAll } from '../../src/engine/runAll.ts';
import { MAX_TARGETED_PAGES } from '../../src/server/webhooks/index.ts';
import { readState, stateKeys } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createServerHarness, gateLocks, GOOGLE_CHANNEL_TOKEN, NOTION_WEBHOOK_TOKEN, type ServerHarness } from './helpers.ts';

describe.each(storeBackends())('webhooks on %s', (kind) => {
  let store: Store;
  let h: ServerHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createServerHarness(store);
  });
  afterEach(() => h.close());

  const meetingPages = () => h.emulator.listPages(h.ids.meetingsDataSource);
  const row = async (table: string, pageId: string) => (await store.query(`SELECT * FROM ${table} WHERE notion_page_id = $1`, [pageId])).rows[0];

  function pageEvent(type: string, pageId: string, parent: Record<string, unknown> = { id: h.ids.meetingsDatabase, type: 'database', data_source_id: h.ids.meetingsDataSource }, extra: Record<string, unknown> = {}) {
    return {
      id: randomUUID(),
      timestamp: new Date(h.clock.now()).toISOString(),
      workspace_id: randomUUID(),
      workspace_name: 'Test',
      subscription_id: randomUUID(),
      integration_id: randomUUID(),
      authors: [{ id: h.emulator.personId, type: 'person' }],
      attempt_number: 1,
      api_version: '2025-09-03',
      type,
      entity: { id: pageId, type: 'page' },
      data: { parent, ...(type === 'page.properties_updated' ? { updated_properties: ['title'] } : {}) },
      ...extra,
    };
  }

  async function deliver(event: unknown, opts: { token?: string; signature?: string | null; raw?: string } = {}) {
    const body = opts.raw ?? JSON.stringify(event);
    const signature = opts.signature === undefined ? await signWebhookPayload({ body, verificationToken: opts.token ?? NOTION_WEBHOOK_TOKEN }) : opts.signature;
    const r = await h.call('/webhooks/notion', { method: 'POST', token: null, body, headers: { 'content-type': 'application/json', ...(signature ? { 'x-notion-signature': signature } : {}) } });
    await h.webhooks.notion.routed();
    return { status: r.status, body: (await r.json()) as any };
  }

  describe('Notion', () => {
    it('the handshake stores the verification token, shows it to the operator, and then signs events', async () => {
      await h.close();
      const shown: string[] = [];
      h = await createServerHarness(store, { verificationToken: null, onVerificationToken: (t) => shown.push(t) });
      const page = meetingPages()[0]!;
      // Before any handshake there is no token to check a signature with.
      expect(await deliver(pageEvent('page.created', page.id), { token: 'anything' })).toEqual({ status: 401, body: { error: 'no verification token yet: complete the webhook verification first' } });

      const token = 'secret_handshake_0123456789abcdefghij';
      const r = await h.call('/webhooks/notion', { method: 'POST', token: null, body: JSON.stringify({ verification_token: token }) });
      expect(r.status).toBe(200);
      expect(await readState(store, stateKeys.notionWebhookVerificationToken)).toBe(token);
      expect(shown).toEqual([token]);

      expect((await deliver(pageEvent('page.created', page.id), { token })).status).toBe(200);
      expect((await deliver(pageEvent('page.created', page.id), { token: 'secret_someone_else' })).status).toBe(401);
      // A restart reads the stored token.
      await h.close();
      h = await createServerHarness(store, { verificationToken: null });
      expect((await deliver(pageEvent('page.created', page.id), { token })).status).toBe(200);
    });

    it.each([
      ['no signature', { signature: null }],
      ['a signature made with another token', { token: 'secret_not_the_right_token' }],
      ['a malformed signature', { signature: 'sha256=xyz' }],
      ['a signature without the sha256= prefix', { signature: 'a'.repeat(64) }],
    ])('rejects an event with %s (401) and schedules nothing', async (_, opts) => {
      const r = await deliver(pageEvent('page.properties_updated', meetingPages()[0]!.id), opts);
      expect(r).toEqual({ status: 401, body: { error: 'invalid X-Notion-Signature' } });
      expect(h.timers.count).toBe(0);
      expect(h.webhooks.dispatcher.pendingCount).toBe(0);
    });

    it('rejects a body changed after signing (the signature covers the raw bytes)', async () => {
      const event = pageEvent('page.properties_updated', meetingPages()[0]!.id);
      const raw = JSON.stringify(event);
      const signature = await signWebhookPayload({ body: raw, verificationToken: NOTION_WEBHOOK_TOKEN });
      // Same JSON value, different bytes.
      expect((await deliver(event, { raw: JSON.stringify(event, null, 1), signature })).status).toBe(401);
      expect((await deliver(event, { raw: raw.replace(meetingPages()[0]!.id, meetingPages()[1]!.id), signature })).status).toBe(401);
      expect((await deliver(event, { raw, signature })).status).toBe(200);
    });

    it('a good event syncs just that page, once the settle window has passed', async () => {
      await runAll(h.ctx, {});
      const page = meetingPages()[3]!;
      h.clock.advance(60_000);
      h.emulator.updatePage(page.id, { Summary: { rich_text: [{ text: { content: 'Edited in Notion' } }] } });
      h.emulator.updatePage(meetingPages()[4]!.id, { Summary: { rich_text: [{ text: { content: 'Not this one' } }] } });
      h.emulator.resetCounts();
      expect(await deliver(pageEvent('page.properties_updated', page.id))).toEqual({ status: 200, body: { ok: true } });

      // 1 s by default: Notion combines a page's later edits itself, and a webhook edit must land within 5 s.
      expect(h.config.webhooks.settleSeconds).toBe(1);
      await h.timers.advance(999);
      expect(h.runs.list()).toEqual([]);
      await h.timers.advance(1);
      const [run] = h.runs.list();
      expect(run).toMatchObject({ target: 'meetings', trigger: 'webhook', options: { pageIds: [page.id] } });
      await h.webhooks.idle();
      expect(h.runs.get(run!.id)).toMatchObject({ status: 'success', results: [expect.objectContaining({ dataset: 'meetings', updated: 1 })] });
      expect(h.emulator.requestCounts).toEqual({ 'GET /v1/pages/:id': 1 });
      expect((await row('meetings', page.id)).summary).toBe('Edited in Notion');
      expect((await row('meetings', meetingPages()[4]!.id)).summary).not.toBe('Not this one');
    });

    it('debounces per page: a page edited again waits for quiet; pages settling together share one run', async () => {
      await runAll(h.ctx, {});
      const [a, b, c, d] = meetingPages();
      await deliver(pageEvent('page.properties_updated', a!.id));
      await h.timers.advance(200);
      await deliver(pageEvent('page.properties_updated', b!.id));
      await h.timers.advance(400);
      await deliver(pageEvent('page.content_updated', a!.id)); // a again at t=0.6 s: its window restarts
      await h.timers.advance(600); // t=1.2 s: b (t=0.2 s + 1 s) has settled, a has not
      expect(h.runs.list().map((r) => r.options.pageIds)).toEqual([[b!.id]]);
      await h.webhooks.idle();
      await h.timers.advance(400); // t=1.6 s: a settles
      await h.webhooks.idle();
      await deliver(pageEvent('page.created', c!.id));
      await deliver(pageEvent('page.undeleted', d!.id));
      await h.timers.advance(1_000);
      await h.webhooks.idle();
      expect(h.runs.list().reverse().map((r) => r.options.pageIds)).toEqual([[b!.id], [a!.id], [c!.id, d!.id]]);
    });

    it("a run's trigger says who announced its changes: 'poll' when only polls did, 'webhook' when a webhook announced any", async () => {
      await runAll(h.ctx, {});
      const [a, b, c, d] = meetingPages();
      const { dispatcher } = h.webhooks;
      dispatcher.touchPage('meetings', a!.id, 'poll');
      dispatcher.touchPage('meetings', b!.id, 'poll');
      await h.timers.advance(1_000);
      await h.webhooks.idle();
      // A page a webhook announced, then a poll found again: still the webhook's.
      await deliver(pageEvent('page.properties_updated', c!.id));
      dispatcher.touchPage('meetings', c!.id, 'poll');
      dispatcher.touchPage('meetings', d!.id, 'poll');
      await h.timers.advance(1_000);
      await h.webhooks.idle();
      dispatcher.touchDataset('books', 'poll');
      await h.timers.advance(1_000);
      await h.webhooks.idle();
      expect(h.runs.list().reverse().map((r) => [r.target, r.trigger, r.options.pageIds ?? null])).toEqual([
        ['meetings', 'poll', [a!.id, b!.id]],
        ['meetings', 'webhook', [c!.id, d!.id]],
        ['books', 'poll', null],
      ]);
    });

    it('maps events by data source id too, discovering the data source when no sync has run yet', async () => {
      const page = meetingPages()[0]!;
      h.emulator.resetCounts();
      const r = await deliver(pageEvent('page.properties_updated', page.id, { id: h.ids.meetingsDataSource, type: 'data_source' }));
      expect(r.status).toBe(200);
      expect(h.webhooks.dispatcher.pendingCount).toBe(1);
      // Discovery asked Notion once per configured dataset, and remembered the answers.
      expect(h.emulator.requestCounts['GET /v1/databases/:id']).toBe(5);
      expect(JSON.parse((await readState(store, 'notion_data_source_meetings'))!)).toMatchObject({ configuredId: h.ids.meetingsDatabase, dataSourceId: h.ids.meetingsDataSource, title: 'Meetings' });
    });

    it('ignores events for pages outside the synced databases, non-page events, duplicates and echoes of its own writes', async () => {
      await runAll(h.ctx, {});
      const page = meetingPages()[0]!;
      expect((await deliver(pageEvent('page.created', page.id, { id: randomUUID(), type: 'database' }))).status).toBe(200);
      expect((await deliver({ ...pageEvent('comment.created', page.id), entity: { id: randomUUID(), type: 'comment' } })).status).toBe(200);
      expect((await deliver(pageEvent('page.locked', page.id))).status).toBe(200);
      h.emulator.resetCounts();
      const echo = pageEvent('page.properties_updated', page.id, undefined, { authors: [{ id: h.emulator.botId, type: 'bot' }] });
      expect((await deliver(echo)).status).toBe(200);
      expect(h.emulator.requestCounts).toEqual({ 'GET /v1/users/me': 1 });
      expect(h.webhooks.dispatcher.pendingCount).toBe(0);

      const event = pageEvent('page.properties_updated', page.id);
      expect(await deliver(event)).toEqual({ status: 200, body: { ok: true } });
      expect(await deliver(event)).toEqual({ status: 200, body: { ok: true, duplicate: true } });
      expect(h.webhooks.dispatcher.pendingCount).toBe(1);
      // Another integration's edit (a bot that is not us) is synced.
      await deliver(pageEvent('page.properties_updated', meetingPages()[1]!.id, undefined, { authors: [{ id: randomUUID(), type: 'bot' }] }));
      expect(h.webhooks.dispatcher.pendingCount).toBe(2);
      expect(h.emulator.requestCounts).toEqual({ 'GET /v1/users/me': 1 });
    });

    it('a malformed body is 400; a verification body without a token is not a handshake', async () => {
      expect((await h.call('/webhooks/notion', { method: 'POST', token: null, body: '{"nope' })).status).toBe(400);
      expect((await deliver({ hello: 'world' })).status).toBe(400);
      expect((await deliver({ verification_token: '' })).status).toBe(400);
    });

    it('pages that settle while their dataset is running go in the next run, not lost', async () => {
      await h.close();
      const gate = gateLocks(store);
      h = await createServerHarness(store, { runStore: gate.store });
      const scheduled = h.runs.start('all', {}, 'schedule');
      expect('run' in scheduled).toBe(true);
      const page = meetingPages()[2]!;
      await deliver(pageEvent('page.properties_updated', page.id));
      await h.timers.advance(5_000);
      expect(h.runs.list()).toHaveLength(1);
      gate.release();
      await h.webhooks.idle();
      const runs = h.runs.list();
      expect(runs.map((r) => [r.target, r.trigger, r.options.pageIds ?? null])).toEqual([
        ['meetings', 'webhook', [page.id]],
        ['all', 'schedule', null],
      ]);
    });

    it(`more than ${MAX_TARGETED_PAGES} settled pages of a dataset become one incremental run`, async () => {
      await runAll(h.ctx, {});
      const ids = Array.from({ length: MAX_TARGETED_PAGES + 1 }, () => randomUUID());
      for (const id of ids) await deliver(pageEvent('page.created', id));
      await h.timers.advance(5_000);
      await h.webhooks.idle();
      expect(h.runs.list().map((r) => [r.target, r.options])).toEqual([['meetings', {}]]);
    });
  });

  describe('Google Calendar', () => {
    const push = async (headers: Record<string, string>) => {
      const r = await h.call('/webhooks/google/calendar', { method: 'POST', token: null, headers: { 'x-goog-channel-id': 'channel-1', 'x-goog-resource-id': 'res-1', 'x-goog-message-number': '2', ...headers } });
      return { status: r.status, body: (await r.json()) as any };
    };

    it('rejects a missing or wrong channel token (401)', async () => {
      expect(await push({ 'x-goog-resource-state': 'exists' })).toEqual({ status: 401, body: { error: 'invalid X-Goog-Channel-Token' } });
      expect(await push({ 'x-goog-channel-token': `${GOOGLE_CHANNEL_TOKEN}x`, 'x-goog-resource-state': 'exists' })).toEqual({ status: 401, body: { error: 'invalid X-Goog-Channel-Token' } });
      expect(h.timers.count).toBe(0);
    });

    it('refuses every notification when no channel token is configured', async () => {
      await h.close();
      h = await createServerHarness(store, { env: { GOOGLE_CALENDAR_WEBHOOK_TOKEN: '' } });
      expect(await push({ 'x-goog-channel-token': GOOGLE_CHANNEL_TOKEN, 'x-goog-resource-state': 'exists' })).toEqual({
        status: 401,
        body: { error: 'GOOGLE_CALENDAR_WEBHOOK_TOKEN is not set on this server' },
      });
    });

    it('acknowledges the sync message, and turns changes into one incremental calendar run after the settle window', async () => {
      expect(await push({ 'x-goog-channel-token': GOOGLE_CHANNEL_TOKEN, 'x-goog-resource-state': 'sync' })).toEqual({ status: 200, body: { ok: true } });
      expect(h.timers.count).toBe(0);
      expect((await push({ 'x-goog-channel-token': GOOGLE_CHANNEL_TOKEN, 'x-goog-resource-state': 'exists' })).status).toBe(200);
      await h.timers.advance(500);
      expect((await push({ 'x-goog-channel-token': GOOGLE_CHANNEL_TOKEN, 'x-goog-resource-state': 'not_exists' })).status).toBe(200);
      await h.timers.advance(999);
      expect(h.runs.list()).toEqual([]);
      await h.timers.advance(1);
      await h.webhooks.idle();
      const runs = h.runs.list();
      expect(runs).toHaveLength(1);
      // Google is not configured in this harness: the run is triggered and reports the dataset skipped.
      expect(runs[0]).toMatchObject({ target: 'calendar', trigger: 'webhook', options: {}, status: 'success', results: [expect.objectContaining({ dataset: 'calendar', status: 'skipped' })] });
    });

    it('an unknown resource state is 400', async () => {
      expect((await push({ 'x-goog-channel-token': GOOGLE_CHANNEL_TOKEN, 'x-goog-resource-state': 'bogus' })).status).toBe(400);
    });
  });
});
