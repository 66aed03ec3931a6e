/**
 * Lost links on the Google side (issue 13, point 1): contacts get a cleared google_resource_name
 * back from the Google step's ledger on a full run, even when email and phone no longer match;
 * calendar and gmail rows are keyed by their Google ids, so a full resync finds every row again by
 * it. 0 duplicates on every side. Against the Google and Notion emulators, on PGlite and Postgres.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCalendar } from '../../src/engine/google/runCalendar.ts';
import { runGmail } from '../../src/engine/google/runGmail.ts';
import { runDatasetSteps } from '../../src/engine/runAll.ts';
import type { Store } from '../../src/store/types.ts';
import { createGoogleHarness, type GoogleHarness } from '../helpers/googleHarness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

describe.each(storeBackends())('relinking Google datasets on %s', (kind) => {
  let store: Store;
  let h: GoogleHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createGoogleHarness(store);
  });
  afterEach(() => h.close());

  const ids = async (table: string, key: string) => (await store.query(`SELECT id, ${key} AS key FROM ${table} ORDER BY ${key}`)).rows;

  it('contacts: a row whose Google and Notion links were cleared, and whose email changed since, is found again by the ledgers — no second row, person or page', async () => {
    await runDatasetSteps(h.ctx, h.ds('contacts'));
    const people = h.google.people.listPeople().length;
    const pages = h.notion.listPages(h.notionIds.contactsDataSource).length;
    const rows = Number((await store.query('SELECT count(*)::int AS n FROM contacts')).rows[0].n);
    const { rows: picked } = await store.query(`SELECT id, google_resource_name FROM contacts WHERE google_resource_name IS NOT NULL AND notion_page_id IS NOT NULL ORDER BY id LIMIT 1`);
    const contact = picked[0];
    h.clock.advance(10 * 60_000);
    // An app replaced the addresses (no email or phone of Google's matches any more) and dropped both links.
    await store.query(`UPDATE contacts SET emails = ARRAY['moved@example.net'], phones = '{}', google_resource_name = NULL, notion_page_id = NULL WHERE id = $1`, [contact.id]);

    const results = await runDatasetSteps(h.ctx, h.ds('contacts'), { full: true });
    expect(results.every((r) => r.status === 'success')).toBe(true);
    expect(results.reduce((n, r) => n + r.created, 0)).toBe(0);
    const after = (await store.query('SELECT google_resource_name, notion_page_id, emails FROM contacts WHERE id = $1', [contact.id])).rows[0];
    expect(after.google_resource_name).toBe(contact.google_resource_name);
    expect(after.notion_page_id).toBeTruthy();
    expect(Number((await store.query('SELECT count(*)::int AS n FROM contacts')).rows[0].n)).toBe(rows);
    expect(h.google.people.listPeople()).toHaveLength(people);
    expect(h.notion.listPages(h.notionIds.contactsDataSource)).toHaveLength(pages);
    // The new address is a Postgres edit, carried to Google like any other.
    expect(h.google.people.getPerson(contact.google_resource_name)!.emailAddresses?.[0]?.value).toBe('moved@example.net');
  });

  it('calendar and gmail: a full resync finds every row again by its Google id — same rows, no duplicates', async () => {
    await runCalendar(h.ctx, h.ds('calendar'));
    await runGmail(h.ctx, h.ds('gmail'));
    const events = await ids('calendar_events', 'google_event_id');
    const mails = await ids('emails', 'gmail_message_id');
    expect(events.length).toBeGreaterThan(10);
    expect(mails.length).toBeGreaterThan(10);
    h.clock.advance(60_000);
    const cal = await runCalendar(h.ctx, h.ds('calendar'), { full: true });
    const mail = await runGmail(h.ctx, h.ds('gmail'), { full: true });
    expect([cal.mode, cal.created, mail.mode, mail.created]).toEqual(['full', 0, 'full', 0]);
    expect(await ids('calendar_events', 'google_event_id')).toEqual(events);
    expect(await ids('emails', 'gmail_message_id')).toEqual(mails);
  });
});
