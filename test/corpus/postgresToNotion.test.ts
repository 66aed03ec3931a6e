/**
 * Bad-input corpus, Postgres → Notion: each case of postgresToNotion.cases.ts after a first full
 * sync of a small two-way workspace (emulator, FakeClock), on PGlite and (with TEST_DATABASE_URL)
 * PostgreSQL. After each case: the companion edits reached Notion, and every record the case did
 * not touch agrees on both sides.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAll } from '../../src/engine/runAll.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { quoteIdent } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { plain } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness } from '../helpers/twoWayHarness.ts';
import { postgresToNotion, type PgCtx } from './postgresToNotion.cases.ts';

/** Text fields compared after each case: [Notion property, column] per table, the first being the title. */
const TEXT_FIELDS: Record<string, Array<[string, string]>> = {
  journals: [['Title', 'title'], ['Entry', 'content']],
  reflections: [['Title', 'title'], ['Content', 'content']],
  meetings: [['Title', 'title'], ['Summary', 'summary']],
  tasks: [['Name', 'title'], ['Notes', 'notes']],
  contacts: [['Name', 'name'], ['Company', 'company']],
};

describe.each(storeBackends())('bad input from Postgres on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());

  for (const c of postgresToNotion.cases) {
    it(`${c.id}: ${c.input} → ${c.outcome}`, async () => {
      await resetTables(store);
      const h = await createTwoWayHarness(store, { sample: { contacts: 4, meetings: 3, tasks: 4, reflections: 3, journals: 4, ...c.sample } });
      try {
        const first = (await runAll(h.ctx, {})).filter((r) => r.status !== 'skipped');
        expect(first.map((r) => r.status)).toEqual(first.map(() => 'success'));
        h.clock.advance(10 * 60_000);
        const companions: Array<{ table: string; pageId: string; title: string }> = [];
        const ctx: PgCtx = {
          h,
          store,
          hostile: new Set(),
          sync: (name) => runTwoWay(h.ctx, h.ds(name), {}),
          async pick(table, n = 0) {
            const { rows } = await store.query<{ id: string; notion_page_id: string }>(
              `SELECT id::text AS id, notion_page_id FROM ${quoteIdent(table)} WHERE notion_page_id IS NOT NULL AND deleted_at IS NULL AND NOT (id::text = ANY($1::text[])) ORDER BY id LIMIT 1 OFFSET $2`,
              [[...ctx.hostile], n],
            );
            const rec = { id: rows[0]!.id, pageId: rows[0]!.notion_page_id };
            ctx.hostile.add(rec.id);
            return rec;
          },
          async update(table, id, values) {
            const cols = Object.keys(values);
            await store.query(`UPDATE ${quoteIdent(table)} SET ${cols.map((col, i) => `${quoteIdent(col)} = $${i + 2}`).join(', ')} WHERE id = $1`, [id, ...Object.values(values)]);
          },
          async insert(table, values) {
            const cols = Object.keys(values);
            const { rows } = await store.query<{ id: string }>(
              `INSERT INTO ${quoteIdent(table)} (${cols.map(quoteIdent).join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id::text AS id`,
              Object.values(values),
            );
            ctx.hostile.add(rows[0]!.id);
            return rows[0]!.id;
          },
          async companion(table) {
            const rec = await ctx.pick(table);
            ctx.hostile.delete(rec.id);
            const title = `companion edit of ${table} ${companions.length + 1} ✓`;
            await store.query(`UPDATE ${quoteIdent(table)} SET ${quoteIdent(TEXT_FIELDS[table]![0]![1])} = $2 WHERE id = $1`, [rec.id, title]);
            companions.push({ table, pageId: rec.pageId, title });
          },
          row: async (table, id) => (await store.query(`SELECT * FROM ${quoteIdent(table)} WHERE id = $1`, [id])).rows[0],
          page: (pageId) => h.emulator.getPage(pageId),
          async pageOfRow(table, id) {
            const r = await ctx.row(table, id);
            expect(r.notion_page_id, `${table} ${id} has a page`).toBeTruthy();
            return h.emulator.getPage(r.notion_page_id)!;
          },
        };
        await c.run(ctx);
        for (const comp of companions) expect(plain(h.emulator.getPage(comp.pageId)!, TEXT_FIELDS[comp.table]![0]![0]), `companion edit of ${comp.table}`).toBe(comp.title);
        // Nothing else affected: every other record agrees on both sides.
        for (const [table, fields] of Object.entries(TEXT_FIELDS)) {
          const { rows } = await store.query(`SELECT * FROM ${quoteIdent(table)} WHERE deleted_at IS NULL`);
          for (const row of rows.filter((r) => !ctx.hostile.has(String(r.id)))) {
            const page = h.emulator.getPage(row.notion_page_id);
            expect(page, `${table} ${row.id} has its page`).toBeDefined();
            for (const [property, column] of fields) expect(plain(page!, property), `${table}.${column} of ${row.id}`).toBe(row[column] ?? '');
          }
        }
      } finally {
        await h.close();
      }
    });
  }
});
