/**
 * Bad input arriving from Postgres (two-way datasets, written to Notion): texts past Notion's
 * limits, options Notion refuses, too many relations, impossible dates, hostile text. Each case
 * edits or inserts its own rows after a first full sync, usually next to a harmless "companion"
 * edit of another record of the same dataset that must reach Notion in the same run; the test file
 * then checks that every record the case did not touch agrees on both sides.
 */
import { expect } from 'vitest';
import type { RunResult } from '../../src/engine/result.ts';
import type { Store } from '../../src/store/types.ts';
import { plain } from '../helpers/harness.ts';
import type { TwoWayHarness } from '../helpers/twoWayHarness.ts';
import { expectRecordErrors, HOSTILE, textOf, type CorpusArea, type CorpusCase } from './support.ts';

export interface PgCtx {
  h: TwoWayHarness;
  store: Store;
  /** Record ids whose outcome the case asserts itself. */
  hostile: Set<string>;
  sync(dataset: string): Promise<RunResult>;
  /** A record of `table` (the n-th by title) that is linked to a page; marked hostile. */
  pick(table: string, n?: number): Promise<{ id: string; pageId: string }>;
  /** UPDATE of one row (columns are fixed names in the cases; values are parameters). */
  update(table: string, id: string, values: Record<string, unknown>): Promise<void>;
  /** INSERT of a new row; returns its id (marked hostile). */
  insert(table: string, values: Record<string, unknown>): Promise<string>;
  /** Edits another record of `table` harmlessly; the runner checks the edit reached Notion. */
  companion(table: string): Promise<void>;
  row(table: string, id: string): Promise<Record<string, any>>;
  page(pageId: string): ReturnType<TwoWayHarness['emulator']['getPage']>;
  pageOfRow(table: string, id: string): Promise<NonNullable<ReturnType<TwoWayHarness['emulator']['getPage']>>>;
}

export type PgCase = CorpusCase<PgCtx> & {
  /** Sample workspace sizes for this case (default: a few records per dataset). */
  sample?: { contacts?: number; meetings?: number; tasks?: number; reflections?: number; journals?: number };
};

const text = (page: { properties: Record<string, any> } | undefined, name: string) => plain(page!, name);

/** The edit is refused for this record only: the page keeps its old value, the row keeps the new one, retried next run. */
function refusedEdit(id: string, input: string, table: string, column: string, value: unknown, property: string, pattern: RegExp, outcome: string, stored: unknown = value): PgCase {
  return {
    id,
    input,
    outcome,
    async run(ctx) {
      const rec = await ctx.pick(table);
      const before = JSON.stringify(ctx.page(rec.pageId)!.properties[property]);
      await ctx.update(table, rec.id, { [column]: value });
      await ctx.companion(table);
      const r = await ctx.sync(table);
      expectRecordErrors(r, { [rec.id]: pattern });
      expect(JSON.stringify(ctx.page(rec.pageId)!.properties[property])).toBe(before);
      expect((await ctx.row(table, rec.id))[column]).toEqual(stored);
      // Retried on the next run, refused the same way; the row is never overwritten by Notion's older value.
      ctx.h.clock.advance(60_000);
      expectRecordErrors(await ctx.sync(table), { [rec.id]: pattern });
      expect((await ctx.row(table, rec.id))[column]).toEqual(stored);
    },
  };
}

/** The edit reaches Notion exactly, and the next run writes nothing either way (no echo). */
function exactEdit(id: string, input: string, table: string, column: string, value: string, property: string, outcome: string, check?: (page: any) => void): PgCase {
  return {
    id,
    input,
    outcome,
    async run(ctx) {
      const rec = await ctx.pick(table);
      await ctx.update(table, rec.id, { [column]: value });
      await ctx.companion(table);
      expectRecordErrors(await ctx.sync(table), {});
      const page = ctx.page(rec.pageId)!;
      expect(text(page, property)).toBe(value);
      check?.(page);
      ctx.h.clock.advance(60_000);
      const writes = ctx.h.notionWrites();
      const again = await ctx.sync(table);
      expectRecordErrors(again, {});
      expect(again.writes).toEqual({ notion: { created: 0, updated: 0, deleted: 0, restored: 0 }, postgres: { created: 0, updated: 0, deleted: 0, restored: 0 } });
      expect(ctx.h.notionWrites()).toBe(writes);
      expect((await ctx.row(table, rec.id))[column]).toBe(value);
    },
  };
}

const textItems = (page: any, property: string): string[] => page.properties[property][page.properties[property].type].map((t: any) => t.plain_text);

const boundaryEmoji = 'a'.repeat(1999) + '👩🏽‍💻' + ' tail';

const cases: PgCase[] = [
  exactEdit('pg-text-2001', 'a 2,001-character journal entry', 'journals', 'content', textOf(2001), 'Entry', 'written as 2 text objects (2,000 + 1); reads back equal; no echo', (page) =>
    expect(textItems(page, 'Entry').map((t) => t.length)).toEqual([2000, 1]),
  ),
  exactEdit('pg-text-200000', 'a 200,000-character journal entry', 'journals', 'content', textOf(200_000, 'ünïcødé ✓ '), 'Entry', 'written as 100 text objects of 2,000; reads back equal; no echo', (page) =>
    expect(textItems(page, 'Entry')).toHaveLength(100),
  ),
  refusedEdit(
    'pg-text-200001',
    'a 200,001-character journal entry',
    'journals',
    'content',
    textOf(200_001),
    'Entry',
    /Property "Entry": text of 200001 characters exceeds Notion's limit of 100 text objects × 2000 characters .* never truncated/,
    'record error "exceeds Notion\'s limit … it is never truncated"; the page keeps its text, the row keeps its own; retried next run',
  ),
  exactEdit('pg-emoji-at-boundary', 'a ZWJ emoji (👩🏽‍💻) straddling the 2,000th character', 'journals', 'content', boundaryEmoji, 'Entry', 'cut before the emoji (never inside a grapheme or surrogate pair); exact round trip', (page) => {
    const items = textItems(page, 'Entry');
    expect(items[0]).toBe('a'.repeat(1999));
    expect(items[1]!.startsWith('👩🏽‍💻')).toBe(true);
  }),
  exactEdit('pg-title-2001', 'a 2,001-character title', 'journals', 'title', textOf(2001, 'Titre é '), 'Title', 'written as 2 text objects; exact; no echo'),
  exactEdit('pg-emoji', `emoji in a title ("${HOSTILE.emoji}")`, 'journals', 'title', HOSTILE.emoji, 'Title', 'exact round trip; no echo'),
  exactEdit('pg-right-to-left', 'Arabic/Hebrew with bidi controls in a reflection', 'reflections', 'content', HOSTILE.rtl, 'Content', 'exact round trip; no echo'),
  exactEdit('pg-combining', 'decomposed and precomposed accents, zalgo', 'journals', 'content', HOSTILE.combining, 'Entry', 'exact (no normalization); no echo'),
  exactEdit('pg-html', 'HTML/script in a meeting summary', 'meetings', 'summary', HOSTILE.html, 'Summary', 'written verbatim; no echo'),
  {
    id: 'pg-sql-insert',
    input: `a new journal row whose title and entry are SQL (${JSON.stringify("x'); DROP TABLE journals; --")})`,
    outcome: 'page created with the text verbatim; every table intact',
    async run(ctx) {
      const id = await ctx.insert('journals', { title: "x'); DROP TABLE journals; --", content: HOSTILE.sql, date: '2026-03-01' });
      await ctx.companion('journals');
      const r = await ctx.sync('journals');
      expectRecordErrors(r, {});
      expect(r.writes!.notion.created).toBe(1);
      const page = await ctx.pageOfRow('journals', id);
      expect(text(page, 'Title')).toBe("x'); DROP TABLE journals; --");
      expect(text(page, 'Entry')).toBe(HOSTILE.sql);
      expect((await ctx.store.query(`SELECT count(*)::int AS n FROM journals WHERE deleted_at IS NULL`)).rows[0].n).toBe(ctx.h.emulator.listPages(ctx.h.ids.journalsDataSource).length);
    },
  },
  refusedEdit(
    'pg-status-unknown',
    'a task status "Blocked" that is not an option of Notion\'s status property',
    'tasks',
    'status',
    'Blocked',
    'Status',
    /Status option "Blocked" does not exist/,
    'record error with Notion\'s message; page unchanged; retried next run',
  ),
  {
    id: 'pg-select-new-option',
    input: 'a task priority "Urgent 🔥" that is not an option yet',
    outcome: 'Notion creates the option (as it does for selects); the page shows it; no echo',
    async run(ctx) {
      const rec = await ctx.pick('tasks');
      await ctx.update('tasks', rec.id, { priority: 'Urgent 🔥' });
      await ctx.companion('tasks');
      expectRecordErrors(await ctx.sync('tasks'), {});
      expect(ctx.page(rec.pageId)!.properties.Priority.select.name).toBe('Urgent 🔥');
      ctx.h.clock.advance(60_000);
      const again = await ctx.sync('tasks');
      expect(again.writes!.notion.updated + again.writes!.postgres.updated).toBe(0);
    },
  },
  refusedEdit('pg-select-comma', 'a task priority "High, really" (a comma)', 'tasks', 'priority', 'High, really', 'Priority', /select option "High, really" contains a comma, which Notion does not allow/, 'record error before any request; page unchanged'),
  refusedEdit('pg-select-101', 'a 101-character task priority', 'tasks', 'priority', textOf(101), 'Priority', /validation|100/, 'record error with Notion\'s validation message (options hold ≤ 100 characters); page unchanged'),
  refusedEdit(
    'pg-tags-150',
    '150 tags on a journal',
    'journals',
    'tags',
    Array.from({ length: 150 }, (_, i) => `t${i}`),
    'Tags',
    /150 multi_select options exceed Notion's limit of 100 per request; nothing was truncated/,
    'record error "… exceed Notion\'s limit of 100 …"; nothing truncated; page unchanged',
  ),
  refusedEdit('pg-tag-comma', 'a journal tag "a,b"', 'journals', 'tags', ['ok', 'a,b'], 'Tags', /multi_select option "a,b" contains a comma/, 'record error; page unchanged'),
  {
    id: 'pg-relations-150',
    input: 'a meeting linked to 150 contacts',
    outcome: 'record error "150 related pages exceed Notion\'s limit of 100"; nothing truncated; page unchanged',
    sample: { contacts: 150 },
    async run(ctx) {
      const rec = await ctx.pick('meetings');
      const ids = (await ctx.store.query(`SELECT id FROM contacts ORDER BY name, id LIMIT 150`)).rows.map((r) => r.id);
      expect(ids).toHaveLength(150);
      const before = JSON.stringify(ctx.page(rec.pageId)!.properties.Attendees.relation);
      await ctx.update('meetings', rec.id, { contact_ids: ids });
      await ctx.companion('meetings');
      const r = await ctx.sync('meetings');
      expectRecordErrors(r, { [rec.id]: /Property "Attendees": 150 related pages exceed Notion's limit of 100 per request; nothing was truncated/ });
      expect(JSON.stringify(ctx.page(rec.pageId)!.properties.Attendees.relation)).toBe(before);
      expect((await ctx.row('meetings', rec.id)).contact_ids).toEqual(ids);
    },
  },
  {
    id: 'pg-relations-100',
    input: 'a meeting linked to exactly 100 contacts (the limit)',
    outcome: 'written; the page has all 100 (read back past the 25-item truncation); no echo',
    sample: { contacts: 100 },
    async run(ctx) {
      const rec = await ctx.pick('meetings');
      const rows = (await ctx.store.query(`SELECT id, notion_page_id FROM contacts ORDER BY name, id LIMIT 100`)).rows;
      await ctx.update('meetings', rec.id, { contact_ids: rows.map((r) => r.id) });
      await ctx.companion('meetings');
      expectRecordErrors(await ctx.sync('meetings'), {});
      expect(ctx.page(rec.pageId)!.properties.Attendees.relation.map((r: any) => r.id).sort()).toEqual(rows.map((r) => r.notion_page_id).sort());
      ctx.h.clock.advance(60_000);
      const again = await ctx.sync('meetings');
      expectRecordErrors(again, {});
      expect(again.writes!.notion.updated + again.writes!.postgres.updated).toBe(0);
    },
  },
  refusedEdit(
    'pg-relation-dangling',
    'a task whose meeting_id is a uuid no meeting has',
    'tasks',
    'meeting_id',
    '00000000-0000-4000-8000-00000000dead',
    'Meeting',
    /meeting_id links to meetings row 00000000-0000-4000-8000-00000000dead, which has no Notion page yet; retried next run/,
    'held back with a record error naming the row (never written as an empty link); retried next run',
  ),
  refusedEdit('pg-date-infinity', "a task due date 'infinity' (a Postgres date Notion cannot hold)", 'tasks', 'due_date', 'infinity', 'Due', /^invalid date "infinity"$/, 'record error for that task; the other tasks sync (it used to abort the whole run)'),
  refusedEdit('pg-date-five-digit-year', 'a task due date in the year 12345', 'tasks', 'due_date', '12345-01-01', 'Due', /^invalid date "12345-01-01"$/, 'record error; the other tasks sync'),
  refusedEdit('pg-date-bc', "a task due date '0044-03-15 BC'", 'tasks', 'due_date', '0044-03-15 BC', 'Due', /^invalid date "0044-03-15 BC"$/, 'record error (it used to be written to Notion as 0044-03-15 AD); page unchanged'),
  refusedEdit('pg-timestamp-infinity', "a meeting date 'infinity' (timestamptz)", 'meetings', 'date', 'infinity', 'Date', /^invalid timestamp "Infinity"$/, 'record error; the other meetings sync (it used to abort the whole run)', Infinity),
  refusedEdit(
    'pg-email-too-long',
    'a 250-character contact email',
    'contacts',
    'emails',
    [`${'x'.repeat(238)}@example.com`],
    'Email',
    /Property "Email": email of 250 characters exceeds Notion's limit of 200/,
    'record error naming the limit; page unchanged',
  ),
];

export const postgresToNotion: CorpusArea<PgCtx> & { cases: PgCase[] } = { area: 'Postgres → Notion', cases };
