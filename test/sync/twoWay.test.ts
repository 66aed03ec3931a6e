/**
 * Two-way Notion ⇄ Postgres sync, end to end against the emulator, on PGlite and real Postgres:
 * field-level merge, conflicts, echoes, creates both ways, soft deletes both ways, valves.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runAll } from '../../src/engine/runAll.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { plain } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

describe.each(storeBackends())('two-way sync on %s', (kind) => {
  let store: Store;
  let h: TwoWayHarness;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await migrate(store);
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createTwoWayHarness(store);
  });
  afterEach(() => h.close());

  const sync = (name: string, opts = {}) => runTwoWay(h.ctx, h.ds(name), opts);
  const meetingPages = () => h.emulator.listPages(h.ids.meetingsDataSource);
  const row = async (table: string, pageId: string) => (await store.query(`SELECT * FROM ${table} WHERE notion_page_id = $1`, [pageId])).rows[0];
  const later = (ms = 10 * 60_000) => h.clock.advance(ms);
  const versions = async (table: string) => (await store.query(`SELECT id, xmin::text AS v FROM ${table} ORDER BY id`)).rows;

  it('creates rows for pages on the first sync and links relations (attendees → contacts, task → meeting)', async () => {
    const results = (await runAll(h.ctx, {})).filter((r) => r.status !== 'skipped');
    expect(results.map((r) => [r.dataset, r.status])).toEqual([
      ['contacts', 'success'],
      ['meetings', 'success'],
      ['tasks', 'success'],
      ['reflections', 'success'],
      ['journals', 'success'],
    ]);
    const page = meetingPages().find((p) => (p.properties.Attendees as any).relation.length > 1)!;
    const meeting = await row('meetings', page.id);
    expect(meeting.title).toBe(plain(page, 'Title'));
    const attendeePages: string[] = h.emulator.getPage(page.id)!.properties.Attendees.relation.map((r: any) => r.id);
    const { rows: contacts } = await store.query('SELECT id, notion_page_id FROM contacts WHERE id = ANY($1::uuid[])', [meeting.contact_ids]);
    expect(meeting.contact_ids.map((id: string) => contacts.find((c) => c.id === id)!.notion_page_id)).toEqual(attendeePages);
    const task = h.emulator.listPages(h.ids.tasksDataSource).find((p) => (p.properties.Meeting as any).relation.length === 1)!;
    const taskRow = await row('tasks', task.id);
    const linkedMeeting = await row('meetings', (h.emulator.getPage(task.id)!.properties.Meeting as any).relation[0].id);
    expect(taskRow.meeting_id).toBe(linkedMeeting.id);
  });

  it('a quiet dataset reads nothing on either side once its last writes are past the overlap (no re-reading all rows of a big initial sync)', async () => {
    // The clock lines up with the database's, so the rows' updated_at (set by the database) and the
    // engine's cursors speak of the same time.
    await h.close();
    h = await createTwoWayHarness(store, { clockStart: Date.now() });
    expect((await sync('journals')).status).toBe('success'); // full: writes every row
    const pages = h.emulator.listPages(h.ids.journalsDataSource);
    later(15 * 60_000);
    h.emulator.updatePage(pages[0]!.id, { Entry: { rich_text: [{ text: { content: 'edited in Notion' } }] } });
    await store.query(`UPDATE journals SET content = 'edited in Postgres' WHERE notion_page_id = $1`, [pages[1]!.id]);
    const carried = await sync('journals');
    expect(carried.updated).toBe(2);
    later(15 * 60_000);
    const echo = await sync('journals'); // re-reads its own writes of the last run once, writes nothing
    expect(echo.created + echo.updated + echo.deleted + echo.restored).toBe(0);
    later(15 * 60_000);
    h.emulator.resetCounts();
    const quiet = await sync('journals');
    expect(quiet.status).toBe('success');
    expect(quiet.unchanged).toBe(0); // no page and no row read, so none compared
    expect(h.emulator.requestCounts['POST /v1/data_sources/:id/query']).toBe(1);
    expect(h.emulator.totalRequests()).toBe(1);
  });

  it('carries relation edits made in Postgres to Notion: attendees (30, past the 25-item page limit) and a task’s meeting', async () => {
    await h.close();
    h = await createTwoWayHarness(store, { sample: { contacts: 40 } });
    await runAll(h.ctx, {});
    const meetingPage = meetingPages()[1]!;
    const m = await row('meetings', meetingPage.id);
    const { rows: people } = await store.query('SELECT id, notion_page_id FROM contacts ORDER BY name LIMIT 30');
    const taskPage = h.emulator.listPages(h.ids.tasksDataSource)[0]!;
    later();
    await store.query('UPDATE meetings SET contact_ids = $2::uuid[] WHERE id = $1', [m.id, people.map((c) => c.id)]);
    await store.query('UPDATE tasks SET meeting_id = $2 WHERE notion_page_id = $1', [taskPage.id, m.id]);
    const results = (await runAll(h.ctx, {})).filter((r) => r.status !== 'skipped');
    for (const r of results) expect(r.status).toBe('success');
    expect(h.emulator.getPage(meetingPage.id)!.properties.Attendees.relation.map((r: any) => r.id)).toEqual(people.map((c) => c.notion_page_id));
    expect(h.emulator.getPage(taskPage.id)!.properties.Meeting.relation.map((r: any) => r.id)).toEqual([meetingPage.id]);
    // …and read back whole from Notion (30 > 25) as the same ids: nothing to write next time.
    later();
    const again = await sync('meetings', { full: true });
    expect(again).toMatchObject({ status: 'success', updated: 0, created: 0 });
  });

  it('contacts: Postgres keeps every address, Notion holds the primary', async () => {
    await sync('contacts');
    const page = h.emulator.listPages(h.ids.contactsDataSource)[0]!;
    later();
    await store.query(`UPDATE contacts SET emails = array_append(emails, 'second@example.com') WHERE notion_page_id = $1`, [page.id]);
    const writes = h.notionWrites();
    await sync('contacts');
    expect(h.notionWrites()).toBe(writes); // the primary did not change: nothing to tell Notion
    later();
    h.emulator.updatePage(page.id, { Email: { email: 'new@example.com' } });
    await sync('contacts');
    expect((await row('contacts', page.id)).emails).toEqual(['new@example.com', 'second@example.com']);
  });

  it('contacts: a new page for a person already in Postgres (same email, other case) joins that row — never two records', async () => {
    await sync('contacts');
    const { rows } = await store.query(
      `INSERT INTO contacts (name, emails, phones, google_resource_name) VALUES ('Grace Hopper', ARRAY['Grace@Navy.MIL', 'grace@home.example'], ARRAY['+1 202 555 0147'], 'people/c1') RETURNING id`,
    );
    later();
    const page = h.emulator.createPage(h.ids.contactsDataSource, {
      Name: { title: [{ text: { content: 'Grace Hopper' } }] },
      Email: { email: 'grace@navy.mil' },
      Company: { rich_text: [{ text: { content: 'US Navy' } }] },
    });
    const r = await sync('contacts');
    expect(r.status).toBe('success');
    const { rows: graces } = await store.query(`SELECT * FROM contacts WHERE name = 'Grace Hopper'`);
    expect(graces).toHaveLength(1);
    expect(graces[0]).toMatchObject({ id: rows[0].id, notion_page_id: page.id, company: 'US Navy', google_resource_name: 'people/c1' });
    expect(graces[0].emails).toEqual(['Grace@Navy.MIL', 'grace@home.example']);
    // The phone only Postgres had reaches Notion, in E.164.
    expect(h.emulator.getPage(page.id)!.properties.Phone.phone_number).toBe('+12025550147');
  });

  it('a targeted run (webhook) syncs just the pages named, and leaves the cursors alone', async () => {
    await sync('journals');
    const [a, b] = h.emulator.listPages(h.ids.journalsDataSource);
    later();
    h.emulator.updatePage(a!.id, { Entry: { rich_text: [{ text: { content: 'targeted' } }] } });
    h.emulator.updatePage(b!.id, { Entry: { rich_text: [{ text: { content: 'not yet' } }] } });
    const state = async () => (await store.query(`SELECT key, value FROM sync_state WHERE key LIKE '%journals' ORDER BY key`)).rows;
    const before = await state();
    h.emulator.resetCounts();
    const r = await sync('journals', { pageIds: [a!.id] });
    expect(r).toMatchObject({ status: 'success', updated: 1 });
    expect(h.emulator.requestCounts).toEqual({ 'GET /v1/pages/:id': 1 });
    expect((await row('journals', a!.id)).content).toBe('targeted');
    expect((await row('journals', b!.id)).content).not.toBe('not yet');
    expect(await state()).toEqual(before);
    await sync('journals');
    expect((await row('journals', b!.id)).content).toBe('not yet');
  });

  it('a run for rows named by id (an app edit) reads their pages: an unsynced Notion edit merges, and one to the same field is a conflict, never overwritten unseen', async () => {
    await runAll(h.ctx, {});
    const [a, b] = meetingPages();
    later();
    // a: Notion edits Title, the app edits Summary → both survive.
    h.emulator.updatePage(a!.id, { Title: { title: [{ text: { content: 'Title from Notion' } }] } });
    // b: Notion edits Summary first, the app edits Summary later → a conflict, newer (Postgres) wins, logged.
    h.emulator.updatePage(b!.id, { Summary: { rich_text: [{ text: { content: 'summary from Notion' } }] } });
    later(2 * 60_000);
    await store.query(`UPDATE meetings SET summary = 'summary from the app' WHERE notion_page_id = ANY($1)`, [[a!.id, b!.id]]);
    const ids = (await store.query(`SELECT id FROM meetings WHERE notion_page_id = ANY($1) ORDER BY notion_page_id = $2 DESC`, [[a!.id, b!.id], a!.id])).rows.map((r) => r.id);
    h.emulator.resetCounts();
    const r = await sync('meetings', { recordIds: ids });
    expect(r.status).toBe('success');
    expect(h.emulator.requestCounts['GET /v1/pages/:id']).toBe(2);
    expect(plain(h.emulator.getPage(a!.id)!, 'Title')).toBe('Title from Notion');
    expect(plain(h.emulator.getPage(a!.id)!, 'Summary')).toBe('summary from the app');
    expect(await row('meetings', a!.id)).toMatchObject({ title: 'Title from Notion', summary: 'summary from the app' });
    expect(r.conflicts).toEqual([expect.objectContaining({ field: 'summary' })]);
    expect(JSON.stringify(r.conflicts)).toContain('summary from Notion');
    expect(plain(h.emulator.getPage(b!.id)!, 'Summary')).toBe('summary from the app');
  });

  it('keeps an edit to Title in Notion and an edit to Summary in Postgres of the same meeting: both survive on both sides', async () => {
    await runAll(h.ctx, {});
    const page = meetingPages()[2]!;
    later();
    h.emulator.updatePage(page.id, { Title: { title: [{ text: { content: 'Renamed in Notion' } }] } });
    await store.query(`UPDATE meetings SET summary = 'Rewritten in Postgres' WHERE notion_page_id = $1`, [page.id]);
    const r = await sync('meetings');
    expect(r).toMatchObject({ status: 'success', conflicts: [] });
    expect(r.writes).toMatchObject({ notion: { updated: 1 }, postgres: { updated: 1 } });
    const after = h.emulator.getPage(page.id)!;
    expect(plain(after, 'Title')).toBe('Renamed in Notion');
    expect(plain(after, 'Summary')).toBe('Rewritten in Postgres');
    expect(await row('meetings', page.id)).toMatchObject({ title: 'Renamed in Notion', summary: 'Rewritten in Postgres' });
  });

  it('resolves the same field edited on both sides newer-wins and logs the conflict with both values', async () => {
    await runAll(h.ctx, {});
    const [a, b] = meetingPages();
    later();
    // a: Notion first, Postgres two minutes later → Postgres is newer.
    h.emulator.updatePage(a!.id, { Summary: { rich_text: [{ text: { content: 'notion A' } }] } });
    // b: Postgres first, Notion two minutes later → Notion is newer.
    await store.query(`UPDATE meetings SET summary = 'postgres B' WHERE notion_page_id = $1`, [b!.id]);
    h.clock.advance(2 * 60_000);
    await store.query(`UPDATE meetings SET summary = 'postgres A', updated_at = $2 WHERE notion_page_id = $1`, [a!.id, new Date(h.clock.now())]);
    h.emulator.updatePage(b!.id, { Summary: { rich_text: [{ text: { content: 'notion B' } }] } });
    // Postgres's clock is the real one; pin b's Postgres edit time to before the Notion edit.
    await store.query(`UPDATE meetings SET updated_at = $2 WHERE notion_page_id = $1`, [b!.id, new Date(h.clock.now() - 2 * 60_000)]);
    const r = await sync('meetings');
    expect(r.status).toBe('success');
    expect(plain(h.emulator.getPage(a!.id)!, 'Summary')).toBe('postgres A');
    expect((await row('meetings', b!.id)).summary).toBe('notion B');
    const { rows } = await store.query(`SELECT details FROM sync_logs WHERE event_type = 'meetings_conflict' ORDER BY details->>'notion_value'`);
    expect(rows.map((x) => x.details)).toEqual([
      expect.objectContaining({ field: 'summary', notion_value: 'notion A', postgres_value: 'postgres A', winner: 'postgres', reason: 'newer' }),
      expect.objectContaining({ field: 'summary', notion_value: 'notion B', postgres_value: 'postgres B', winner: 'notion', reason: 'newer' }),
    ]);
  });

  it('applies the tie rule within the 5-second buffer: Notion by default, configurable', async () => {
    await runAll(h.ctx, {});
    const [a] = meetingPages();
    later();
    h.emulator.updatePage(a!.id, { Summary: { rich_text: [{ text: { content: 'tie notion' } }] } });
    await store.query(`UPDATE meetings SET summary = 'tie postgres', updated_at = $2 WHERE notion_page_id = $1`, [a!.id, new Date(h.clock.now() + 3_000)]);
    const r = await sync('meetings');
    expect(r.conflicts).toEqual([expect.objectContaining({ field: 'summary', winner: 'notion', reason: 'tie' })]);
    expect((await row('meetings', a!.id)).summary).toBe('tie notion');

    await h.close();
    h = await createTwoWayHarness(store, {});
    h.ctx.config.sync.tieWinner = 'postgres';
    later();
    h.emulator.updatePage(a!.id, { Summary: { rich_text: [{ text: { content: 'tie notion 2' } }] } });
    await store.query(`UPDATE meetings SET summary = 'tie postgres 2', updated_at = $2 WHERE notion_page_id = $1`, [a!.id, new Date(h.clock.now() + 2_000)]);
    const r2 = await sync('meetings');
    expect(r2.conflicts).toEqual([expect.objectContaining({ winner: 'postgres', reason: 'tie' })]);
    expect(plain(h.emulator.getPage(a!.id)!, 'Summary')).toBe('tie postgres 2');
  });

  it('makes zero writes in 20 incremental syncs after one round of changes (echoes are recognised by content)', async () => {
    await runAll(h.ctx, {});
    const [a, b] = meetingPages();
    later();
    h.emulator.updatePage(a!.id, { Title: { title: [{ text: { content: 'Edited in Notion' } }] } });
    await store.query(`UPDATE meetings SET summary = 'Edited in Postgres' WHERE notion_page_id = $1`, [b!.id]);
    await store.query(`INSERT INTO meetings (title, date) VALUES ('Born in Postgres', '2026-03-05T10:00:00Z')`);
    h.emulator.createPage(h.ids.meetingsDataSource, { Title: { title: [{ text: { content: 'Born in Notion' } }] } });
    const first = await runAll(h.ctx, {});
    expect(first.find((r) => r.dataset === 'meetings')).toMatchObject({ status: 'success', created: 2 });
    const notionWrites = h.notionWrites();
    const pgVersions = await versions('meetings');
    for (let i = 0; i < 20; i++) {
      h.clock.advance(15_000 + i * 7_000);
      const results = (await runAll(h.ctx, {})).filter((r) => r.status !== 'skipped');
      for (const r of results) expect([r.dataset, r.status, r.created, r.updated, r.deleted, r.restored]).toEqual([r.dataset, 'success', 0, 0, 0, 0]);
    }
    expect(h.notionWrites()).toBe(notionWrites);
    expect(await versions('meetings')).toEqual(pgVersions);
  });

  it('creates a page for a new row with its Supabase ID and writes the page id back', async () => {
    await sync('reflections');
    const { rows } = await store.query(`INSERT INTO reflections (title, date, content, mood) VALUES ('From Postgres 🐘', '2026-03-01', 'A thought', 'Calm') RETURNING id`);
    later();
    const r = await sync('reflections');
    expect(r.writes?.notion.created).toBe(1);
    const created = h.emulator.listPages(h.ids.reflectionsDataSource).filter((p) => plain(p, 'Supabase ID') === rows[0].id);
    expect(created).toHaveLength(1);
    expect(plain(created[0]!, 'Title')).toBe('From Postgres 🐘');
    expect((await store.query('SELECT notion_page_id FROM reflections WHERE id = $1', [rows[0].id])).rows[0].notion_page_id).toBe(created[0]!.id);
  });

  it.each(['create:marked', 'create:notion-accepted', 'create:recorded'])('never duplicates a page when the run dies at %s', async (point) => {
    await sync('reflections');
    const { rows } = await store.query(`INSERT INTO reflections (title, date) VALUES ('Crash test', '2026-03-01') RETURNING id`);
    later();
    h.ctx.failpoint = (name) => {
      if (name === point) throw new Error(`killed at ${name}`);
    };
    const crashed = await sync('reflections');
    expect(crashed.status).toBe('error');
    h.ctx.failpoint = undefined;
    later();
    const recovered = await sync('reflections');
    expect(recovered.status).toBe('success');
    later();
    await sync('reflections', { full: true });
    const pages = h.emulator.listPages(h.ids.reflectionsDataSource).filter((p) => plain(p, 'Supabase ID') === rows[0].id);
    expect(pages).toHaveLength(1);
    expect((await store.query('SELECT notion_page_id FROM reflections WHERE id = $1', [rows[0].id])).rows[0].notion_page_id).toBe(pages[0]!.id);
    expect((await store.query('SELECT count(*)::int AS n FROM reflections')).rows[0].n).toBe(h.emulator.listPages(h.ids.reflectionsDataSource).length);
  });

  it('never duplicates a page when Notion commits the create but the response is lost', async () => {
    await sync('reflections');
    const { rows } = await store.query(`INSERT INTO reflections (title, date) VALUES ('Lost response', '2026-03-01') RETURNING id`);
    later();
    h.emulator.setFaults({ rate: 1, statuses: [504], commitThenFail: true, only: /^POST \/v1\/pages$/ });
    const first = await sync('reflections');
    expect(first.status).toBe('error');
    h.emulator.setFaults(null);
    later();
    await sync('reflections');
    later();
    await sync('reflections', { full: true });
    expect(h.emulator.listPages(h.ids.reflectionsDataSource).filter((p) => plain(p, 'Supabase ID') === rows[0].id)).toHaveLength(1);
  });

  it('does not lose a Notion edit made in the same minute as the previous sync', async () => {
    await runAll(h.ctx, {});
    const page = h.emulator.listPages(h.ids.journalsDataSource)[0]!;
    h.clock.advance(10_000);
    h.emulator.updatePage(page.id, { Entry: { rich_text: [{ text: { content: 'same minute' } }] } });
    await sync('journals');
    expect((await row('journals', page.id)).content).toBe('same minute');
  });

  it('propagates soft deletes and restores both ways, never hard-deleting', async () => {
    await runAll(h.ctx, {});
    const [a, b] = h.emulator.listPages(h.ids.journalsDataSource);
    later();
    h.emulator.trashPage(a!.id, true);
    await store.query(`UPDATE journals SET deleted_at = now() WHERE notion_page_id = $1`, [b!.id]);
    const inc = await sync('journals');
    expect(inc.writes?.notion.deleted).toBe(1); // b's row deletion trashed its page
    expect(h.emulator.getPage(b!.id)!.in_trash).toBe(true);
    expect((await row('journals', a!.id)).deleted_at).toBeNull(); // a trashed page vanishes from queries…
    later();
    const full = await sync('journals', { full: true });
    expect(full.writes?.postgres.deleted).toBe(1); // …a full sync finds it
    expect((await row('journals', a!.id)).deleted_at).toBeInstanceOf(Date);
    later();
    h.emulator.trashPage(a!.id, false);
    await store.query(`UPDATE journals SET deleted_at = NULL WHERE notion_page_id = $1`, [b!.id]);
    const restore = await sync('journals');
    expect(restore.writes).toMatchObject({ notion: { restored: 1 }, postgres: { restored: 1 } });
    expect(h.emulator.getPage(b!.id)!.in_trash).toBe(false);
    expect((await row('journals', a!.id)).deleted_at).toBeNull();
    expect((await store.query('SELECT count(*)::int AS n FROM journals')).rows[0].n).toBe(h.emulator.listPages(h.ids.journalsDataSource).length);
  });

  it.each([
    ['empty', 'empty' as const, /Safety valve triggered: Notion has 0 records/],
    ['half-empty', { truncateTo: 6 }, /Deletion valve triggered: this run would delete 6 of 12/],
  ])('aborts when the data source comes back %s, deleting nothing on either side', async (_name, mode, message) => {
    h = await (async () => {
      await h.close();
      return createTwoWayHarness(store, { sample: { contacts: 12 } });
    })();
    await sync('contacts');
    h.ctx.config.sync.deletionValveMinimum = 0;
    const before = (await store.query('SELECT * FROM contacts ORDER BY id')).rows;
    h.emulator.setQueryOverride(h.ids.contactsDataSource, mode);
    h.emulator.resetCounts();
    later();
    const r = await sync('contacts', { full: true });
    expect(r.status).toBe('aborted');
    expect(r.message).toMatch(message);
    expect(h.notionWrites()).toBe(0);
    expect((await store.query('SELECT * FROM contacts ORDER BY id')).rows).toEqual(before);
    expect(h.emulator.listPages(h.ids.contactsDataSource).every((p) => !p.in_trash)).toBe(true);
  });

  it('the deletion valve stops a mass soft-delete in Postgres unless forced', async () => {
    await sync('journals');
    await store.query(`UPDATE journals SET deleted_at = now()`);
    h.ctx.config.sync.deletionValveMinimum = 0;
    later();
    const r = await sync('journals');
    expect(r.status).toBe('aborted');
    expect(h.emulator.listPages(h.ids.journalsDataSource).some((p) => p.in_trash)).toBe(false);
    const forced = await sync('journals', { force: true });
    expect(forced.status).toBe('success');
    expect(h.emulator.listPages(h.ids.journalsDataSource).every((p) => p.in_trash)).toBe(true);
  });

  it('logs a record that breaks a Notion limit with a clear message while the others sync', async () => {
    await runAll(h.ctx, {});
    const [a, b, c] = h.emulator.listPages(h.ids.tasksDataSource);
    later();
    await store.query(`UPDATE tasks SET notes = repeat('x', 200001) WHERE notion_page_id = $1`, [a!.id]);
    await store.query(`UPDATE tasks SET status = 'Someday maybe' WHERE notion_page_id = $1`, [b!.id]);
    await store.query(`UPDATE tasks SET title = 'Fine edit' WHERE notion_page_id = $1`, [c!.id]);
    const r = await sync('tasks');
    expect(r.status).toBe('error');
    expect(r.errors.map((e) => e.error).join('\n')).toMatch(/Notes.*200,?000|200001/);
    expect(r.errors.map((e) => e.error).join('\n')).toMatch(/Someday maybe/);
    expect(r.errors).toHaveLength(2);
    expect(plain(h.emulator.getPage(c!.id)!, 'Name')).toBe('Fine edit');
    const { rows } = await store.query(`SELECT count(*)::int AS n FROM jarvis_sync.sync_failures WHERE dataset = 'tasks'`);
    expect(rows[0].n).toBe(2);
    // Fixed in Postgres: the next run retries them and they land.
    await store.query(`UPDATE tasks SET notes = 'short', status = 'Done' WHERE notion_page_id = ANY($1)`, [[a!.id, b!.id]]);
    later();
    const again = await sync('tasks');
    expect(again).toMatchObject({ status: 'success', errors: [] });
    expect(plain(h.emulator.getPage(a!.id)!, 'Notes')).toBe('short');
  });

  it('re-reads and retries on a Notion 409 conflict_error', async () => {
    await sync('reflections');
    const [a] = h.emulator.listPages(h.ids.reflectionsDataSource);
    later();
    await store.query(`UPDATE reflections SET content = 'after conflict' WHERE notion_page_id = $1`, [a!.id]);
    h.emulator.setFaults({ rate: 1, statuses: [409], only: /^PATCH \/v1\/pages\/:id$/ });
    let calls = 0;
    const original = h.ctx.notion.updatePage;
    h.ctx.notion.updatePage = async (...args) => {
      if (++calls === 2) h.emulator.setFaults(null);
      return original(...args);
    };
    const r = await sync('reflections');
    expect(r.status).toBe('success');
    expect(calls).toBe(2);
    expect(plain(h.emulator.getPage(a!.id)!, 'Content')).toBe('after conflict');
  });

  it('--dry-run shows creates, per-field updates with direction, and conflicts, and changes nothing', async () => {
    await runAll(h.ctx, {});
    const [a, b] = meetingPages();
    later();
    h.emulator.updatePage(a!.id, { Title: { title: [{ text: { content: 'dry notion' } }] } });
    await store.query(`UPDATE meetings SET title = 'dry postgres' WHERE notion_page_id = $1`, [a!.id]);
    await store.query(`UPDATE meetings SET summary = 'dry summary' WHERE notion_page_id = $1`, [b!.id]);
    await store.query(`INSERT INTO meetings (title) VALUES ('dry new')`);
    const snapshot = async () => ({ rows: (await store.query('SELECT * FROM meetings ORDER BY id')).rows, logs: (await store.query('SELECT count(*)::int AS n FROM sync_logs')).rows[0].n, links: (await store.query('SELECT * FROM jarvis_sync.sync_links ORDER BY record_id')).rows });
    const before = await snapshot();
    const writes = h.notionWrites();
    const r = await sync('meetings', { dryRun: true });
    expect(r.plan).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'create-in-notion' }),
        expect.objectContaining({ pageId: b!.id, toNotion: [{ field: 'summary', from: expect.anything(), to: 'dry summary' }], toPostgres: [] }),
        expect.objectContaining({ pageId: a!.id, conflicts: [expect.objectContaining({ field: 'title', notion: 'dry notion', postgres: 'dry postgres' })] }),
      ]),
    );
    expect(await snapshot()).toEqual(before);
    expect(h.notionWrites()).toBe(writes);
  });
});
