/**
 * Google datasets end to end against the Google emulator (and, for contacts, the Notion emulator):
 * calendar, gmail, and contacts' three-way sync.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PEOPLE_PROPAGATION_DELAY_MS } from '../../emulators/google/index.ts';
import { runCalendar } from '../../src/engine/google/runCalendar.ts';
import { runGmail } from '../../src/engine/google/runGmail.ts';
import { runAll, runDatasetSteps } from '../../src/engine/runAll.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createGoogleHarness, type GoogleHarness } from '../helpers/googleHarness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

describe.each(storeBackends())('Google datasets on %s', (kind) => {
  let store: Store;
  let h: GoogleHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await migrate(store);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createGoogleHarness(store);
  });
  afterEach(() => h.close());

  const event = async (id: string) => (await store.query('SELECT * FROM calendar_events WHERE google_event_id = $1', [id])).rows[0];

  describe('calendar', () => {
    it('keeps an all-day event on its day and a timed event’s instant and zone', async () => {
      const r = await runCalendar(h.ctx, h.ds('calendar'));
      expect(r).toMatchObject({ status: 'success', mode: 'full' });
      expect(r.created).toBeGreaterThan(10);
      const allDay = await event(h.sample.ids.allDayEventId);
      expect(allDay).toMatchObject({ all_day: true, start_date: '2026-05-07', starts_at: null });
      const timed = h.google.calendar.listEvents('primary').find((e) => e.start?.dateTime && e.start.timeZone && !e.recurrence)!;
      const row = await event(timed.id!);
      expect(row.starts_at.toISOString()).toBe(new Date(timed.start!.dateTime!).toISOString());
      expect(row.time_zone).toBe(timed.start!.timeZone);
      // Recurring events arrive as their instances within the window, never as a master.
      const { rows } = await store.query('SELECT count(*)::int AS n FROM calendar_events WHERE recurring_event_id = $1', [h.sample.ids.weeklyEventId]);
      expect(rows[0].n).toBeGreaterThan(5);
      expect(await event(h.sample.ids.weeklyEventId)).toBeUndefined();
    });

    it('goes incremental by sync token; a cancelled event soft-deletes its row', async () => {
      await runCalendar(h.ctx, h.ds('calendar'));
      h.clock.advance(60_000);
      h.google.calendar.cancelEvent('primary', h.sample.ids.tripEventId);
      h.google.resetCounts();
      const r = await runCalendar(h.ctx, h.ds('calendar'));
      expect(r).toMatchObject({ status: 'success', mode: 'incremental', deleted: 1, created: 0 });
      expect((await event(h.sample.ids.tripEventId)).deleted_at).toBeInstanceOf(Date);
    });

    it('an expired sync token triggers exactly one full resync, and the next run is incremental again', async () => {
      await runCalendar(h.ctx, h.ds('calendar'));
      h.google.expireSyncTokens();
      const resync = await runCalendar(h.ctx, h.ds('calendar'));
      expect(resync).toMatchObject({ status: 'success', mode: 'full', created: 0 });
      expect(resync.warnings.join()).toMatch(/410/);
      const next = await runCalendar(h.ctx, h.ds('calendar'));
      expect(next).toMatchObject({ status: 'success', mode: 'incremental', created: 0, updated: 0 });
    });
  });

  describe('gmail', () => {
    // 1,100 messages: three pages of messages.list (500 a page), so page boundaries are crossed twice.
    it('syncs 1,100 messages with no message fetched twice, linked to contacts by address', async () => {
      await h.close();
      h = await createGoogleHarness(store, { sample: { messages: 1100, people: 20 }, env: { GMAIL_QUERY: 'newer_than:3650d', GMAIL_MAX_MESSAGES: '5000' } });
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const r = await runGmail(h.ctx, h.ds('gmail'));
      expect(r).toMatchObject({ status: 'success', mode: 'full' });
      const listed = h.google.gmail.listMessages().filter((m) => !m.labelIds?.includes('SPAM') && !m.labelIds?.includes('TRASH')).length;
      const { rows } = await store.query('SELECT count(*)::int AS n, count(*) FILTER (WHERE cardinality(contact_ids) > 0)::int AS linked FROM emails');
      expect(rows[0].n).toBe(listed);
      expect(rows[0].linked).toBeGreaterThan(0);
      expect(h.google.requestCounts['GET /gmail/v1/users/me/messages/:id']).toBe(rows[0].n);
    });

    it('reads history incrementally; deleted messages soft-delete; a too-old history id recovers with a bounded full sync', async () => {
      await runGmail(h.ctx, h.ds('gmail'));
      const victim = h.google.gmail.listMessages()[0]!.id!;
      h.google.gmail.deleteMessage(victim);
      h.google.gmail.addMessage({ from: 'New Person <new@example.org>', to: [h.sample.userEmail], subject: 'Hello' });
      const inc = await runGmail(h.ctx, h.ds('gmail'));
      expect(inc).toMatchObject({ status: 'success', mode: 'incremental', created: 1, deleted: 1 });
      h.google.expireSyncTokens();
      h.google.resetCounts();
      const resync = await runGmail(h.ctx, h.ds('gmail'));
      expect(resync).toMatchObject({ status: 'success', mode: 'full', created: 0 });
      expect(resync.warnings.join()).toMatch(/404/);
      expect(h.google.requestCounts['GET /gmail/v1/users/me/history']).toBe(1);
      const after = await runGmail(h.ctx, h.ds('gmail'));
      expect(after.mode).toBe('incremental');
    });
  });

  describe('contacts, three ways', () => {
    const contactRows = async () => (await store.query('SELECT * FROM contacts WHERE deleted_at IS NULL ORDER BY name')).rows;

    it('the same person in Google and in Notion (email differs in case) ends as one row linked to both', async () => {
      const results = await runDatasetSteps(h.ctx, h.ds('contacts'));
      expect(results.map((r) => [r.dataset, r.status])).toEqual([
        ['contacts', 'success'],
        ['contacts_google', 'success'],
        ['contacts', 'success'],
      ]);
      const variant = h.sample.caseVariant!;
      const { rows } = await store.query(`SELECT * FROM contacts WHERE EXISTS (SELECT 1 FROM unnest(emails) e WHERE lower(e) = $1)`, [variant.notionEmail]);
      expect(rows).toHaveLength(1);
      expect(rows[0].google_resource_name).toBe(variant.resourceName);
      expect(rows[0].notion_page_id).toBeTruthy();
      // Every Google person and every Notion page is exactly one row.
      const all = await contactRows();
      expect(new Set(all.map((r) => r.google_resource_name).filter(Boolean)).size).toBe(h.google.people.listPeople().length);
      expect(all.filter((r) => r.notion_page_id).length).toBe(h.notion.listPages(h.notionIds.contactsDataSource).length);
      // Google-only people now have Notion pages too (Postgres → Notion step).
      expect(all.every((r) => r.notion_page_id)).toBe(true);
    });

    it('a phone edited in Google reaches Notion; a company edited in Notion reaches Postgres and is not overwritten by Google', async () => {
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const variant = h.sample.caseVariant!;
      const before = (await store.query('SELECT * FROM contacts WHERE google_resource_name = $1', [variant.resourceName])).rows[0];
      h.clock.advance(10 * 60_000);
      h.google.people.updatePerson(variant.resourceName, { phoneNumbers: [{ value: '+1 415 555 0199' }], organizations: [{ name: 'Google says Acme' }] });
      // People's sync requests see the edit only after its propagation delay (the emulator's realistic default).
      h.clock.advance(DEFAULT_PEOPLE_PROPAGATION_DELAY_MS);
      h.notion.updatePage(before.notion_page_id, { Company: { rich_text: [{ text: { content: 'Notion says Initech' } }] } });
      h.notion.resetCounts();
      const results = await runDatasetSteps(h.ctx, h.ds('contacts'));
      for (const r of results) expect(r.status).toBe('success');
      // Step 3 carries the Google change to Notion without reading Notion a second time.
      expect(results.map((r) => r.dataset)).toEqual(['contacts', 'contacts_google', 'contacts']);
      expect(h.notion.requestCounts['POST /v1/data_sources/:id/query']).toBe(1);
      const after = (await store.query('SELECT * FROM contacts WHERE id = $1', [before.id])).rows[0];
      expect(after.phones[0]).toBe('+14155550199');
      expect(after.company).toBe('Notion says Initech');
      expect(h.notion.getPage(before.notion_page_id)!.properties.Phone.phone_number).toBe('+14155550199');
      expect(h.notion.getPage(before.notion_page_id)!.properties.Company.rich_text[0].plain_text).toBe('Notion says Initech');
    });

    it('recovers from an expired People sync token', async () => {
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      h.google.expireSyncTokens();
      const results = await runDatasetSteps(h.ctx, h.ds('contacts'));
      const leg = results.find((r) => r.dataset === 'contacts_google')!;
      expect(leg).toMatchObject({ status: 'success', mode: 'full', created: 0 });
      expect(leg.warnings.join()).toMatch(/EXPIRED_SYNC_TOKEN/);
      const next = (await runDatasetSteps(h.ctx, h.ds('contacts'))).find((r) => r.dataset === 'contacts_google')!;
      expect(next.mode).toBe('incremental');
    });

    it('an etag race does not lose the edit', async () => {
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const variant = h.sample.caseVariant!;
      const row = (await store.query('SELECT * FROM contacts WHERE google_resource_name = $1', [variant.resourceName])).rows[0];
      h.clock.advance(10 * 60_000);
      await store.query(`UPDATE contacts SET emails = $2::text[] WHERE id = $1`, [row.id, ['maya@new.example', ...row.emails.slice(1)]]);
      // Between our read and our write, someone edits the contact in Google (the name): the etag changes.
      const original = h.ctx.google!.people.updateContact;
      let raced = false;
      h.ctx.google!.people.updateContact = async (...args) => {
        if (!raced) {
          raced = true;
          h.google.people.updatePerson(variant.resourceName, { names: [{ givenName: 'Maya', familyName: 'Chen-Park' }] });
        }
        return original(...args);
      };
      const results = await runDatasetSteps(h.ctx, h.ds('contacts'));
      for (const r of results) expect(r.status).toBe('success');
      const person = h.google.people.getPerson(variant.resourceName)!;
      expect(person.emailAddresses!.map((e) => e.value)[0]).toBe('maya@new.example');
      expect(person.names![0]!.familyName).toBe('Chen-Park');
    });
  });

  it('converges with 10% of Google requests failing, and duplicates nothing', async () => {
    h.google.setFaults({ rate: 0.1, statuses: [429, 500, 503], drop: true });
    for (let i = 0; i < 3; i++) {
      const results = await runAll(h.ctx, {});
      h.clock.advance(60_000);
      if (results.every((r) => r.status === 'success' || r.status === 'skipped')) break;
    }
    h.google.setFaults(null);
    const final = await runAll(h.ctx, {});
    for (const r of final.filter((x) => x.status !== 'skipped')) expect([r.dataset, r.status]).toEqual([r.dataset, 'success']);
    const dupes = await store.query(`SELECT google_resource_name, count(*) FROM contacts WHERE google_resource_name IS NOT NULL GROUP BY 1 HAVING count(*) > 1`);
    expect(dupes.rows).toEqual([]);
    expect(h.google.faultsInjected).toBeGreaterThan(0);
    const { rows } = await store.query('SELECT count(*)::int AS n FROM contacts WHERE deleted_at IS NULL');
    expect(rows[0].n).toBe(h.notion.listPages(h.notionIds.contactsDataSource).length);
  });
});
