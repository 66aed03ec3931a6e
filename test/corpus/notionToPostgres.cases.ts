/**
 * Bad input arriving from Notion (one-way books and highlights into Postgres): schema drift,
 * malformed values, hostile text. Each case adds or corrupts its own pages; the test file then
 * checks that every other page of the workspace was synced exactly (nothing else affected).
 */
import { expect } from 'vitest';
import { stableUuid } from '../../emulators/samples/notionWorkspace.ts';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import { runAll } from '../../src/engine/runAll.ts';
import type { RunResult } from '../../src/engine/result.ts';
import type { Store } from '../../src/store/types.ts';
import { dataset, type Harness } from '../helpers/harness.ts';
import { chunks, expectRecordErrors, HOSTILE, rich, textOf, type CorpusArea, type CorpusCase, type PageMutator } from './support.ts';

export interface NotionCtx {
  h: Harness;
  store: Store;
  /** Page id → how Notion's answers about that page are corrupted. */
  tamper: Map<string, PageMutator>;
  /** Pages whose outcome the case asserts itself; every other page must be synced exactly. */
  hostile: Set<string>;
  /** Whether the common check should cover highlights too (the case synced them). */
  checkHighlights: boolean;
  books(opts?: { full?: boolean }): Promise<RunResult>;
  highlights(): Promise<RunResult>;
  /** A new book page in Notion (marked hostile). */
  newBook(title: string, extra?: Record<string, any>): string;
  bookRow(pageId: string): Promise<Record<string, any> | undefined>;
  highlightRow(pageId: string): Promise<Record<string, any> | undefined>;
}

export type NotionCase = CorpusCase<NotionCtx> & {
  /** Extra environment for this case's harness (e.g. a hostile database id). */
  env?: Record<string, string>;
};

const uuid = (n: number) => `deadbeef-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** A book page whose answer is corrupted by `mutate`: the record fails with `pattern`, no row is written. */
function refusedPage(id: string, input: string, mutate: PageMutator, pattern: RegExp, outcome: string): NotionCase {
  return {
    id,
    input,
    outcome,
    async run(ctx) {
      const page = ctx.newBook(`corpus ${id}`);
      ctx.tamper.set(page, mutate);
      const r = await ctx.books();
      expectRecordErrors(r, { [page]: pattern });
      expect(await ctx.bookRow(page)).toBeUndefined();
      // Retried next run (the failure is remembered), and still refused the same way.
      ctx.h.clock.advance(60_000);
      const again = await ctx.books();
      expectRecordErrors(again, { [page]: pattern });
    },
  };
}

/** A book page whose title (or another text) must arrive in Postgres exactly as written. */
function verbatimTitle(id: string, input: string, title: string, outcome = 'stored verbatim; a second sync writes nothing'): NotionCase {
  return {
    id,
    input,
    outcome,
    async run(ctx) {
      const page = ctx.newBook(title, { Author: { rich_text: chunks(title) } });
      const r = await ctx.books();
      expectRecordErrors(r, {});
      const row = await ctx.bookRow(page);
      expect(row?.title).toBe(title);
      expect(row?.author).toBe(title);
      // Stable: the same content read again is not a change (no perpetual rewrite).
      ctx.h.clock.advance(60_000);
      const again = await ctx.books({ full: true });
      expect(again).toMatchObject({ status: 'success', created: 0, updated: 0, deleted: 0 });
    },
  };
}

const cases: NotionCase[] = [
  refusedPage(
    'page-missing-property',
    'a page whose answer lacks the mapped "Author" property (schema drift)',
    (p) => delete p.properties.Author,
    /has no property "Author" \(expected type rich_text\)/,
    'record error naming the property; no row; retried next run',
  ),
  refusedPage(
    'page-property-wrong-type',
    '"Rating" arrives as rich_text instead of number',
    (p) => (p.properties.Rating = { id: 'x', type: 'rich_text', rich_text: rich('five stars') }),
    /property "Rating" is of type rich_text, expected number/,
    'record error naming both types; no row',
  ),
  refusedPage(
    'page-property-no-type',
    '"Status" arrives without a `type`',
    (p) => (p.properties.Status = { id: 'x', select: { name: 'Reading' } }),
    /property "Status" is of type undefined, expected select/,
    'record error; no row',
  ),
  refusedPage(
    'page-no-properties',
    'a page with `properties: null` in the query answer',
    (p) => (p.properties = null),
    /has no property "Title"/,
    'record error; no row; the other pages of the same query are synced (it used to abort the whole run)',
  ),
  refusedPage(
    'property-value-null',
    'a page whose "Rating" value is `null` instead of a property object',
    (p) => (p.properties.Rating = null),
    /has no property "Rating"/,
    'record error; no row',
  ),
  refusedPage(
    'number-holds-string',
    '"Rating" of type number holding the string "five"',
    (p) => (p.properties.Rating = { id: 'x', type: 'number', number: 'five' }),
    /number property holds "five" \(a string\), not a number/,
    'record error (never read as empty, which would erase a rating); no row',
  ),
  refusedPage(
    'date-garbage',
    '"Finished" date start "next Tuesday"',
    (p) => (p.properties.Finished = { id: 'x', type: 'date', date: { start: 'next Tuesday', end: null, time_zone: null } }),
    /invalid date "next Tuesday"/,
    'record error; no row',
  ),
  refusedPage(
    'date-impossible',
    '"Finished" date 2025-02-30 (no such day)',
    (p) => (p.properties.Finished = { id: 'x', type: 'date', date: { start: '2025-02-30', end: null, time_zone: null } }),
    /2025-02-30/,
    'record error (Postgres refuses the day); no row; the rest of the batch is written',
  ),
  refusedPage(
    'nul-byte',
    'a title containing a NUL byte (U+0000)',
    (p) => (p.properties.Title = { id: 'title', type: 'title', title: rich('before\u0000after') }),
    /Postgres rejected page .*: unsupported Unicode escape sequence/,
    'record error "Postgres rejected page …: unsupported Unicode escape sequence" (Postgres text cannot hold NUL); no row; the rest of the batch is written',
  ),
  {
    id: 'date-null-start',
    input: '"Finished" date object with `start: null`',
    outcome: 'stored as NULL (an empty date), no error',
    async run(ctx) {
      const page = ctx.newBook('corpus date-null-start');
      ctx.tamper.set(page, (p) => (p.properties.Finished = { id: 'x', type: 'date', date: { start: null, end: null, time_zone: null } }));
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(page))?.finished_at).toBeNull();
    },
  },
  {
    id: 'date-extremes',
    input: '"Finished" 0001-01-01 and 9999-12-31',
    outcome: 'stored exactly (calendar days, no time-zone shift)',
    async run(ctx) {
      const first = ctx.newBook('corpus first day', { Finished: { date: { start: '0001-01-01' } } });
      const last = ctx.newBook('corpus last day', { Finished: { date: { start: '9999-12-31' } } });
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(first))?.finished_at).toBe('0001-01-01');
      expect((await ctx.bookRow(last))?.finished_at).toBe('9999-12-31');
    },
  },
  {
    id: 'timestamp-garbage',
    input: 'a highlight whose "Highlighted" is 2025-06-01T25:61:00Z',
    outcome: 'record error for that highlight; the other highlights are written',
    async run(ctx) {
      ctx.checkHighlights = true;
      expectRecordErrors(await ctx.books(), {});
      const [victim] = ctx.h.emulator.listPages(ctx.h.ids.highlightsDataSource);
      ctx.hostile.add(victim!.id);
      ctx.tamper.set(victim!.id, (p) => (p.properties.Highlighted = { id: 'x', type: 'date', date: { start: '2025-06-01T25:61:00Z', end: null, time_zone: null } }));
      expectRecordErrors(await ctx.highlights(), { [victim!.id]: /invalid timestamp "2025-06-01T25:61:00Z"/ });
      expect(await ctx.highlightRow(victim!.id)).toBeUndefined();
    },
  },
  {
    id: 'relation-unknown-page',
    input: 'a highlight whose "Book" points to a page that is not synced',
    outcome: 'written with book_id NULL and a warning naming the page (filled in by a later sync)',
    async run(ctx) {
      ctx.checkHighlights = true;
      expectRecordErrors(await ctx.books(), {});
      const [victim] = ctx.h.emulator.listPages(ctx.h.ids.highlightsDataSource);
      ctx.hostile.add(victim!.id);
      ctx.tamper.set(victim!.id, (p) => (p.properties.Book = { id: 'x', type: 'relation', relation: [{ id: uuid(1) }], has_more: false }));
      const r = await ctx.highlights();
      expectRecordErrors(r, {});
      expect(r.warnings.join('\n')).toContain(uuid(1));
      expect(await ctx.highlightRow(victim!.id)).toMatchObject({ book_id: null });
    },
  },
  {
    id: 'relation-hostile-id',
    input: `a highlight whose "Book" relation id is "'); DROP TABLE highlights; --"`,
    outcome: 'written with book_id NULL and a warning; the id is only ever a bound parameter',
    async run(ctx) {
      ctx.checkHighlights = true;
      expectRecordErrors(await ctx.books(), {});
      const [victim] = ctx.h.emulator.listPages(ctx.h.ids.highlightsDataSource);
      ctx.hostile.add(victim!.id);
      ctx.tamper.set(victim!.id, (p) => (p.properties.Book = { id: 'x', type: 'relation', relation: [{ id: "'); DROP TABLE highlights; --" }], has_more: false }));
      const r = await ctx.highlights();
      expectRecordErrors(r, {});
      expect(r.warnings.join('\n')).toContain('DROP TABLE highlights');
      expect(await ctx.highlightRow(victim!.id)).toMatchObject({ book_id: null });
    },
  },
  {
    id: 'select-unknown-option',
    input: '"Status" with an option the schema does not list ("Abandoned 🚮")',
    outcome: 'stored verbatim (Postgres keeps text; Notion creates options on write)',
    async run(ctx) {
      const page = ctx.newBook('corpus select-unknown-option');
      ctx.tamper.set(page, (p) => (p.properties.Status = { id: 'x', type: 'select', select: { id: 'zzz', name: 'Abandoned 🚮', color: 'red' } }));
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(page))?.status).toBe('Abandoned 🚮');
    },
  },
  {
    id: 'multi-select-150',
    input: '"Tags" with 150 options, some repeated',
    outcome: 'all 150 distinct tags stored in Notion\'s order, duplicates once',
    async run(ctx) {
      const page = ctx.newBook('corpus multi-select-150');
      const tags = Array.from({ length: 150 }, (_, i) => `tag ${i}`);
      ctx.tamper.set(page, (p) => (p.properties.Tags = { id: 'x', type: 'multi_select', multi_select: [...tags, 'tag 3', 'tag 7'].map((name) => ({ id: name, name, color: 'default' })) }));
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(page))?.tags).toEqual(tags);
    },
  },
  {
    id: 'number-extremes',
    input: '"Rating" 1.7976931348623157e308 (the largest double) and -0.000001',
    outcome: 'stored and read back exactly; a second sync writes nothing',
    async run(ctx) {
      const big = ctx.newBook('corpus big number', { Rating: { number: Number.MAX_VALUE } });
      const small = ctx.newBook('corpus small number', { Rating: { number: -0.000001 } });
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(big))?.rating).toBe(Number.MAX_VALUE);
      expect((await ctx.bookRow(small))?.rating).toBe(-0.000001);
      ctx.h.clock.advance(60_000);
      expect(await ctx.books({ full: true })).toMatchObject({ status: 'success', created: 0, updated: 0 });
    },
  },
  verbatimTitle('emoji', `ZWJ sequences, skin tones, flags ("${HOSTILE.emoji}")`, HOSTILE.emoji, 'stored exactly (same code points); a second sync writes nothing'),
  verbatimTitle('right-to-left', 'Arabic and Hebrew with RLM/RLO bidi controls', HOSTILE.rtl, 'stored exactly, bidi controls included'),
  verbatimTitle('combining-marks', 'decomposed "é" (e + U+0301) next to precomposed "é", zalgo marks', HOSTILE.combining, 'stored exactly: no Unicode normalization'),
  verbatimTitle('control-characters', 'tab, CR, LF, BEL and U+2028 inside a title', 'a\tb\r\nc\u0007d\u2028e'),
  {
    id: 'sql-in-values',
    input: `SQL in the title and author: ${JSON.stringify(HOSTILE.sql)}`,
    outcome: 'stored verbatim, never executed: every table and row is still there',
    async run(ctx) {
      const page = ctx.newBook(HOSTILE.sql, { Author: { rich_text: [{ text: { content: "x'; DELETE FROM books; --" } }] } });
      expectRecordErrors(await ctx.books(), {});
      expect(await ctx.bookRow(page)).toMatchObject({ title: HOSTILE.sql, author: "x'; DELETE FROM books; --" });
      const { rows } = await ctx.store.query<{ n: number }>(`SELECT count(*)::int AS n FROM books`);
      expect(rows[0]!.n).toBe(ctx.h.emulator.listPages(ctx.h.ids.booksDataSource).length);
    },
  },
  {
    id: 'html-in-values',
    input: 'HTML/script in the title, a `javascript:` URL',
    outcome: 'stored verbatim (no escaping, no execution)',
    async run(ctx) {
      const page = ctx.newBook(HOSTILE.html, { URL: { url: 'javascript:alert(document.cookie)' } });
      expectRecordErrors(await ctx.books(), {});
      expect(await ctx.bookRow(page)).toMatchObject({ title: HOSTILE.html, url: 'javascript:alert(document.cookie)' });
    },
  },
  refusedPage(
    'lone-surrogate',
    'a title ending in half of a surrogate pair (U+D83D alone)',
    (p) => (p.properties.Title = { id: 'title', type: 'title', title: rich('broken \uD83D') }),
    /Postgres rejected page .*: (unsupported Unicode escape sequence|invalid input syntax for type json)/,
    'record error "Postgres rejected page …" (UTF-8 cannot hold it; never silently replaced); no row',
  ),
  refusedPage(
    'title-not-an-array',
    'a title whose value is the string "oops" instead of a rich-text array',
    (p) => (p.properties.Title = { id: 'title', type: 'title', title: 'oops' }),
    /title property holds a string, not a rich-text array/,
    'record error; no row (never read as an empty title)',
  ),
  {
    id: 'text-2001',
    input: 'a 2,001-character title (two text objects: 2,000 + 1)',
    outcome: 'stored whole: 2,001 characters',
    async run(ctx) {
      const title = textOf(2001);
      const page = ctx.newBook(title);
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(page))?.title).toBe(title);
    },
  },
  {
    id: 'text-200000',
    input: 'a 200,000-character "Author" (100 text objects × 2,000)',
    outcome: 'stored whole: 200,000 characters',
    async run(ctx) {
      const author = textOf(200_000, 'Ünïcødé ✓ ');
      const page = ctx.newBook('corpus text-200000', { Author: { rich_text: chunks(author) } });
      expectRecordErrors(await ctx.books(), {});
      expect((await ctx.bookRow(page))?.author).toBe(author);
    },
  },
  {
    id: 'notion-refuses-2001-object',
    input: 'one text object of 2,001 characters written to Notion (the emulator, like Notion)',
    outcome: '400 validation_error "should be ≤ 2000"; nothing stored, the sync is unaffected',
    async run(ctx) {
      const before = ctx.h.emulator.listPages(ctx.h.ids.booksDataSource).length;
      expect(() => ctx.h.emulator.createPage(ctx.h.ids.booksDataSource, { Title: { title: [{ text: { content: textOf(2001) } }] } })).toThrow(/2000/);
      const res = await fetch(`${ctx.h.emulator.url}/v1/pages`, {
        method: 'POST',
        headers: { authorization: 'Bearer secret_test_token', 'notion-version': '2025-09-03', 'content-type': 'application/json' },
        body: JSON.stringify({ parent: { data_source_id: ctx.h.ids.booksDataSource }, properties: { Title: { title: [{ text: { content: textOf(2001) } }] } } }),
      });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'validation_error', message: expect.stringMatching(/≤ `2000`/) });
      expect(ctx.h.emulator.listPages(ctx.h.ids.booksDataSource)).toHaveLength(before);
      expectRecordErrors(await ctx.books(), {});
    },
  },
  {
    id: 'schema-type-changed',
    input: '"Rating" changed from number to select in Notion after the first sync',
    outcome: 'the books run stops before any write with one schema problem (not a record error per book) naming the property and both types; rows keep their last values; highlights still sync',
    async run(ctx) {
      ctx.checkHighlights = true;
      expectRecordErrors(await ctx.books(), {});
      const before = (await ctx.store.query(`SELECT notion_page_id, rating, updated_at FROM books ORDER BY notion_page_id`)).rows;
      const res = await fetch(`${ctx.h.emulator.url}/v1/data_sources/${ctx.h.ids.booksDataSource}`, {
        method: 'PATCH',
        headers: { authorization: 'Bearer secret_test_token', 'notion-version': '2025-09-03', 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { Rating: { select: {} } } }),
      });
      expect(res.status).toBe(200);
      ctx.h.clock.advance(60_000);
      const r = await ctx.books({ full: true });
      const pages = ctx.h.emulator.listPages(ctx.h.ids.booksDataSource);
      for (const p of pages) ctx.hostile.add(p.id);
      expect(r.status).toBe('error');
      expect(r.errors).toEqual([]);
      expect(r.message).toMatch(/does not match the mapping: property "Rating" \(column rating\) is now select, was number: change it back to number in Notion/);
      expect(r.deleted).toBe(0);
      expect((await ctx.store.query(`SELECT notion_page_id, rating, updated_at FROM books ORDER BY notion_page_id`)).rows).toEqual(before);
      expectRecordErrors(await ctx.highlights(), {});
    },
  },
  {
    id: 'schema-renamed-before-first-sync',
    input: '"Author" renamed to "Writer" in Notion before the first sync',
    outcome: 'the books run fails with one message naming the property and the config key to set; nothing written; highlights still run',
    async run(ctx) {
      const res = await fetch(`${ctx.h.emulator.url}/v1/data_sources/${ctx.h.ids.booksDataSource}`, {
        method: 'PATCH',
        headers: { authorization: 'Bearer secret_test_token', 'notion-version': '2025-09-03', 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { Author: { name: 'Writer' } } }),
      });
      expect(res.status).toBe(200);
      for (const p of ctx.h.emulator.listPages(ctx.h.ids.booksDataSource)) ctx.hostile.add(p.id);
      const results = await runAll(ctx.h.ctx, {});
      const books = results.find((r) => r.dataset === 'books')!;
      expect(books.status).toBe('error');
      expect(books.message).toMatch(/property "Author" \(column author\) is not in the Notion database: add it in Notion, or map the field to another property \(datasets\.books\.properties\.author\)/);
      expect((await ctx.store.query(`SELECT count(*)::int AS n FROM books`)).rows[0].n).toBe(0);
      const highlights = results.find((r) => r.dataset === 'highlights')!;
      expect(highlights.status).toBe('success');
      expect(highlights.created).toBe(ctx.h.emulator.listPages(ctx.h.ids.highlightsDataSource).length);
    },
  },
  {
    id: 'database-id-path-traversal',
    input: 'NOTION_BOOKS_DATABASE_ID="../../v1/users/me"',
    env: { NOTION_BOOKS_DATABASE_ID: '../../v1/users/me' },
    outcome: 'books fails with "Invalid Notion database or data source id" before any request; highlights still sync',
    async run(ctx) {
      for (const p of ctx.h.emulator.listPages(ctx.h.ids.booksDataSource)) ctx.hostile.add(p.id);
      ctx.h.emulator.resetCounts();
      const books = await runOneWay(ctx.h.ctx, dataset(ctx.h, 'books'), {});
      expect(books.status).toBe('error');
      expect(books.message).toMatch(/Invalid Notion database or data source id "\.\.\/\.\.\/v1\/users\/me": expected an id \(32 hex digits\)/);
      expect(ctx.h.emulator.totalRequests()).toBe(0);
      expect((await ctx.highlights()).status).toBe('success');
    },
  },
  {
    id: 'database-id-is-a-page',
    input: 'NOTION_BOOKS_DATABASE_ID set to a page\'s id',
    env: { NOTION_BOOKS_DATABASE_ID: stableUuid('book:0') },
    outcome: 'books fails: "No Notion database or data source … is visible to the integration: check the id and share…"; highlights still sync',
    async run(ctx) {
      for (const p of ctx.h.emulator.listPages(ctx.h.ids.booksDataSource)) ctx.hostile.add(p.id);
      const books = await runOneWay(ctx.h.ctx, dataset(ctx.h, 'books'), {});
      expect(books.status).toBe('error');
      expect(books.message).toMatch(/No Notion database or data source [0-9a-f-]{36} is visible to the integration: check the id and share the database/);
      expect((await ctx.store.query(`SELECT count(*)::int AS n FROM books`)).rows[0].n).toBe(0);
      expect((await ctx.highlights()).status).toBe('success');
    },
  },
];

export const notionToPostgres: CorpusArea<NotionCtx> & { cases: NotionCase[] } = { area: 'Notion → Postgres', cases };
