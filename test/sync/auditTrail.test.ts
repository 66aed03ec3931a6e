/**
 * The per-record audit trail (issue 13, point 6): one sync_logs row per record a run changed, on
 * each side, named verb_side_entity, with the record's ids and the names of the fields changed,
 * linked to the run's summary row by run_id; written one statement per batch whatever the number
 * of records; nothing on dry runs.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCalendar } from '../../src/engine/google/runCalendar.ts';
import { runDatasetSteps } from '../../src/engine/runAll.ts';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import type { Sql, Store } from '../../src/store/types.ts';
import { createGoogleHarness } from '../helpers/googleHarness.ts';
import { createHarness, dataset } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness } from '../helpers/twoWayHarness.ts';

interface ChangeRow {
  event_type: string;
  run_id: string;
  dataset: string;
  record_id: string | null;
  notion_page_id: string | null;
  google_id: string | null;
  changed_fields: string[];
  status: string;
}

/** A store that records the text of every statement sent through it, transactions included. */
function recording(store: Store): { store: Store; texts: string[] } {
  const texts: string[] = [];
  const wrap = (sql: Sql): Sql => ({
    query: (text: string, params?: unknown[]) => {
      texts.push(text);
      return sql.query(text, params);
    },
    transaction: (fn) => sql.transaction((tx) => fn(wrap(tx))),
    ...(sql.exec ? { exec: (script: string) => sql.exec!(script) } : {}),
  }) as Sql;
  const wrapped = wrap(store);
  return {
    texts,
    store: Object.assign(wrapped, { kind: store.kind, close: () => store.close(), get statementCount() { return store.statementCount; } }) as unknown as Store,
  };
}

const LOG_INSERT = /INSERT INTO jarvis_sync\.sync_logs/;

describe.each(storeBackends())('audit trail on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(() => resetTables(store));

  /** The run's summary row id: the newest `<dataset>_sync` row. */
  const lastRunId = async (dataset: string) =>
    (await store.query<{ id: string }>(`SELECT id FROM jarvis_sync.sync_logs WHERE event_type = $1 ORDER BY created_at DESC, start_time DESC LIMIT 1`, [`${dataset}_sync`])).rows[0]!.id;
  const changesOf = async (runId: string) =>
    (
      await store.query<ChangeRow>(
        `SELECT event_type, run_id, dataset, record_id::text, notion_page_id, google_id, changed_fields, status
           FROM public.sync_logs WHERE run_id = $1 AND changed_fields IS NOT NULL ORDER BY event_type, record_id`,
        [runId],
      )
    ).rows;

  describe('two-way', () => {
    let h: Awaited<ReturnType<typeof createTwoWayHarness>>;
    beforeEach(async () => {
      // The clock lines up with the database's, so incremental windows see the rows edited below.
      h = await createTwoWayHarness(store, { clockStart: Date.now(), sample: { contacts: 0, meetings: 0, tasks: 0, reflections: 0, journals: 4 } });
    });
    afterEach(() => h.close());
    const sync = (opts = {}) => runTwoWay(h.ctx, h.ds('journals'), opts);

    it('a first run logs one create_supabase_journal per page, with both ids, linked to the run’s summary row', async () => {
      const r = await sync();
      expect(r).toMatchObject({ status: 'success', created: 4 });
      const runId = await lastRunId('journals');
      const changes = await changesOf(runId);
      const { rows } = await store.query<{ id: string; notion_page_id: string }>('SELECT id::text, notion_page_id FROM journals ORDER BY id');
      expect(changes).toHaveLength(4);
      expect(changes.map((c) => [c.record_id, c.notion_page_id])).toEqual(rows.map((row) => [row.id, row.notion_page_id]));
      for (const c of changes) {
        expect(c).toMatchObject({ event_type: 'create_supabase_journal', run_id: runId, dataset: 'journals', status: 'success', google_id: null });
        expect(c.changed_fields).toEqual(expect.arrayContaining(['title', 'content']));
      }
      // The summary row carries its own id as run_id: `WHERE run_id = …` is the whole run.
      const { rows: summary } = await store.query(`SELECT run_id::text, dataset FROM jarvis_sync.sync_logs WHERE id = $1`, [runId]);
      expect(summary[0]).toEqual({ run_id: runId, dataset: 'journals' });
    });

    it('changes in both directions: updates (the fields that changed), a create and a soft delete in Notion', async () => {
      await sync();
      const pages = h.emulator.listPages(h.ids.journalsDataSource);
      h.clock.advance(15 * 60_000);
      h.emulator.updatePage(pages[0]!.id, { Entry: { rich_text: [{ text: { content: 'edited in Notion' } }] } });
      await store.query(`UPDATE journals SET title = 'edited in Postgres', tags = ARRAY['x'] WHERE notion_page_id = $1`, [pages[1]!.id]);
      await store.query(`UPDATE journals SET deleted_at = now() WHERE notion_page_id = $1`, [pages[2]!.id]);
      const { rows: born } = await store.query<{ id: string }>(`INSERT INTO journals (title, content) VALUES ('born in Postgres', 'hello') RETURNING id::text`);
      const r = await sync();
      expect(r.status).toBe('success');
      const changes = await changesOf(await lastRunId('journals'));
      const id = async (pageId: string) => (await store.query<{ id: string }>('SELECT id::text FROM journals WHERE notion_page_id = $1', [pageId])).rows[0]!.id;
      const created = (await store.query<{ notion_page_id: string }>('SELECT notion_page_id FROM journals WHERE id = $1', [born[0]!.id])).rows[0]!.notion_page_id;
      expect(changes.map(({ event_type, record_id, notion_page_id, changed_fields }) => ({ event_type, record_id, notion_page_id, changed_fields: [...changed_fields].sort() }))).toEqual(
        [
          { event_type: 'create_notion_journal', record_id: born[0]!.id, notion_page_id: created, changed_fields: ['content', 'date', 'tags', 'title'] },
          { event_type: 'soft_delete_notion_journal', record_id: await id(pages[2]!.id), notion_page_id: pages[2]!.id, changed_fields: [] },
          { event_type: 'update_notion_journal', record_id: await id(pages[1]!.id), notion_page_id: pages[1]!.id, changed_fields: ['tags', 'title'] },
          { event_type: 'update_supabase_journal', record_id: await id(pages[0]!.id), notion_page_id: pages[0]!.id, changed_fields: ['content'] },
        ].sort((a, b) => a.event_type.localeCompare(b.event_type) || String(a.record_id).localeCompare(String(b.record_id))),
      );
      // The run's summary row counts exactly these writes.
      expect(r.writes).toMatchObject({ notion: { created: 1, updated: 1, deleted: 1 }, postgres: { updated: 1 } });
    });

    it('a dry run writes no change row', async () => {
      await sync({ dryRun: true });
      expect((await store.query(`SELECT count(*)::int AS n FROM jarvis_sync.sync_logs`)).rows[0].n).toBe(0);
    });

    it('one sync_logs statement per batch, whatever the number of records (no round trip per record)', async () => {
      const statementsFor = async (journals: number) => {
        await resetTables(store);
        const rec = recording(store);
        const hh = await createTwoWayHarness(rec.store, { clockStart: Date.now(), sample: { contacts: 0, meetings: 0, tasks: 0, reflections: 0, journals } });
        try {
          const r = await runTwoWay(hh.ctx, hh.ds('journals'));
          expect(r).toMatchObject({ status: 'success', created: journals });
        } finally {
          await hh.close();
        }
        const runId = await lastRunId('journals');
        expect(await changesOf(runId)).toHaveLength(journals);
        return { total: rec.texts.length, logInserts: rec.texts.filter((t) => LOG_INSERT.test(t)).length };
      };
      const few = await statementsFor(2);
      const many = await statementsFor(40);
      expect(many).toEqual(few);
      expect(many.logInserts).toBe(2); // the batch's change rows, then the run's summary
    });
  });

  describe('one-way', () => {
    it('logs create, update (fields) and soft delete of the Postgres rows, keyed by Notion page; statements do not grow with pages', async () => {
      const statementsFor = async (books: number) => {
        await resetTables(store);
        const rec = recording(store);
        const h = await createHarness(rec.store, { books, highlightsPerBook: 0, firstBookHighlights: 0 });
        try {
          const r = await runOneWay(h.ctx, dataset(h, 'books'));
          expect(r).toMatchObject({ status: 'success', created: books });
          const changes = await changesOf(await lastRunId('books'));
          expect(changes).toHaveLength(books);
          const { rows } = await store.query<{ id: string; notion_page_id: string }>('SELECT id::text, notion_page_id FROM books');
          for (const c of changes) {
            expect(c.event_type).toBe('create_supabase_book');
            expect(rows.find((row) => row.notion_page_id === c.notion_page_id)?.id).toBe(c.record_id);
          }
          const total = rec.texts.length;
          const logInserts = rec.texts.filter((t) => LOG_INSERT.test(t)).length;

          // Then an edit and a trashed page.
          const pages = h.emulator.listPages(h.ids.booksDataSource);
          h.clock.advance(10 * 60_000);
          h.emulator.updatePage(pages[0]!.id, { Author: { rich_text: [{ text: { content: 'Someone Else' } }] } });
          h.emulator.trashPage(pages[1]!.id);
          const again = await runOneWay(h.ctx, dataset(h, 'books'), { full: true });
          expect(again).toMatchObject({ status: 'success', updated: 1, deleted: 1 });
          const next = await changesOf(await lastRunId('books'));
          const idOf = (pageId: string) => rows.find((row) => row.notion_page_id === pageId)!.id;
          expect(next.map(({ event_type, record_id, notion_page_id, changed_fields }) => ({ event_type, record_id, notion_page_id, changed_fields }))).toEqual([
            { event_type: 'soft_delete_supabase_book', record_id: idOf(pages[1]!.id), notion_page_id: pages[1]!.id, changed_fields: [] },
            { event_type: 'update_supabase_book', record_id: idOf(pages[0]!.id), notion_page_id: pages[0]!.id, changed_fields: ['author'] },
          ]);
          return { total, logInserts };
        } finally {
          await h.close();
        }
      };
      const few = await statementsFor(3);
      const many = await statementsFor(30);
      expect(many).toEqual(few);
      expect(many.logInserts).toBe(2);
    });
  });

  describe('Google', () => {
    it('contacts: the Google step logs its Postgres and Google writes with the resource name; the Notion step carries them on', async () => {
      const h = await createGoogleHarness(store);
      try {
        await runDatasetSteps(h.ctx, h.ds('contacts'));
        const first = await changesOf(await lastRunId('contacts_google'));
        const { rows } = await store.query<{ id: string; google_resource_name: string }>('SELECT id::text, google_resource_name FROM contacts WHERE google_resource_name IS NOT NULL');
        expect(first.length).toBe(rows.length);
        for (const c of first) {
          expect(c.event_type).toMatch(/^(create|update)_supabase_contact$/);
          expect(c.dataset).toBe('contacts_google');
          expect(rows.find((r) => r.google_resource_name === c.google_id)?.id).toBe(c.record_id);
        }
        const variant = h.sample.caseVariant!;
        const row = rows.find((r) => r.google_resource_name === variant.resourceName)!;
        h.clock.advance(10 * 60_000);
        h.google.people.updatePerson(variant.resourceName, { phoneNumbers: [{ value: '+1 415 555 0199' }] });
        h.clock.advance(10 * 60_000); // People's sync listing shows a write once it has propagated
        await store.query(`UPDATE contacts SET emails = array_append(emails, 'added-in-postgres@example.com') WHERE id = $1`, [row.id]);
        const results = await runDatasetSteps(h.ctx, h.ds('contacts'));
        for (const r of results) expect(r.status).toBe('success');
        const leg = await changesOf(await lastRunId('contacts_google'));
        expect(leg.map(({ event_type, record_id, google_id, changed_fields }) => ({ event_type, record_id, google_id, changed_fields }))).toEqual([
          { event_type: 'update_google_contact', record_id: row.id, google_id: variant.resourceName, changed_fields: ['emails'] },
          { event_type: 'update_supabase_contact', record_id: row.id, google_id: variant.resourceName, changed_fields: ['phones'] },
        ]);
        // The last contacts step (Postgres → Notion) logs the phone reaching Notion (its field there: the primary `phone`).
        const notion = await changesOf(await lastRunId('contacts'));
        expect(notion).toEqual([expect.objectContaining({ event_type: 'update_notion_contact', record_id: row.id, changed_fields: ['phone'] })]); // Notion holds the primary phone
      } finally {
        await h.close();
      }
    });

    it('calendar: create_supabase_calendar_event per event with its Google id; a cancelled event soft-deletes', async () => {
      const h = await createGoogleHarness(store);
      try {
        const r = await runCalendar(h.ctx, h.ds('calendar'));
        expect(r.status).toBe('success');
        const changes = await changesOf(await lastRunId('calendar'));
        expect(changes).toHaveLength(r.created);
        const { rows } = await store.query<{ id: string; google_event_id: string }>('SELECT id::text, google_event_id FROM calendar_events');
        for (const c of changes) {
          expect(c).toMatchObject({ event_type: 'create_supabase_calendar_event', dataset: 'calendar', notion_page_id: null });
          expect(rows.find((row) => row.google_event_id === c.google_id)?.id).toBe(c.record_id);
        }
        h.clock.advance(60_000);
        h.google.calendar.cancelEvent('primary', h.sample.ids.tripEventId);
        await runCalendar(h.ctx, h.ds('calendar'));
        expect(await changesOf(await lastRunId('calendar'))).toEqual([
          expect.objectContaining({ event_type: 'soft_delete_supabase_calendar_event', google_id: h.sample.ids.tripEventId, record_id: rows.find((row) => row.google_event_id === h.sample.ids.tripEventId)!.id }),
        ]);
      } finally {
        await h.close();
      }
    });
  });
});
