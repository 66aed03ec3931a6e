/**
 * Postgres → Notion through a pooler (src/scheduler/postgresChanges.ts). Through PgBouncer in
 * transaction mode (Supabase's port 6543) LISTEN cannot work, so the service finds the pooler and
 * polls; jarvis-sync's own writes stay unrecorded there too (the mark is transaction-local). Through
 * the session pooler LISTEN works. An app edits the row over its own direct connection.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { PostgresChanges } from '../../src/scheduler/postgresChanges.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { readRowChanges } from '../../src/store/rowChanges.ts';
import { plain } from '../helpers/harness.ts';
import { connectClient, describePoolers, openPoolerTestStore, type PoolerTestStore } from '../helpers/poolers.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';
import { until } from '../server/helpers.ts';

describePoolers('Postgres → Notion', (mode) => {
  let store: PoolerTestStore;
  let h: TwoWayHarness;
  let timers: ManualTimers;
  let runs: RunManager;
  let changes: PostgresChanges;
  beforeAll(async () => {
    store = await openPoolerTestStore(mode);
    h = await createTwoWayHarness(store, { clockStart: Date.now() });
    timers = new ManualTimers(h.clock);
    runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, timers });
    const config: Config = {
      ...h.config,
      database: { ...h.config.database, url: store.database.poolerUrl },
      postgresChanges: { enabled: true, listen: true, pollSeconds: 5, settleSeconds: 2 },
    };
    changes = new PostgresChanges({ runs, store, config, logger: h.ctx.logger, clock: h.clock, timers });
    changes.start();
    await changes.started;
  });
  afterAll(async () => {
    await changes?.close();
    await runs?.idle();
    await h?.close();
    await store?.close();
  });

  it(mode === 'transaction' ? 'polls: LISTEN cannot work through a transaction pooler' : 'listens: LISTEN works through a session pooler', async () => {
    if (mode === 'transaction') expect(changes.arrival).toBe('polling');
    else await until(() => changes.arrival === 'listen', 'LISTEN to be confirmed');
  });

  it("jarvis-sync's own writes through the pooler are not recorded", async () => {
    const results = await runAll(h.ctx); // every page becomes a row, through the pooler
    expect(results.filter((r) => r.status !== 'success' && r.status !== 'skipped')).toEqual([]);
    expect(await store.query('SELECT count(*)::int AS n FROM tasks').then((r) => r.rows[0].n)).toBeGreaterThan(0);
    expect(await readRowChanges(store, 100)).toEqual([]);
  });

  it("an app's edit on its own connection reaches Notion in a targeted run", async () => {
    const [task] = h.emulator.listPages(h.ids.tasksDataSource);
    const app = await connectClient(store.database.directUrl);
    try {
      await app.query(`UPDATE tasks SET notes = 'edited by an app' WHERE notion_page_id = $1`, [task!.id]);
    } finally {
      await app.end();
    }
    const pending = () => changes.datasets().find((d) => d.dataset === 'tasks')!.pending;
    if (mode === 'transaction') {
      expect(pending()).toBe(0);
      await timers.advance(5_000); // the poll
      await changes.idle();
    } else await until(() => pending() > 0, 'the notification');
    expect(pending()).toBe(1);
    await timers.advance(2_000); // the settle window
    await changes.idle();
    expect(runs.list().filter((r) => r.trigger === 'postgres').map((r) => [r.target, r.status])).toEqual([['tasks', 'success']]);
    expect(plain(h.emulator.getPage(task!.id)!, 'Notes')).toBe('edited by an app');
    expect(await readRowChanges(store, 100)).toEqual([]);
  });
});
