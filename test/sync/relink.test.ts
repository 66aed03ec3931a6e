/**
 * Full runs rebuild lost links before planning any create (issue 13, point 1): a row whose
 * notion_page_id was cleared gets its page back from sync_links, else from the page's row-id
 * property, else (contacts) by email, then phone; what more than one row or page could claim is
 * reported and nothing is created for it. Against the Notion emulator, on PGlite and Postgres.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { printResult } from '../../src/cli/output.ts';
import { resultsToJson } from '../../src/engine/result.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import type { TwoWayEntry } from '../../src/engine/planTwoWay.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

const TWO_WAY = [
  ['contacts', 'contacts', 'contactsDataSource'],
  ['meetings', 'meetings', 'meetingsDataSource'],
  ['tasks', 'tasks', 'tasksDataSource'],
  ['reflections', 'reflections', 'reflectionsDataSource'],
  ['journals', 'journals', 'journalsDataSource'],
] as const;

describe.each(storeBackends())('relinking on full runs on %s', (kind) => {
  let store: Store;
  let h: TwoWayHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createTwoWayHarness(store);
  });
  afterEach(() => h.close());

  const sync = (name: string, opts = {}) => runTwoWay(h.ctx, h.ds(name), opts);
  const later = (ms = 10 * 60_000) => h.clock.advance(ms);
  const rowOf = async (table: string, pageId: string) => (await store.query(`SELECT * FROM ${table} WHERE notion_page_id = $1`, [pageId])).rows[0];
  const count = async (table: string) => Number((await store.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n);
  const clearLink = (table: string, id: string) => store.query(`UPDATE ${table} SET notion_page_id = NULL WHERE id = $1`, [id]);
  const forgetLedger = (dataset: string, id: string) => store.query(`DELETE FROM jarvis_sync.sync_links WHERE dataset = $1 AND record_id = $2`, [dataset, id]);
  const creates = (plan: unknown[] | undefined) => (plan as TwoWayEntry[] | undefined ?? []).filter((e) => e.action === 'create-in-notion' || e.action === 'create-in-postgres');

  it('sync_links: a journal whose notion_page_id was cleared is neither a new row nor a new page; the dry run says so and writes nothing', async () => {
    await sync('journals');
    const page = h.emulator.listPages(h.ids.journalsDataSource)[0]!;
    const row = await rowOf('journals', page.id);
    await clearLink('journals', row.id);
    later();
    const dry = await sync('journals', { full: true, dryRun: true });
    expect(creates(dry.plan)).toEqual([]);
    expect(dry.created).toBe(0);
    expect(dry.relinked).toEqual([{ recordId: row.id, pageId: page.id, source: 'sync_links' }]);
    expect((await store.query('SELECT notion_page_id FROM journals WHERE id = $1', [row.id])).rows[0].notion_page_id).toBeNull();
    // `sync journals --full --dry-run` says so, on the terminal and in --json.
    const lines: string[] = [];
    printResult(dry, (l) => lines.push(l));
    expect(lines).toContain(`  ↺ link would be rebuilt: row ${row.id} ↔ page ${page.id} (from sync_links)`);
    expect(lines.some((l) => l.includes('+ create'))).toBe(false);
    expect(resultsToJson([dry]).datasets[0]).toMatchObject({ created: 0, relinked: [{ record_id: row.id, notion_page_id: page.id, source: 'sync_links' }] });

    const pagesBefore = h.emulator.listPages(h.ids.journalsDataSource).length;
    const rowsBefore = await count('journals');
    const r = await sync('journals', { full: true });
    expect(r.status).toBe('success');
    expect(r.created).toBe(0);
    expect(r.relinked).toEqual([{ recordId: row.id, pageId: page.id, source: 'sync_links' }]);
    expect((await rowOf('journals', page.id)).id).toBe(row.id);
    expect(await count('journals')).toBe(rowsBefore);
    expect(h.emulator.listPages(h.ids.journalsDataSource)).toHaveLength(pagesBefore);
  });

  it('row-id property: with the ledger entry gone too, the page naming the row in "Supabase ID" gets it back, and the pair is recorded again', async () => {
    await sync('reflections');
    const page = h.emulator.listPages(h.ids.reflectionsDataSource)[2]!;
    const row = await rowOf('reflections', page.id);
    h.emulator.updatePage(page.id, { 'Supabase ID': { rich_text: [{ text: { content: row.id } }] } });
    later();
    await sync('reflections');
    await clearLink('reflections', row.id);
    await forgetLedger('reflections', row.id);
    later();
    const rowsBefore = await count('reflections');
    const pagesBefore = h.emulator.listPages(h.ids.reflectionsDataSource).length;
    const r = await sync('reflections', { full: true });
    expect(r.created).toBe(0);
    expect(r.relinked).toEqual([{ recordId: row.id, pageId: page.id, source: 'row_id' }]);
    expect((await rowOf('reflections', page.id)).id).toBe(row.id);
    expect(await count('reflections')).toBe(rowsBefore);
    expect(h.emulator.listPages(h.ids.reflectionsDataSource)).toHaveLength(pagesBefore);
    const { rows: links } = await store.query(`SELECT notion_page_id, base FROM jarvis_sync.sync_links WHERE dataset = 'reflections' AND record_id = $1`, [row.id]);
    expect(links).toEqual([expect.objectContaining({ notion_page_id: page.id, base: expect.any(Object) })]);
  });

  it('natural keys, contacts: by email (another case), else by phone (another format), when neither the ledger nor the page knows the row', async () => {
    await sync('contacts');
    const [byEmail, byPhone] = h.emulator.listPages(h.ids.contactsDataSource);
    const emailRow = await rowOf('contacts', byEmail!.id);
    const phoneRow = await rowOf('contacts', byPhone!.id);
    // The rows hold the addresses as an app would have written them; the phone page has no email.
    await store.query(`UPDATE contacts SET emails = ARRAY[upper(emails[1])] WHERE id = $1`, [emailRow.id]);
    await store.query(`UPDATE contacts SET emails = '{}', phones = ARRAY['+1 (202) 555-0188'] WHERE id = $1`, [phoneRow.id]);
    later();
    h.emulator.updatePage(byPhone!.id, { Email: { email: null }, Phone: { phone_number: '+12025550188' } });
    await sync('contacts', { full: true });
    later();
    for (const row of [emailRow, phoneRow]) {
      await clearLink('contacts', row.id);
      await forgetLedger('contacts', row.id);
    }
    const r = await sync('contacts', { full: true });
    expect(r.created).toBe(0);
    expect(new Set(r.relinked)).toEqual(
      new Set([
        { recordId: emailRow.id, pageId: byEmail!.id, source: 'email' },
        { recordId: phoneRow.id, pageId: byPhone!.id, source: 'phone' },
      ]),
    );
    expect((await rowOf('contacts', byEmail!.id)).id).toBe(emailRow.id);
    expect((await rowOf('contacts', byPhone!.id)).id).toBe(phoneRow.id);
    expect(await count('contacts')).toBe(h.emulator.listPages(h.ids.contactsDataSource).length);
  });

  it('ambiguity is reported, never guessed: a page the ledger gives one row and another row holds, a row two pages name, a page with the email of two rows — nothing created for them', async () => {
    await sync('journals');
    await sync('reflections');
    await sync('contacts');
    // The ledger pairs a journal with a page that a copy of the row (an app's doing) now holds.
    const journal = h.emulator.listPages(h.ids.journalsDataSource)[0]!;
    const original = await rowOf('journals', journal.id);
    await clearLink('journals', original.id);
    const { rows: copy } = await store.query(`INSERT INTO journals (title, date, content, notion_page_id) SELECT title, date, content, $2 FROM journals WHERE id = $1 RETURNING id`, [original.id, journal.id]);
    // Two pages name one reflection in "Supabase ID" (a page duplicated in Notion), and the ledger forgot the row.
    const reflection = h.emulator.listPages(h.ids.reflectionsDataSource)[0]!;
    const lost = await rowOf('reflections', reflection.id);
    h.emulator.updatePage(reflection.id, { 'Supabase ID': { rich_text: [{ text: { content: lost.id } }] } });
    const other = h.emulator.createPage(h.ids.reflectionsDataSource, { ...h.emulator.getPage(reflection.id)!.properties });
    await clearLink('reflections', lost.id);
    await forgetLedger('reflections', lost.id);
    // A contact page whose email two unlinked rows hold.
    const contact = h.emulator.listPages(h.ids.contactsDataSource)[0]!;
    const person = await rowOf('contacts', contact.id);
    await clearLink('contacts', person.id);
    await forgetLedger('contacts', person.id);
    const { rows: twin } = await store.query(`INSERT INTO contacts (name, emails) SELECT name || ' (work)', emails FROM contacts WHERE id = $1 RETURNING id`, [person.id]);
    later();
    const before = async () => ({
      journals: [await count('journals'), h.emulator.listPages(h.ids.journalsDataSource).length],
      reflections: [await count('reflections'), h.emulator.listPages(h.ids.reflectionsDataSource).length],
      contacts: [await count('contacts'), h.emulator.listPages(h.ids.contactsDataSource).length],
    });
    const counts = await before();

    const j = await sync('journals', { full: true });
    expect(j.relinked).toBeUndefined();
    expect(j.ambiguousLinks).toEqual([{ reason: expect.stringContaining(`which row ${copy[0].id} now holds`), recordIds: [original.id], pageIds: [] }]);
    expect(j.warnings.join('\n')).toMatch(/link not rebuilt \(ambiguous/);
    expect(j.created).toBe(0);
    const r = await sync('reflections', { full: true });
    expect(r.ambiguousLinks).toEqual([{ reason: expect.stringContaining(`all name row ${lost.id}`), recordIds: [lost.id], pageIds: expect.arrayContaining([reflection.id, other.id]) }]);
    expect(r.created).toBe(0);
    const c = await sync('contacts', { full: true });
    expect(c.ambiguousLinks).toEqual([{ reason: expect.stringMatching(/has the email of rows/), recordIds: expect.arrayContaining([person.id, twin[0].id]), pageIds: [contact.id] }]);
    expect(c.created).toBe(0);

    expect(await before()).toEqual(counts);
    const { rows: held } = await store.query(`SELECT id FROM journals WHERE id = $1 AND notion_page_id IS NULL`, [original.id]);
    expect(held).toHaveLength(1);
    // Reported in sync_logs too, as warnings of the run.
    const { rows: logged } = await store.query(`SELECT message FROM sync_logs WHERE event_type = 'journals_record' AND status = 'warning'`);
    expect(logged.map((l) => l.message).join('\n')).toContain(journal.id);
  });

  it('acceptance: notion_page_id cleared on rows of every two-way dataset — a full run leaves 0 duplicates on either side', async () => {
    await runAll(h.ctx, {});
    later();
    const before: Record<string, { rows: number; pages: number }> = {};
    for (const [name, table, dataSource] of TWO_WAY) {
      before[name] = { rows: await count(table), pages: h.emulator.listPages(h.ids[dataSource]).length };
      expect(before[name]!.rows).toBe(before[name]!.pages);
      // Every other row loses its link; every fourth loses its ledger entry as well (contacts: found by email).
      const { rows } = await store.query(`SELECT id FROM ${table} ORDER BY id`);
      for (const [i, r] of rows.entries()) {
        if (i % 2) continue;
        await clearLink(table, r.id);
        if (name === 'contacts' && i % 4 === 0) await forgetLedger(name, r.id);
      }
    }
    const results = (await runAll(h.ctx, { full: true })).filter((r) => r.status !== 'skipped');
    expect(results.map((r) => [r.dataset, r.status, r.created])).toEqual(TWO_WAY.map(([name]) => [name, 'success', 0]));
    for (const [name, table, dataSource] of TWO_WAY) {
      const pages = h.emulator.listPages(h.ids[dataSource]);
      expect({ name, rows: await count(table), pages: pages.length }).toEqual({ name, ...before[name] });
      const { rows: linked } = await store.query(`SELECT count(DISTINCT notion_page_id)::int AS n FROM ${table} WHERE notion_page_id = ANY($1::text[])`, [pages.map((p) => p.id)]);
      expect({ name, linked: linked[0].n }).toEqual({ name, linked: pages.length });
    }
  });
});
