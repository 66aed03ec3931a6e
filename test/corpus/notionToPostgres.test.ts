/**
 * Bad-input corpus, Notion → Postgres: each case of notionToPostgres.cases.ts against a fresh
 * sample workspace (16 books, 16 highlights) in the emulator, on PGlite and (with
 * TEST_DATABASE_URL) PostgreSQL. After each case every page it did not touch must be in Postgres
 * exactly as in Notion.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runOneWay } from '../../src/engine/runOneWay.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, dataset, plain } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { notionToPostgres, type NotionCtx } from './notionToPostgres.cases.ts';
import { tamperingFetch, type PageMutator } from './support.ts';

describe.each(storeBackends())('bad input from Notion on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());

  for (const c of notionToPostgres.cases) {
    it(`${c.id}: ${c.input} → ${c.outcome}`, async () => {
      await resetTables(store);
      const tamper = new Map<string, PageMutator>();
      const h = await createHarness(store, { highlightsPerBook: 1, firstBookHighlights: 1, fetch: tamperingFetch(tamper), env: c.env });
      const row = async (table: string, id: string) => (await store.query(`SELECT * FROM ${table} WHERE notion_page_id = $1`, [id])).rows[0];
      let n = 0;
      const ctx: NotionCtx = {
        h,
        store,
        tamper,
        hostile: new Set(),
        checkHighlights: false,
        books: (opts = {}) => runOneWay(h.ctx, dataset(h, 'books'), opts),
        highlights: () => runOneWay(h.ctx, dataset(h, 'highlights'), {}),
        newBook(title, extra = {}) {
          const page = h.emulator.createPage(
            h.ids.booksDataSource,
            { Title: { title: title.length > 2000 ? chunkTitle(title) : [{ text: { content: title } }] }, Author: { rich_text: [{ text: { content: `author ${++n}` } }] }, Rating: { number: 3 }, ...extra },
            { createdTime: '2026-03-01T10:00:00.000Z' },
          );
          ctx.hostile.add(page.id);
          return page.id;
        },
        bookRow: (id) => row('books', id),
        highlightRow: (id) => row('highlights', id),
      };
      try {
        await c.run(ctx);
        // Nothing else affected: every other page is in Postgres exactly as in Notion.
        const books = new Map((await store.query(`SELECT * FROM books`)).rows.map((r) => [r.notion_page_id, r]));
        for (const page of h.emulator.listPages(h.ids.booksDataSource).filter((p) => !ctx.hostile.has(p.id))) {
          expect(books.get(page.id), `book ${page.id}`).toMatchObject({
            title: plain(page, 'Title'),
            author: plain(page, 'Author'),
            rating: page.properties.Rating!.number,
            status: page.properties.Status!.select?.name ?? null,
            deleted_at: null,
          });
        }
        if (ctx.checkHighlights) {
          const highlights = new Map((await store.query(`SELECT h.*, b.notion_page_id AS book_page FROM highlights h LEFT JOIN books b ON b.id = h.book_id`)).rows.map((r) => [r.notion_page_id, r]));
          for (const page of h.emulator.listPages(h.ids.highlightsDataSource).filter((p) => !ctx.hostile.has(p.id))) {
            const book = page.properties.Book!.relation[0]?.id;
            expect(highlights.get(page.id), `highlight ${page.id}`).toMatchObject({ text: plain(page, 'Text'), ...(ctx.hostile.has(book) ? {} : { book_page: book }) });
          }
        }
      } finally {
        await h.close();
      }
    });
  }
});

function chunkTitle(title: string) {
  const out: Array<{ text: { content: string } }> = [];
  for (let i = 0; i < title.length; i += 2000) out.push({ text: { content: title.slice(i, i + 2000) } });
  return out;
}
