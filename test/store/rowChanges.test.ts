/**
 * The change triggers of the two-way tables (0007_row_changes.sql, src/store/rowChanges.ts): what
 * they record, what they leave alone (jarvis-sync's own writes, no-op updates, writes while no
 * service consumes them), and where migrate installs them (renamed, adopted and your own tables).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ResolvedDataset } from '../../src/config/index.ts';
import { defaultDatasets } from '../../src/datasets/index.ts';
import { userDataset } from '../../src/datasets/fromConfig.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { migrate, upsertRows } from '../../src/store/index.ts';
import { consumeRowChanges, heartbeatConsumer, listenPostgres, readRowChanges, removeConsumer, ROW_CHANGES_CHANNEL } from '../../src/store/rowChanges.ts';
import type { Store } from '../../src/store/types.ts';
import { until } from '../server/helpers.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness } from '../helpers/twoWayHarness.ts';

const TWO_WAY_TABLES = ['contacts', 'journals', 'meetings', 'reflections', 'tasks'];

describe.each(storeBackends())('change triggers on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store?.close());
  beforeEach(async () => {
    await resetTables(store);
    await heartbeatConsumer(store, 'test-consumer', 'polling');
  });

  const recorded = async () => (await readRowChanges(store, 1000)).map((c) => [c.tableName, c.recordId, c.op]);
  const triggered = async () =>
    (
      await store.query<{ t: string; n: number }>(
        `SELECT tgrelid::regclass::text AS t, count(*)::int AS n FROM pg_trigger WHERE tgfoid = 'jarvis_sync.record_row_changes()'::regprocedure GROUP BY 1 ORDER BY 1`,
      )
    ).rows.map((r) => [r.t, r.n]);

  it('migrate gives the two-way tables (and only them) their two change triggers', async () => {
    expect(await triggered()).toEqual(TWO_WAY_TABLES.map((t) => [t, 2]));
  });

  it('records an external INSERT, UPDATE and soft delete once per row, and notifies once per statement naming the table', async () => {
    const payloads: string[] = [];
    const stop = store.listen
      ? await store.listen(ROW_CHANGES_CHANNEL, (p) => payloads.push(p))
      : await listenPostgres(await urlOf(store), ROW_CHANGES_CHANNEL, (p) => payloads.push(p), () => undefined).then((l) => () => l.close());
    try {
      const { rows } = await store.query<{ id: string }>(`INSERT INTO meetings (title) VALUES ('one'), ('two') RETURNING id::text AS id`);
      const [a, b] = rows.map((r) => r.id);
      await store.query(`UPDATE meetings SET summary = 'edited' WHERE id = $1`, [a]);
      await store.query(`UPDATE meetings SET deleted_at = now() WHERE id = $1`, [b]);
      await store.query(`UPDATE meetings SET title = title`); // changes nothing
      await store.query(`UPDATE meetings SET title = 'none' WHERE false`);
      expect(await recorded()).toEqual([
        ['meetings', a, 'insert'],
        ['meetings', b, 'insert'],
        ['meetings', a, 'update'],
        ['meetings', b, 'update'],
      ]);
      await until(() => payloads.length >= 3, 'three notifications');
      // One per statement that recorded something (the INSERT of two rows: one).
      await store.query('SELECT 1');
      expect(payloads).toEqual(['meetings', 'meetings', 'meetings']);
    } finally {
      await stop();
    }
  });

  it('the change time is the database clock at the change, and consuming deletes exactly the given rows', async () => {
    await store.query(`INSERT INTO tasks (title) VALUES ('a'), ('b')`);
    const [first, second] = await readRowChanges(store, 10);
    const { rows } = await store.query<{ now: Date }>('SELECT now() AS now');
    expect(Math.abs(first!.changedAt - rows[0]!.now.getTime())).toBeLessThan(60_000);
    const consumed = await consumeRowChanges(store, [first!.id]);
    expect(consumed.map((c) => c.id)).toEqual([first!.id]);
    expect(consumed[0]!.now).toBeGreaterThanOrEqual(consumed[0]!.changedAt);
    expect((await readRowChanges(store, 10)).map((c) => c.id)).toEqual([second!.id]);
    // Consuming again (a run that finished twice) deletes nothing.
    expect(await consumeRowChanges(store, [first!.id])).toEqual([]);
  });

  it('records nothing while no service consumes the changes (no consumer seen in the last 10 minutes)', async () => {
    await removeConsumer(store, 'test-consumer');
    await store.query(`INSERT INTO tasks (title) VALUES ('nobody listens')`);
    await heartbeatConsumer(store, 'stale', 'polling');
    await store.query(`UPDATE jarvis_sync.row_change_consumers SET seen_at = now() - interval '11 minutes'`);
    await store.query(`UPDATE tasks SET notes = 'still nobody'`);
    expect(await recorded()).toEqual([]);
    await heartbeatConsumer(store, 'stale', 'listen');
    await store.query(`UPDATE tasks SET notes = 'a service is back'`);
    expect(await recorded()).toHaveLength(1);
  });

  it("jarvis-sync's own writes are not recorded: first sync, Notion edits, a push to Notion, a relink, batch writes alone or in a transaction", async () => {
    const h = await createTwoWayHarness(store);
    try {
      const ok = (results: Awaited<ReturnType<typeof runAll>>) => expect(results.filter((r) => r.status !== 'success' && r.status !== 'skipped')).toEqual([]);
      ok(await runAll(h.ctx)); // every page becomes a row: INSERTs
      expect(await store.query('SELECT count(*)::int AS n FROM meetings').then((r) => r.rows[0].n)).toBeGreaterThan(0);
      expect(await recorded()).toEqual([]);

      h.clock.advance(10 * 60_000);
      const [m0, m1] = h.emulator.listPages(h.ids.meetingsDataSource);
      h.emulator.updatePage(m0!.id, { Title: { title: [{ text: { content: 'Renamed in Notion' } }] } });
      h.emulator.createPage(h.ids.tasksDataSource, { Name: { title: [{ text: { content: 'Born in Notion' } }] } });
      ok(await runAll(h.ctx)); // UPDATEs and an INSERT from Notion
      expect(await recorded()).toEqual([]);

      // An app's edit is recorded; the run that pushes it to Notion writes the row's sync columns: not recorded.
      h.clock.advance(10 * 60_000);
      await store.query(`UPDATE meetings SET summary = 'Rewritten in Postgres' WHERE notion_page_id = $1`, [m1!.id]);
      const appEdit = await readRowChanges(store, 10);
      expect(appEdit.map((c) => c.op)).toEqual(['update']);
      await consumeRowChanges(store, appEdit.map((c) => c.id));
      const pushed = await runAll(h.ctx);
      ok(pushed);
      expect(pushed.find((r) => r.dataset === 'meetings')?.writes?.notion.updated).toBe(1);
      expect(await recorded()).toEqual([]);

      // A cleared link (an app's edit, recorded) is restored by the next run's relink: not recorded.
      h.clock.advance(10 * 60_000);
      await store.query(`UPDATE meetings SET notion_page_id = NULL WHERE notion_page_id = $1`, [m0!.id]);
      await consumeRowChanges(store, (await readRowChanges(store, 10)).map((c) => c.id));
      const relinked = await runAll(h.ctx);
      ok(relinked);
      expect(relinked.find((r) => r.dataset === 'meetings')?.relinked).toHaveLength(1);
      expect(await recorded()).toEqual([]);

      // The batch writers alone (their own implicit transaction) and inside a transaction.
      await upsertRows(store, { table: 'tasks', keyColumn: 'notion_page_id', columns: { title: 'text' } }, [{ notion_page_id: 'own-1', title: 'own' }]);
      await store.transaction((tx) => upsertRows(tx, { table: 'tasks', keyColumn: 'notion_page_id', columns: { title: 'text' } }, [{ notion_page_id: 'own-1', title: 'own, again' }]));
      expect(await recorded()).toEqual([]);
      // The mark ends with its transaction: the next statement on the same session (PGlite has one) is an app's again.
      const { rows } = await store.query<{ id: string }>(`UPDATE tasks SET notes = 'an app' WHERE notion_page_id = 'own-1' RETURNING id::text AS id`);
      expect(await recorded()).toEqual([['tasks', rows[0]!.id, 'update']]);
    } finally {
      await h.close();
    }
  });

  it.skipIf(kind !== 'pglite')('an app role with no rights in schema jarvis_sync writes as before, and its changes are recorded', async () => {
    await store.exec!(`DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'jarvis_test_app') THEN CREATE ROLE jarvis_test_app; END IF;
      END $$;
      GRANT USAGE ON SCHEMA public TO jarvis_test_app;
      GRANT SELECT, INSERT, UPDATE ON journals TO jarvis_test_app;
      CREATE POLICY jarvis_test_app_all ON journals FOR ALL TO jarvis_test_app USING (true) WITH CHECK (true);`);
    try {
      await store.transaction(async (tx) => {
        await tx.query('SET LOCAL ROLE jarvis_test_app');
        await tx.query(`INSERT INTO journals (id, title) VALUES ('00000000-0000-4000-8000-000000000001', 'by the app')`);
        // The role cannot read what the trigger wrote: the trigger function writes as its owner.
        await expect(tx.transaction((inner) => inner.query('SELECT * FROM jarvis_sync.row_changes'))).rejects.toThrow(/permission denied/);
      });
      expect(await recorded()).toEqual([['journals', '00000000-0000-4000-8000-000000000001', 'insert']]);
    } finally {
      await store.exec!(`DROP POLICY jarvis_test_app_all ON journals; REVOKE ALL ON journals FROM jarvis_test_app; REVOKE ALL ON SCHEMA public FROM jarvis_test_app; DROP ROLE jarvis_test_app;`);
    }
  });

  it('migrate follows the config: a renamed table, an adopted table and a two-way dataset of your own get the triggers; a disabled dataset loses them', async () => {
    const presets = defaultDatasets();
    const resolved = (d: (typeof presets)[number], extra: Partial<ResolvedDataset> = {}): ResolvedDataset => ({ ...d, databaseId: null, enabled: true, adopt: false, ...extra });
    await store.query(`CREATE TABLE my_journals (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), title text, mine text)`);
    const recipes = userDataset({ name: 'recipes', direction: 'two-way', table: 'recipes', fields: { name: { property: 'Name', type: 'text' } } });
    try {
      const datasets = presets.map((d) =>
        d.name === 'tasks' ? resolved(d, { table: 'jarvis_tasks' }) : d.name === 'journals' ? resolved(d, { table: 'my_journals', adopt: true }) : d.name === 'meetings' ? resolved(d, { enabled: false }) : resolved(d),
      );
      const result = await migrate(store, { datasets: [...datasets, { ...recipes, databaseId: null, enabled: true, adopt: false }] });
      expect(result.tables.created.sort()).toEqual(['jarvis_tasks', 'recipes']);
      expect(result.tables.adopted).toEqual(['my_journals']);
      expect(await triggered()).toEqual([
        ['contacts', 2],
        ['jarvis_tasks', 2],
        ['journals', 2], // no longer a dataset's table here, and no dataset says otherwise: left as it was
        ['my_journals', 2],
        ['recipes', 2],
        ['reflections', 2],
        ['tasks', 2],
      ]);
      // The adopted table and your own record changes like the others.
      await store.query(`INSERT INTO my_journals (title) VALUES ('adopted')`);
      await store.query(`INSERT INTO recipes DEFAULT VALUES`);
      await store.query(`INSERT INTO meetings (title) VALUES ('disabled: not recorded')`);
      expect((await recorded()).map(([t, , op]) => [t, op])).toEqual([
        ['my_journals', 'insert'],
        ['recipes', 'insert'],
      ]);
      // Run again: nothing to do.
      expect(await migrate(store, { datasets: [...datasets, { ...recipes, databaseId: null, enabled: true, adopt: false }] })).toMatchObject({ applied: [] });
    } finally {
      await store.query(`DROP TABLE IF EXISTS jarvis_tasks, my_journals, recipes`);
      await store.query(`DELETE FROM jarvis_sync.owned_tables WHERE table_name IN ('jarvis_tasks', 'my_journals', 'recipes')`);
      await migrate(store); // the defaults again: meetings gets its triggers back
    }
    expect(await triggered()).toEqual(TWO_WAY_TABLES.map((t) => [t, 2]));
  });
});

/** The TEST_DATABASE_URL server's URL of the store's database. */
async function urlOf(store: Store): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${(await store.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db}`;
  return url.toString();
}
