/**
 * updated_at on the dataset tables (0004_updated_at_truthful.sql, datasetTables.triggerSql): set on
 * INSERT when the insert leaves it NULL, moved by an UPDATE only when a value changed (not by
 * jarvis-sync recording where a value came from), upgraded by migrate on tables whose trigger fires
 * on UPDATE only; and the incremental read that also takes NULL and never-linked rows can be
 * answered from the indexes.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { changedRowsQuery } from '../../src/engine/twoWay/postgresSide.ts';
import { assertDatasetTable, planDatasetTables } from '../../src/store/adoptTables.ts';
import { migrate } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

const config = loadConfig({ env: {}, cwd: '/nonexistent-jarvis-test-cwd' });
const journals = config.datasets.find((d) => d.name === 'journals')!;
const PAST = '2020-01-01T00:00:00.000Z';

describe.each(storeBackends())('updated_at on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(() => resetTables(store));

  const stamp = async (id: string) => ((await store.query(`SELECT updated_at FROM journals WHERE id = $1`, [id])).rows[0].updated_at as Date | null)?.toISOString() ?? null;
  const insertPast = async () => (await store.query(`INSERT INTO journals (title, updated_at) VALUES ('t', $1) RETURNING id`, [PAST])).rows[0].id as string;

  it('an INSERT that leaves updated_at NULL gets now(), even where the column has no default; a given one is kept', async () => {
    await store.query(`ALTER TABLE journals ALTER COLUMN updated_at DROP DEFAULT`);
    try {
      const { rows } = await store.query(`INSERT INTO journals (title) VALUES ('app') RETURNING updated_at, (updated_at = now()) AS is_now`);
      expect(rows[0].is_now).toBe(true);
      const { rows: explicit } = await store.query(`INSERT INTO journals (title, updated_at) VALUES ('import', NULL) RETURNING updated_at`);
      expect(explicit[0].updated_at).toBeInstanceOf(Date);
      expect(await stamp(await insertPast())).toBe(PAST);
    } finally {
      await store.query(`ALTER TABLE journals ALTER COLUMN updated_at SET DEFAULT now()`);
    }
  });

  it('recording where a value came from (notion_page_id, notion_updated_at, last_sync_source) does not move updated_at', async () => {
    const id = await insertPast();
    await store.query(`UPDATE journals SET notion_page_id = 'p1', notion_updated_at = now(), last_sync_source = 'supabase' WHERE id = $1`, [id]);
    expect(await stamp(id)).toBe(PAST);
    await store.query(`UPDATE journals SET title = title WHERE id = $1`, [id]); // the same value: nothing changed
    expect(await stamp(id)).toBe(PAST);
  });

  it('a changed value moves updated_at; an UPDATE that sets updated_at itself keeps its own', async () => {
    const id = await insertPast();
    await store.query(`UPDATE journals SET content = 'new' WHERE id = $1`, [id]);
    const moved = await stamp(id);
    expect(moved! > PAST).toBe(true);
    await store.query(`UPDATE journals SET deleted_at = now() WHERE id = $1`, [id]);
    expect((await stamp(id))! >= moved!).toBe(true);
    await store.query(`UPDATE journals SET content = 'backfill', updated_at = $2 WHERE id = $1`, [id, '2021-06-01T00:00:00Z']);
    expect(await stamp(id)).toBe('2021-06-01T00:00:00.000Z');
  });

  it('an UPDATE of a row whose updated_at is NULL (inserted before the trigger fired on INSERT) stamps it', async () => {
    await store.exec!(`ALTER TABLE journals ALTER COLUMN updated_at DROP NOT NULL;
      ALTER TABLE journals DISABLE TRIGGER journals_set_updated_at;`);
    try {
      const { rows } = await store.query(`INSERT INTO journals (title, updated_at) VALUES ('legacy', NULL) RETURNING id`);
      await store.query(`ALTER TABLE journals ENABLE TRIGGER journals_set_updated_at`);
      await store.query(`UPDATE journals SET notion_page_id = 'p2' WHERE id = $1`, [rows[0].id]);
      expect(await stamp(rows[0].id)).not.toBeNull();
    } finally {
      await store.exec!(`ALTER TABLE journals ENABLE TRIGGER journals_set_updated_at;
        DELETE FROM journals WHERE updated_at IS NULL;
        ALTER TABLE journals ALTER COLUMN updated_at SET NOT NULL;`);
    }
  });

  it('migrate makes a trigger that fires on UPDATE only fire on INSERT too; runs are not refused meanwhile', async () => {
    await store.query(`CREATE OR REPLACE TRIGGER journals_set_updated_at BEFORE UPDATE ON journals FOR EACH ROW EXECUTE FUNCTION jarvis_sync.set_updated_at()`);
    const events = async () =>
      (await store.query(`SELECT event_manipulation FROM information_schema.triggers WHERE trigger_name = 'journals_set_updated_at' ORDER BY 1`)).rows.map((r) => r.event_manipulation);
    expect(await events()).toEqual(['UPDATE']);
    const plan = (await planDatasetTables(store, config.datasets)).find((p) => p.dataset === 'journals')!;
    expect(plan).toMatchObject({ action: 'complete', triggerMissing: false, triggerOutdated: true });
    await expect(assertDatasetTable(store, journals)).resolves.toBeUndefined();
    const result = await migrate(store, { datasets: config.datasets });
    expect(result.tables.completed).toEqual([{ table: 'journals', added: 'the trigger journals_set_updated_at on INSERT too (fills an updated_at the insert leaves NULL)' }]);
    expect(await events()).toEqual(['INSERT', 'UPDATE']);
    expect((await migrate(store, { datasets: config.datasets })).tables.completed).toEqual([]);
  });

  it('the incremental read (changed since the cursor, updated_at NULL, or never linked) is answered from the indexes', async () => {
    const { text, params } = changedRowsQuery(journals, PAST);
    expect(text).toMatch(/updated_at >= \$1 OR updated_at IS NULL OR \(notion_page_id IS NULL AND deleted_at IS NULL\)/);
    const plan = await store.transaction(async (tx) => {
      await tx.query('SET LOCAL enable_seqscan = off');
      return (await tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, params)).rows.map((r) => r['QUERY PLAN']).join('\n');
    });
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(/journals_updated_at_idx/);
    expect(plan).toMatch(/journals_notion_page_id_key/);
  });
});
