/**
 * Issue 14, "Performance stays where it is: requests per run equal the least possible for
 * config-defined datasets too … and a no-change run of it is still 1 request", guarded at small
 * scale (bench/configDataset.ts measures the same at 10,000 pages, not in the suite): datasets of
 * your own with 20 fields of mixed kinds (one-way and two-way), with one field of every kind, and
 * with 4 plain fields (one-way and two-way: a long relation and rollups they do not map cost nothing),
 * over 250 Lab pages (emulators/samples/labWorkspace.ts) whose relation goes past 25 on 3 of them.
 *
 * The least possible, as the README's Performance section states it: a full run is the schema read
 * (GET database, GET data source: 2), ⌈250 / 100⌉ = 3 query requests, and, only on the pages whose
 * relation says has_more, one property-item request per mapped relation and rollup over it (3 pages
 * × 4 = 12; none for a dataset that maps neither: lab_few); an incremental run with nothing changed
 * is 1 query request, nothing else; an edit to a page is read within that one query, unless the
 * page has a long relation (then its mapped relation and rollups too).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LAB_FIELDS_20,
  LAB_FIELDS_EVERY_KIND,
  LAB_LONG_PROPERTIES,
  labLeastPropertyItemRequests,
  labPageId,
  sampleLabWorkspace,
} from '../../emulators/samples/labWorkspace.ts';
import { datasetsForTables } from '../../src/engine/dataSource.ts';
import type { RunResult } from '../../src/engine/result.ts';
import { runDataset } from '../../src/engine/runAll.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { createHarness, dataset, type Harness } from '../helpers/harness.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

const PAGES = 250;
const LONG_EVERY = 100; // pages 0, 100 and 200 relate to 30 parts
const QUERY = 'POST /v1/data_sources/:id/query';
const ITEM = 'GET /v1/pages/:id/properties/:pid';
const SCHEMA = { 'GET /v1/databases/:id': 1, 'GET /v1/data_sources/:id': 1 };

// A few fields, none of them the long relation or a rollup over it: those cost nothing then.
const FEW = { name: { property: 'Name' }, amount: { property: 'Amount' }, double_amount: { property: 'Double', type: 'numeric' }, stage: { property: 'Stage' } };
const lab = sampleLabWorkspace({ pages: PAGES, longRelationEvery: LONG_EVERY, databases: 5 });
const DATASETS = [
  { name: 'lab', direction: 'notion-to-postgres', fields: LAB_FIELDS_20, db: 0 },
  { name: 'lab_two_way', direction: 'two-way', fields: LAB_FIELDS_20, db: 1 },
  { name: 'lab_every', direction: 'notion-to-postgres', fields: LAB_FIELDS_EVERY_KIND, db: 2 },
  { name: 'lab_few', direction: 'notion-to-postgres', fields: FEW, db: 3 },
  { name: 'lab_few_two_way', direction: 'two-way', fields: FEW, db: 4 },
] as const;
const FIELD_COUNT: Record<string, number> = { lab: 20, lab_two_way: 20, lab_every: 28, lab_few: 4, lab_few_two_way: 4 };
const CONFIG = {
  datasets: Object.fromEntries(DATASETS.map((d) => [d.name, { databaseId: lab.ids.labDatabases[d.db], direction: d.direction, table: d.name, fields: d.fields }])),
};
const propertiesOf = (fields: Record<string, { property: string }>) => Object.values(fields).map((f) => f.property);

describe.each(storeBackends())('requests of datasets of your own with 20 and with every kind of field, on %s', (kind) => {
  let store: Store;
  let h: Harness;
  let dir: string;

  /** One run of `name`, and the requests the emulator answered for it, by endpoint. */
  async function run(name: string, full: boolean): Promise<{ result: RunResult; requests: Record<string, number> }> {
    h.emulator.resetCounts();
    const result = await runDataset(h.ctx, dataset(h, name), { full });
    expect(result, `${result.message} ${JSON.stringify(result.errors.slice(0, 3))}`).toMatchObject({ status: 'success', errors: [] });
    const requests = { ...h.emulator.requestCounts };
    // The connector counts the same requests the emulator answered.
    expect(result.notionRequests).toBe(Object.values(requests).reduce((a, b) => a + b, 0));
    return { result, requests };
  }

  beforeAll(async () => {
    store = await openTestStore(kind);
    dir = mkdtempSync(join(tmpdir(), 'jarvis-config-requests-'));
    writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(CONFIG));
    h = await createHarness(store, { books: 0, env: { JARVIS_CONFIG: join(dir, 'jarvis-sync.config.json') } });
    h.emulator.seed(lab.seed);
    await migrate(store, { datasets: datasetsForTables(h.config.datasets) });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each(DATASETS)('$name ($direction)', ({ name, fields, db }) => {
    const mapped = propertiesOf(fields);
    const leastItems = labLeastPropertyItemRequests(PAGES, LONG_EVERY, mapped);
    /** Property items a page whose relation goes past 25 costs: its relation and rollups over it, if mapped. */
    const perLongPage = LAB_LONG_PROPERTIES.filter((p) => mapped.includes(p)).length;
    const items = (n: number) => (n ? { [ITEM]: n } : {});

    it('full sync: the schema, ⌈250 / 100⌉ queries and property items only for the mapped relation and rollups past 25', async () => {
      expect(Object.keys(fields).length).toBe(FIELD_COUNT[name]);
      expect(leastItems).toBe(3 * perLongPage);
      expect(perLongPage).toBe(name.startsWith('lab_few') ? 0 : 4);
      const { result, requests } = await run(name, true);
      expect(result.created).toBe(PAGES);
      expect(requests).toEqual({ ...SCHEMA, [QUERY]: 3, ...items(leastItems) });
      if (perLongPage) {
        const { rows } = await store.query<{ n: string; long: string }>(`SELECT count(*)::text AS n, count(*) FILTER (WHERE cardinality(part_ids) = 30)::text AS long FROM ${name}`);
        expect(rows[0]).toEqual({ n: String(PAGES), long: '3' });
      }
    });

    it('incremental with nothing changed: 1 request, no write', async () => {
      h.clock.advance(10 * 60_000);
      const { result, requests } = await run(name, false);
      expect(requests).toEqual({ [QUERY]: 1 });
      expect(result).toMatchObject({ notionRequests: 1, created: 0, updated: 0, deleted: 0 });
      // The run right after the full one too: a two-way run reads back every row the full run wrote
      // (its Postgres window), compares and writes nothing, still 1 Notion request; and once more.
      h.clock.advance(10 * 60_000);
      expect((await run(name, false)).requests).toEqual({ [QUERY]: 1 });
    });

    it('an edit costs nothing more, unless the page’s relation goes past 25 (then its mapped relation and rollups, if any)', async () => {
      h.emulator.updatePage(labPageId(db, 7), { Amount: { number: 4242 } });
      h.clock.advance(60_000);
      const short = await run(name, false);
      expect(short.requests).toEqual({ [QUERY]: 1 });
      expect(short.result.updated).toBe(1);
      const { rows } = await store.query<{ amount: string; double_amount: string }>(`SELECT amount::text, double_amount::text FROM ${name} WHERE notion_page_id = $1`, [labPageId(db, 7)]);
      expect(rows[0]).toEqual({ amount: '4242', double_amount: '8484' });

      h.emulator.updatePage(labPageId(db, 100), { Name: { title: [{ text: { content: 'Long one, renamed' } }] } });
      h.clock.advance(60_000);
      const long = await run(name, false);
      expect(long.requests).toEqual({ [QUERY]: 1, ...items(perLongPage) });
      expect(long.result.updated).toBe(1);
    });
  });
});
