/**
 * The three-way contacts sync under Google People's propagation delay (issue 16, point 1): Google
 * documents "several minutes" before a write shows up in sync requests, and the emulator's default
 * models it (5 minutes). Runs come every two minutes here — closer together than the delay — so
 * every run after a write reads a People listing that does not have it yet. No side may be written
 * twice for one edit (ping-pong) and no person may become two (duplicate).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_PEOPLE_PROPAGATION_DELAY_MS } from '../../emulators/google/index.ts';
import { runDatasetSteps } from '../../src/engine/runAll.ts';
import type { Store } from '../../src/store/types.ts';
import { createGoogleHarness, type GoogleHarness } from '../helpers/googleHarness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const RUN_EVERY_MS = 2 * 60_000;

describe.each(storeBackends())('contacts under the People propagation delay on %s', (kind) => {
  let store: Store;
  let h: GoogleHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
  });
  afterEach(() => h?.close());

  /** Runs the contacts steps every two minutes for `minutes`; every run must succeed. */
  async function runFor(minutes: number): Promise<void> {
    for (let t = 0; t <= minutes * 60_000; t += RUN_EVERY_MS) {
      for (const r of await runDatasetSteps(h.ctx, h.ds('contacts'))) expect(r.status, `${r.dataset}: ${JSON.stringify(r.errors)}`).toBe('success');
      h.clock.advance(RUN_EVERY_MS);
    }
  }
  const googleWrites = () => {
    const c = h.google.requestCounts;
    return { created: c['POST /v1/people:createContact'] ?? 0, updated: c['PATCH /v1/people/:id:updateContact'] ?? 0 };
  };
  const notionPatches = () => h.notion.requestCounts['PATCH /v1/pages/:id'] ?? 0;

  it('the emulator runs with the realistic default delay here', () => {
    expect(DEFAULT_PEOPLE_PROPAGATION_DELAY_MS).toBeGreaterThanOrEqual(2 * RUN_EVERY_MS);
  });

  it('an edit on each side reaches the other two once, and nothing is written back and forth', async () => {
    h = await createGoogleHarness(store);
    await runFor(12); // settle the first sync (including our own writes becoming visible to People sync)
    const { rows } = await store.query(`SELECT * FROM contacts WHERE google_resource_name IS NOT NULL AND notion_page_id IS NOT NULL AND cardinality(emails) > 0 ORDER BY id LIMIT 3`);
    const [a, b, c] = rows as any[];
    h.google.resetCounts();
    h.notion.resetCounts();

    h.google.people.updatePerson(a.google_resource_name, { phoneNumbers: [{ value: '+1 415 555 0101' }] });
    h.notion.updatePage(b.notion_page_id, { Company: { rich_text: [{ text: { content: 'Notion Co' } }] } });
    await store.query(`UPDATE contacts SET emails = $2::text[] WHERE id = $1`, [c.id, ['c.new@example.net', ...c.emails.slice(1)]]);
    const notionEditPatches = notionPatches(); // the control API's own edit is not counted, but be explicit
    const updatedInGoogle: string[] = [];
    const update = h.ctx.google!.people.updateContact;
    h.ctx.google!.people.updateContact = (resourceName, ...rest) => (updatedInGoogle.push(resourceName), update(resourceName, ...rest));
    await runFor(16);

    const row = async (id: string) => (await store.query('SELECT * FROM contacts WHERE id = $1', [id])).rows[0];
    expect((await row(a.id)).phones[0]).toBe('+14155550101');
    expect(h.notion.getPage(a.notion_page_id)!.properties.Phone.phone_number).toBe('+14155550101');
    expect((await row(b.id)).company).toBe('Notion Co');
    expect((await row(c.id)).emails[0]).toBe('c.new@example.net');
    expect(h.google.people.getPerson(c.google_resource_name)!.emailAddresses![0]!.value).toBe('c.new@example.net');
    expect(h.notion.getPage(c.notion_page_id)!.properties.Email.email).toBe('c.new@example.net');
    // Google gets c's email (and b's company when Google keeps one) once each, nothing is created;
    // a's own Google edit is never written back. Notion gets a's phone and c's email, once each.
    expect(googleWrites().created).toBe(0);
    expect(updatedInGoogle.filter((rn) => rn === c.google_resource_name)).toHaveLength(1);
    expect(updatedInGoogle.filter((rn) => rn === b.google_resource_name).length).toBeLessThanOrEqual(1);
    expect(updatedInGoogle).not.toContain(a.google_resource_name);
    expect(notionPatches() - notionEditPatches).toBe(2);
  });

  it('a person added in Google and in Notion within the delay ends as one Google contact and one row', async () => {
    h = await createGoogleHarness(store, { env: { CONTACTS_CREATE_IN_GOOGLE: 'true' } });
    await runFor(12);
    const peopleBefore = h.google.people.listPeople().length;
    h.google.resetCounts();
    // The user saves Zoe on the phone (Google) and in Notion a minute apart.
    h.google.people.addPerson({ names: [{ givenName: 'Zoe', familyName: 'Park' }], emailAddresses: [{ value: 'zoe.park@example.org' }] });
    h.clock.advance(60_000);
    h.notion.createPage(h.notionIds.contactsDataSource, { Name: { title: [{ text: { content: 'Zoe Park' } }] }, Email: { email: 'Zoe.Park@example.org' } });
    await runFor(16);

    const zoes = h.google.people.listPeople().filter((p) => p.emailAddresses?.some((e) => e.value?.toLowerCase() === 'zoe.park@example.org'));
    expect(zoes).toHaveLength(1);
    expect(h.google.people.listPeople()).toHaveLength(peopleBefore + 1);
    const { rows } = await store.query(`SELECT * FROM contacts WHERE deleted_at IS NULL AND EXISTS (SELECT 1 FROM unnest(emails) e WHERE lower(e) = 'zoe.park@example.org')`);
    expect(rows).toHaveLength(1);
    expect(rows[0].google_resource_name).toBe(zoes[0]!.resourceName);
    expect(googleWrites().created).toBe(0);
  });

  it('a contact the sync created in Google is not created again by the runs that cannot see it yet', async () => {
    h = await createGoogleHarness(store, { env: { CONTACTS_CREATE_IN_GOOGLE: 'true' } });
    await runFor(12);
    const peopleBefore = h.google.people.listPeople().length;
    h.google.resetCounts();
    h.notion.createPage(h.notionIds.contactsDataSource, { Name: { title: [{ text: { content: 'Ines Ruiz' } }] }, Email: { email: 'ines@example.es' } });
    await runFor(16);
    expect(h.google.people.listPeople()).toHaveLength(peopleBefore + 1);
    expect(googleWrites()).toEqual({ created: 1, updated: 0 });
    const { rows } = await store.query(`SELECT * FROM contacts WHERE deleted_at IS NULL AND 'ines@example.es' = ANY(emails)`);
    expect(rows).toHaveLength(1);
  });
});
