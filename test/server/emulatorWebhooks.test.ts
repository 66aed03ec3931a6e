/**
 * The Notion emulator's webhooks: page changes (through the API and the control methods) are POSTed
 * a few seconds later on the emulator clock (never inside the change's call), in due order, in the
 * SDK's payload shape, signed like Notion signs them. Aggregation is in
 * test/emulators/notion/webhooks.test.ts.
 */
import { verifyWebhookSignature } from '@notionhq/client';
import { afterEach, describe, expect, it } from 'vitest';
import { BOOKS_DB, BOOKS_DS, smallSeed, start, type Started } from '../emulators/notion/helpers.ts';

const HOOK_URL = 'http://receiver.test/webhooks/notion';
const VERIFY = 'secret_emulator_webhook_token_0123456789';

interface Received {
  url: string;
  headers: Record<string, string>;
  raw: string;
  body: any;
}

/** A fetch that records deliveries and answers with the next queued status (default 200). */
function receiver() {
  const received: Received[] = [];
  const statuses: Array<number | 'drop'> = [];
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const raw = String(init?.body ?? '');
    received.push({ url: String(input), headers, raw, body: JSON.parse(raw) });
    const status = statuses.shift() ?? 200;
    if (status === 'drop') throw new TypeError('fetch failed');
    return new Response('{}', { status });
  }) as typeof fetch;
  return { received, statuses, fetch: fetchImpl };
}

let t: Started | undefined;
afterEach(async () => {
  await t?.emulator.close();
  t = undefined;
});

async function setup() {
  const r = receiver();
  t = await start({ seed: smallSeed(), webhookFetch: r.fetch });
  t.emulator.setWebhook({ url: HOOK_URL, verificationToken: VERIFY });
  const dune = '66666666-6666-4666-8666-666666666666';
  return { ...r, t, dune };
}

describe('Notion emulator webhooks', () => {
  it('sends a signed page.properties_updated in the SDK payload shape for a control edit', async () => {
    const { received, t, dune } = await setup();
    const editedAt = t.clock.now();
    t.emulator.updatePage(dune, { Pages: { number: 500 } });
    // Fire-and-forget: nothing is delivered synchronously, nor before Notion's few seconds.
    expect(received).toHaveLength(0);
    await t.emulator.flushWebhooks();
    expect(received).toHaveLength(0);
    t.clock.advance(2_000);
    await t.emulator.flushWebhooks();
    expect(received).toHaveLength(1);
    const [d] = received;
    expect(d!.url).toBe(HOOK_URL);
    expect(d!.headers['content-type']).toBe('application/json');
    expect(await verifyWebhookSignature({ body: d!.raw, signature: d!.headers['x-notion-signature'], verificationToken: VERIFY })).toBe(true);
    expect(Object.keys(d!.body).sort()).toEqual(
      ['api_version', 'attempt_number', 'authors', 'data', 'entity', 'id', 'integration_id', 'subscription_id', 'timestamp', 'type', 'workspace_id', 'workspace_name'].sort(),
    );
    const pagesProp = t.emulator.getPage(dune)!.properties.Pages!.id;
    expect(d!.body).toMatchObject({
      type: 'page.properties_updated',
      attempt_number: 1,
      api_version: '2025-09-03',
      timestamp: new Date(editedAt).toISOString(),
      authors: [{ id: t.emulator.personId, type: 'person' }],
      entity: { id: dune, type: 'page' },
      data: { parent: { id: BOOKS_DB, type: 'database', data_source_id: BOOKS_DS }, updated_properties: [pagesProp] },
    });
    expect(t.emulator.webhookDeliveries).toEqual([{ id: d!.body.id, type: 'page.properties_updated', entityId: dune, status: 200, attempts: 1 }]);
  });

  it('reports API writes with the bot as author; creates, trashes and restores, in order', async () => {
    const { received, t, dune } = await setup();
    const created: any = await t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Title: { title: [{ text: { content: 'Hyperion' } }] } } as any });
    await t.client.pages.update({ page_id: dune, in_trash: true } as any);
    t.emulator.trashPage(dune, false);
    t.clock.advance(2_000);
    await t.emulator.flushWebhooks();
    expect(received.map((r) => [r.body.type, r.body.entity.id, r.body.authors[0].type])).toEqual([
      ['page.created', created.id, 'bot'],
      ['page.deleted', dune, 'bot'],
      ['page.undeleted', dune, 'person'],
    ]);
    expect(received[0]!.body.authors[0].id).toBe(t.emulator.botId);
    expect(received[0]!.body.data).toEqual({ parent: { id: BOOKS_DB, type: 'database', data_source_id: BOOKS_DS } });
  });

  it('sends only the subscribed event types, and nothing without a subscription', async () => {
    const { received, t, dune } = await setup();
    t.emulator.setWebhook({ url: HOOK_URL, verificationToken: VERIFY, events: ['page.deleted'] });
    t.emulator.updatePage(dune, { Pages: { number: 1 } });
    t.emulator.trashPage(dune);
    t.clock.advance(2_000);
    await t.emulator.flushWebhooks();
    expect(received.map((r) => r.body.type)).toEqual(['page.deleted']);
    t.emulator.setWebhook(null);
    t.emulator.trashPage(dune, false);
    t.clock.advance(2_000);
    await t.emulator.flushWebhooks();
    expect(received.map((r) => r.body.type)).toEqual(['page.deleted']);
  });

  it('holds deliveries while paused and sends them in order on flush', async () => {
    const { received, t, dune } = await setup();
    t.emulator.pauseWebhooks();
    const pages = [dune, '77777777-7777-4777-8777-777777777777', '55555555-5555-4555-8555-555555555555'];
    t.emulator.updatePage(pages[0]!, { Pages: { number: 1 } });
    t.emulator.updatePage(pages[1]!, { Pages: { number: 2 } });
    t.emulator.updatePage(pages[2]!, { Name: { title: [{ text: { content: 'Renamed' } }] } });
    t.clock.advance(2_000);
    // A request makes the emulator notice that they are due; paused, they stay queued.
    await t.client.users.me({});
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(received).toHaveLength(0);
    expect(t.emulator.pendingWebhooks).toBe(3);
    await t.emulator.flushWebhooks();
    expect(received.map((r) => r.body.entity.id)).toEqual(pages);
    expect(new Set(received.map((r) => r.body.id)).size).toBe(3);
    expect(t.emulator.pendingWebhooks).toBe(0);
  });

  it('retries a failed delivery (5xx, 429, network error) with the next attempt_number, re-signed; never a 4xx', async () => {
    const { received, statuses, t, dune } = await setup();
    statuses.push(503, 'drop', 200, 401);
    const deepWork = '77777777-7777-4777-8777-777777777777';
    t.emulator.updatePage(dune, { Pages: { number: 7 } });
    t.emulator.updatePage(deepWork, { Pages: { number: 8 } });
    t.clock.advance(2_000);
    const before = t.clock.now();
    await t.emulator.flushWebhooks();
    expect(received.map((r) => [r.body.entity.id, r.body.attempt_number])).toEqual([
      [dune, 1],
      [dune, 2],
      [dune, 3],
      [deepWork, 1],
    ]);
    for (const r of received) expect(await verifyWebhookSignature({ body: r.raw, signature: r.headers['x-notion-signature'], verificationToken: VERIFY })).toBe(true);
    expect(new Set(received.slice(0, 3).map((r) => r.body.id)).size).toBe(1);
    // Backoff waits on the emulator clock: 1 s, then 2 s.
    expect(t.clock.now() - before).toBe(3_000);
    expect(t.emulator.webhookDeliveries.map((d) => [d.status, d.attempts])).toEqual([
      [200, 3],
      [401, 1],
    ]);
  });

  it('sends the verification handshake unsigned, with the subscription token', async () => {
    const { received, t } = await setup();
    const r = await t.emulator.sendVerification(HOOK_URL);
    expect(r).toEqual({ status: 200, verificationToken: VERIFY });
    expect(received[0]!.body).toEqual({ verification_token: VERIFY });
    expect(received[0]!.headers['x-notion-signature']).toBeUndefined();
  });

  it('refuses a malformed subscription', async () => {
    const { t } = await setup();
    expect(() => t.emulator.setWebhook({ url: 'not a url', verificationToken: VERIFY })).toThrow();
    expect(() => t.emulator.setWebhook({ url: 'ftp://x/y', verificationToken: VERIFY })).toThrow(/http/);
    expect(() => t.emulator.setWebhook({ url: HOOK_URL, verificationToken: '' })).toThrow(/verificationToken/);
  });
});
