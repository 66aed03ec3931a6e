/**
 * Webhook timing and event types as Notion delivers them: single events a few seconds later, the
 * first page.properties_updated of a quiet page right away and later property edits within the
 * minute combined into one event (every property, every author); page.content_updated aggregated
 * over its window; page.moved; data_source.schema_updated (database.schema_updated for 2022-06-28
 * subscriptions); the integration's own writes reported with a bot author; deliveries woken by
 * injected timers on the emulator clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualTimers } from '../../../src/lib/timers.ts';
import { FakeClock } from '../../../src/lib/clock.ts';
import { BOOKS_DB, BOOKS_DS, NOTES_DS, smallSeed, start, type Started } from './helpers.ts';

const HOOK = 'http://receiver.test/hook';
const DUNE = '66666666-6666-4666-8666-666666666666';
const DEEP_WORK = '77777777-7777-4777-8777-777777777777';

let t: Started | undefined;
afterEach(async () => {
  await t?.emulator.close();
  t = undefined;
});

async function setup(extra: { timers?: ManualTimers; clock?: FakeClock; apiVersion?: '2022-06-28' } = {}) {
  const received: any[] = [];
  const fetchImpl = (async (_url: string | URL | Request, init?: RequestInit) => {
    received.push(JSON.parse(String(init?.body)));
    return new Response('{}', { status: 200 });
  }) as typeof fetch;
  t = await start({ seed: smallSeed(), webhookFetch: fetchImpl, ...(extra.clock ? { clock: extra.clock, timers: extra.timers } : {}) });
  t.emulator.setWebhook({ url: HOOK, verificationToken: 'secret_x', apiVersion: extra.apiVersion });
  return { received, t };
}

const at = async (t: Started, ms: number) => {
  t.clock.advance(ms);
  await t.emulator.flushWebhooks();
};

describe('webhook delivery timing', () => {
  it('sends the first property edit of a quiet page within seconds and combines later ones within the minute', async () => {
    const { received, t } = await setup();
    const ids = Object.fromEntries(Object.entries(t.emulator.getPage(DUNE)!.properties).map(([k, v]) => [k, v.id]));
    t.emulator.updatePage(DUNE, { Pages: { number: 1 } });
    await at(t, 1_999);
    expect(received).toHaveLength(0);
    await at(t, 1);
    expect(received.map((e) => [e.type, e.data.updated_properties])).toEqual([['page.properties_updated', [ids.Pages]]]);

    // Within the minute: a person, then the integration (through the API), edit two more properties.
    t.clock.advance(10_000);
    t.emulator.updatePage(DUNE, { Done: { checkbox: true } });
    t.clock.advance(20_000);
    await t.client.pages.update({ page_id: DUNE, properties: { Author: { rich_text: [{ text: { content: 'F. H.' } }] } } });
    const lastEdit = t.clock.now();
    await at(t, 27_999); // 59.999 s after the first edit
    expect(received).toHaveLength(1);
    await at(t, 1);
    expect(received).toHaveLength(2);
    const combined = received[1];
    expect(combined.type).toBe('page.properties_updated');
    expect(combined.data.updated_properties).toEqual([ids.Done, ids.Author]);
    expect(combined.authors).toEqual([
      { id: t.emulator.personId, type: 'person' },
      { id: t.emulator.botId, type: 'bot' },
    ]);
    expect(combined.timestamp).toBe(new Date(lastEdit).toISOString());

    // After a quiet minute, the next edit is again a leading one.
    t.clock.advance(120_000);
    t.emulator.updatePage(DUNE, { Pages: { number: 3 } });
    await at(t, 2_000);
    expect(received).toHaveLength(3);
  });

  it('keeps pages apart: each page has its own window', async () => {
    const { received, t } = await setup();
    t.emulator.updatePage(DUNE, { Pages: { number: 1 } });
    t.emulator.updatePage(DEEP_WORK, { Pages: { number: 2 } });
    t.emulator.updatePage(DUNE, { Pages: { number: 3 } });
    await at(t, 2_000);
    expect(received.map((e) => e.entity.id)).toEqual([DUNE, DEEP_WORK]);
    await at(t, 58_000);
    expect(received.map((e) => e.entity.id)).toEqual([DUNE, DEEP_WORK, DUNE]);
  });

  it('a single event can overtake an aggregated one (Notion: events may arrive out of order)', async () => {
    const { received, t } = await setup();
    t.emulator.updatePage(DUNE, { Pages: { number: 1 } });
    t.emulator.updatePage(DUNE, { Pages: { number: 2 } });
    t.clock.advance(5_000);
    t.emulator.trashPage(DUNE);
    await at(t, 60_000);
    expect(received.map((e) => e.type)).toEqual(['page.properties_updated', 'page.deleted', 'page.properties_updated']);
  });

  it('reports page.created for the integration’s own create, with a bot author', async () => {
    const { received, t } = await setup();
    const created: any = await t.client.pages.create({ parent: { data_source_id: BOOKS_DS }, properties: { Title: { title: [{ text: { content: 'Hyperion' } }] } } as any });
    await at(t, 2_000);
    expect(received).toMatchObject([{ type: 'page.created', entity: { id: created.id, type: 'page' }, authors: [{ id: t.emulator.botId, type: 'bot' }] }]);
  });

  it('wakes on injected timers: advancing them delivers without a flush', async () => {
    const clock = new FakeClock('2026-01-05T09:00:30.000Z');
    const timers = new ManualTimers(clock);
    const { received, t } = await setup({ clock, timers });
    t.emulator.updatePage(DUNE, { Pages: { number: 1 } });
    t.emulator.updatePage(DUNE, { Pages: { number: 2 } });
    await timers.advance(2_000);
    await t.emulator.flushWebhooks(); // waits for the delivery the timer started
    expect(received).toHaveLength(1);
    await timers.advance(58_000);
    await t.emulator.flushWebhooks();
    expect(received).toHaveLength(2);
    expect(timers.count).toBe(0);
  });

  it('drops what is still scheduled on unsubscribe and on close', async () => {
    const { received, t } = await setup();
    t.emulator.updatePage(DUNE, { Pages: { number: 1 } });
    expect(t.emulator.pendingWebhooks).toBe(1);
    t.emulator.setWebhook(null);
    expect(t.emulator.pendingWebhooks).toBe(0);
    await at(t, 5_000);
    expect(received).toHaveLength(0);
  });
});

describe('webhook event types', () => {
  it('page.content_updated: aggregated, sent when the window of the first body edit ends', async () => {
    const { received, t } = await setup();
    const before = t.emulator.getPage(DUNE)!.last_edited_time;
    t.clock.advance(60_000);
    const page = t.emulator.editPageContent(DUNE);
    expect(page.last_edited_time).not.toBe(before);
    t.clock.advance(30_000);
    t.emulator.editPageContent(DUNE);
    await at(t, 29_999);
    expect(received).toHaveLength(0);
    await at(t, 1);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ type: 'page.content_updated', entity: { id: DUNE, type: 'page' }, data: { parent: { id: BOOKS_DB, type: 'database', data_source_id: BOOKS_DS } } });
    expect(received[0].data.updated_blocks).toHaveLength(2);
    expect(received[0].data.updated_blocks[0]).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), type: 'block' });
  });

  it('page.moved: the row moves to another data source, with its new parent', async () => {
    const { received, t } = await setup();
    const moved = t.emulator.movePage(DEEP_WORK, NOTES_DS);
    expect(moved.parent).toMatchObject({ data_source_id: NOTES_DS });
    expect(moved.properties.Name!.title[0].plain_text).toBe('Deep Work');
    expect(t.emulator.listPages(BOOKS_DS).map((p) => p.id)).not.toContain(DEEP_WORK);
    await at(t, 2_000);
    expect(received).toMatchObject([{ type: 'page.moved', entity: { id: DEEP_WORK }, data: { parent: { data_source_id: NOTES_DS } } }]);
  });

  it('data_source.schema_updated for API and control edits, naming each property and what happened to it', async () => {
    const { received, t } = await setup();
    const pagesId = t.emulator.getPage(DUNE)!.properties.Pages!.id;
    const linkId = t.emulator.getPage(DUNE)!.properties.Link!.id;
    await t.client.dataSources.update({ data_source_id: BOOKS_DS, properties: { Pages: { name: 'Page count' }, Rating: { number: {} }, Link: null } as any });
    t.emulator.updateSchema(BOOKS_DS, { Rating: { name: 'Stars' } });
    await at(t, 2_000);
    expect(received.map((e) => [e.type, e.entity, e.authors[0].type])).toEqual([
      ['data_source.schema_updated', { id: BOOKS_DS, type: 'data_source' }, 'bot'],
      ['data_source.schema_updated', { id: BOOKS_DS, type: 'data_source' }, 'person'],
    ]);
    expect(received[0].data.parent).toEqual({ id: BOOKS_DB, type: 'database' });
    const ratingId = received[0].data.updated_properties.find((p: any) => p.action === 'created').id;
    expect(received[0].data.updated_properties).toEqual([
      { id: pagesId, name: 'Page count', action: 'updated' },
      { id: ratingId, name: 'Rating', action: 'created' },
      { id: linkId, name: 'Link', action: 'deleted' },
    ]);
    expect(received[1].data.updated_properties).toEqual([{ id: ratingId, name: 'Stars', action: 'updated' }]);
  });

  it('a 2022-06-28 subscription gets database.schema_updated and parents without data_source_id', async () => {
    const { received, t } = await setup({ apiVersion: '2022-06-28' });
    t.emulator.updateSchema(BOOKS_DS, { Rating: { number: {} } });
    t.emulator.updatePage(DUNE, { Pages: { number: 1 } });
    await at(t, 2_000);
    expect(received.map((e) => [e.type, e.api_version])).toEqual([
      ['database.schema_updated', '2022-06-28'],
      ['page.properties_updated', '2022-06-28'],
    ]);
    expect(received[0].entity).toEqual({ id: BOOKS_DB, type: 'database' });
    expect(received[0].data.parent).toEqual({ id: received[0].workspace_id, type: 'space' });
    expect(received[1].data.parent).toEqual({ id: BOOKS_DB, type: 'database' });
  });
});
