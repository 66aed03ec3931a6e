/**
 * Postgres → Notion in seconds (src/scheduler/postgresChanges.ts) against the Notion emulator, on
 * PGlite and on PostgreSQL, with LISTEN and by polling. Time is a FakeClock driven through
 * ManualTimers: settle windows and polls happen when the test advances them; nobody sleeps. (With
 * LISTEN, the database's notification itself arrives in real time, within milliseconds: the test
 * waits for it by turns of the event loop.)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { runAll } from '../../src/engine/runAll.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { LOCKED_RETRY_MS, LISTEN_BACKSTOP_MS, PostgresChanges, type FreshnessSink, type PostgresArrival } from '../../src/scheduler/postgresChanges.ts';
import { RunManager } from '../../src/scheduler/runManager.ts';
import { ManualTimers } from '../../src/lib/timers.ts';
import { acquireLease } from '../../src/store/leases.ts';
import { readRowChanges, ROW_CHANGES_CHANNEL } from '../../src/store/rowChanges.ts';
import type { Store } from '../../src/store/types.ts';
import { plain } from '../helpers/harness.ts';
import { noTimers } from '../helpers/leases.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';
import { until } from '../server/helpers.ts';

const POLL_MS = 5_000;
const SETTLE_MS = 2_000;

interface Service {
  h: TwoWayHarness;
  timers: ManualTimers;
  runs: RunManager;
  changes: PostgresChanges;
  /** Log lines (JSON) at every level, debug included. */
  logs: Array<{ level: number; msg: string }>;
  /** What the freshness sink was told. */
  sink: { arrivals: Array<[string, PostgresArrival, number | null]>; lags: Array<[string, number]>; reads: number };
  close(): Promise<void>;
}

type Mode = 'listen' | 'polling';

describe.each(storeBackends())('Postgres → Notion on %s', (kind) => {
  let store: Store;
  let s: Service | undefined;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store?.close());
  beforeEach(() => resetTables(store));
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  async function startService(mode: Mode, o: { fetch?: typeof fetch; runStore?: Store } = {}): Promise<Service> {
    const h = await createTwoWayHarness(store, { clockStart: Date.now(), fetch: o.fetch });
    const logs: Service['logs'] = [];
    const logger = createLogger({ level: 'debug', format: 'json', destination: { write: (line: string) => void logs.push(JSON.parse(line)) } });
    h.ctx = { ...h.ctx, logger, store: o.runStore ?? store };
    // Every page becomes a row (jarvis-sync's own writes: nothing is recorded).
    await runAll({ ...h.ctx, store });
    const timers = new ManualTimers(h.clock);
    const runs = new RunManager({ context: h.ctx, logger, clock: h.clock, timers });
    const config: Config = {
      ...h.config,
      database: { ...h.config.database, url: kind === 'postgres' ? await urlOf(store) : null },
      postgresChanges: { enabled: true, listen: mode === 'listen', pollSeconds: POLL_MS / 1000, settleSeconds: SETTLE_MS / 1000 },
    };
    const sink: Service['sink'] = { arrivals: [], lags: [], reads: 0 };
    const freshness: FreshnessSink = {
      set: (dataset, _source, arrival, interval) => void sink.arrivals.push([dataset, arrival, interval]),
      polled: (dataset) => void (dataset === 'tasks' && sink.reads++),
      recordLag: (dataset, _source, changedAt, writtenAt) => void sink.lags.push([dataset, writtenAt - changedAt]),
    };
    const changes = new PostgresChanges({ runs, store, config, logger, clock: h.clock, timers, freshness });
    changes.start();
    await changes.started;
    if (mode === 'listen') await until(() => changes.arrival === 'listen', 'LISTEN to be confirmed');
    return {
      h,
      timers,
      runs,
      changes,
      logs,
      sink,
      async close() {
        await changes.close();
        await runs.idle();
        await changes.idle();
        await h.close();
      },
    };
  }

  const pending = (dataset: string) => s!.changes.datasets().find((d) => d.dataset === dataset)!.pending;
  const postgresRuns = () => s!.runs.list().filter((r) => r.trigger === 'postgres');
  const rowOf = async (table: string, pageId: string) => (await store.query<{ id: string }>(`SELECT id::text AS id FROM ${table} WHERE notion_page_id = $1`, [pageId])).rows[0]!.id;

  /** The recorded changes reach the service: by notification (LISTEN) or at the next poll. */
  async function arrive(mode: Mode, datasets: string[]): Promise<void> {
    if (mode === 'listen') await until(() => datasets.every((d) => pending(d) > 0), `changes of ${datasets.join(', ')} to arrive`);
    else {
      expect(datasets.every((d) => pending(d) === 0)).toBe(true); // nothing before the poll
      await s!.timers.advance(POLL_MS);
      await s!.changes.idle();
      expect(datasets.every((d) => pending(d) > 0)).toBe(true);
    }
  }

  /** The settle window passes; the runs it starts finish. */
  async function settle(): Promise<void> {
    await s!.timers.advance(SETTLE_MS);
    await s!.changes.idle();
  }

  describe.each(['listen', 'polling'] as const)('%s', (mode) => {
    it('an external UPDATE, INSERT and soft delete each start a targeted run that writes them to Notion, and are then consumed', async () => {
      s = await startService(mode);
      expect(s.changes.arrival).toBe(mode);
      const { h } = s;
      const [meeting] = h.emulator.listPages(h.ids.meetingsDataSource);
      const [journal] = h.emulator.listPages(h.ids.journalsDataSource);
      const meetingRow = await rowOf('meetings', meeting!.id);
      const journalRow = await rowOf('journals', journal!.id);
      const writesBefore = h.notionWrites();

      await store.query(`UPDATE meetings SET summary = 'Edited by an app' WHERE id = $1`, [meetingRow]);
      const { rows } = await store.query<{ id: string }>(
        `INSERT INTO reflections (title, date, content, mood) VALUES ('Born in Postgres', '2026-03-01', 'A thought', 'Calm') RETURNING id::text AS id`,
      );
      await store.query(`UPDATE journals SET deleted_at = now() WHERE id = $1`, [journalRow]);
      await arrive(mode, ['meetings', 'reflections', 'journals']);
      expect(postgresRuns()).toEqual([]); // settling
      await settle();

      expect(postgresRuns().map((r) => [r.target, r.status, r.options.recordIds]).sort()).toEqual([
        ['journals', 'success', [journalRow]],
        ['meetings', 'success', [meetingRow]],
        ['reflections', 'success', [rows[0]!.id]],
      ]);
      expect(s.runs.list().filter((r) => r.trigger !== 'postgres')).toEqual([]);
      expect(plain(h.emulator.getPage(meeting!.id)!, 'Summary')).toBe('Edited by an app');
      expect(h.emulator.getPage(journal!.id)!.in_trash).toBe(true);
      const born = h.emulator.listPages(h.ids.reflectionsDataSource).filter((p) => plain(p, 'Title') === 'Born in Postgres');
      expect(born).toHaveLength(1);
      expect(await store.query(`SELECT notion_page_id FROM reflections WHERE id = $1`, [rows[0]!.id]).then((r) => r.rows[0].notion_page_id)).toBe(born[0]!.id);
      expect(h.notionWrites() - writesBefore).toBe(3);
      // Consumed: the table holds nothing, and the runs' own writes recorded nothing.
      expect(await readRowChanges(store, 100)).toEqual([]);

      // Lag: edit → write, per dataset, here and in the freshness sink.
      for (const d of ['meetings', 'reflections', 'journals']) {
        const status = s.changes.datasets().find((x) => x.dataset === d)!;
        expect(status).toMatchObject({ arrival: mode, pollIntervalSeconds: mode === 'listen' ? LISTEN_BACKSTOP_MS / 1000 : POLL_MS / 1000, lagCount: 1, pending: 0 });
        expect(status.lastLagMs).toBeGreaterThanOrEqual(0);
        expect(s.sink.lags.filter(([x]) => x === d)).toHaveLength(1);
      }
      expect(s.sink.arrivals.filter(([d]) => d === 'meetings').at(-1)).toEqual(['meetings', mode, mode === 'listen' ? 60 : 5]);
    });

    it('a burst of edits to one row becomes one Notion write, with the last value', async () => {
      s = await startService(mode);
      const { h } = s;
      const [task] = h.emulator.listPages(h.ids.tasksDataSource);
      const row = await rowOf('tasks', task!.id);
      const writesBefore = h.notionWrites();
      for (let i = 1; i <= 5; i++) {
        const reads = s.sink.reads;
        await store.query(`UPDATE tasks SET notes = $1 WHERE id = $2`, [`draft ${i}`, row]);
        if (mode === 'listen') {
          // Each edit is read as it commits and restarts the row's settle window.
          // A read already under way when the edit committed may not see it: wait for the row itself.
          await until(() => s!.sink.reads > reads && pending('tasks') === 1, 'the edit to arrive');
          await s.changes.idle();
          expect(pending('tasks')).toBe(1);
          await s.timers.advance(SETTLE_MS / 2);
          await s.changes.idle();
        }
      }
      await arrive(mode, ['tasks']);
      await settle();
      expect(postgresRuns().map((r) => [r.target, r.options.recordIds])).toEqual([['tasks', [row]]]);
      expect(h.notionWrites() - writesBefore).toBe(1);
      expect(plain(h.emulator.getPage(task!.id)!, 'Notes')).toBe('draft 5');
      expect(await readRowChanges(store, 100)).toEqual([]);
    });

    it("jarvis-sync's own writes wake nothing: a sync that writes rows from Notion starts no run of its own", async () => {
      s = await startService(mode);
      const { h } = s;
      const [meeting] = h.emulator.listPages(h.ids.meetingsDataSource);
      h.clock.advance(10 * 60_000);
      h.emulator.updatePage(meeting!.id, { Title: { title: [{ text: { content: 'Renamed in Notion' } }] } });
      h.emulator.createPage(h.ids.tasksDataSource, { Name: { title: [{ text: { content: 'Born in Notion' } }] } });
      const started = s.runs.start('all', {}, 'schedule');
      if ('conflict' in started) throw new Error('conflict');
      const record = await started.done;
      expect(record.results.find((r) => r.dataset === 'meetings')?.writes?.postgres.updated).toBe(1);
      expect(record.results.find((r) => r.dataset === 'tasks')?.writes?.postgres.created).toBe(1);
      // Polls (with LISTEN: the backstop read) and settle windows go by: nothing was recorded, nothing runs.
      for (let i = 0; i < 3; i++) {
        await s.timers.advance(LISTEN_BACKSTOP_MS);
        await s.changes.idle();
      }
      expect(await readRowChanges(store, 100)).toEqual([]);
      expect(postgresRuns()).toEqual([]);
      expect(s.changes.datasets().every((d) => d.pending === 0 && d.lagCount === 0)).toBe(true);
    });

    it('a row changed again while its run is in flight is synced again afterwards', async () => {
      // Hold the run's Notion write: the run has read the row by then.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let patches = 0;
      const fetchGate: typeof fetch = async (input, init) => {
        if (init?.method === 'PATCH' && ++patches === 1) await held;
        return fetch(input, init);
      };
      s = await startService(mode, { fetch: fetchGate });
      const { h } = s;
      const [meeting] = h.emulator.listPages(h.ids.meetingsDataSource);
      const row = await rowOf('meetings', meeting!.id);
      await store.query(`UPDATE meetings SET summary = 'first' WHERE id = $1`, [row]);
      await arrive(mode, ['meetings']);
      await s.timers.advance(SETTLE_MS);
      await until(() => patches === 1, 'the first run to write to Notion');
      expect(s.runs.running().map((r) => r.trigger)).toEqual(['postgres']);

      // Edited again while that run is writing 'first'.
      await store.query(`UPDATE meetings SET summary = 'second' WHERE id = $1`, [row]);
      if (mode === 'listen') {
        await until(() => pending('meetings') === 2, 'the second edit to arrive'); // one in the run, one settling
        await s.timers.advance(SETTLE_MS); // settled: it waits for the run in the way
        expect(postgresRuns()).toHaveLength(1);
        release();
        await s.changes.idle();
      } else {
        // Not read yet when the first run ends: that run consumes only the change it was started
        // for, and the second stays recorded for the next poll.
        release();
        await s.changes.idle();
        expect(postgresRuns().map((r) => r.status)).toEqual(['success']);
        expect((await readRowChanges(store, 100)).map((c) => [c.recordId, c.op])).toEqual([[row, 'update']]);
        // The next poll, then the settle window (the poll's read may end after the first advance).
        await s.timers.advance(POLL_MS);
        await s.changes.idle();
        await s.timers.advance(SETTLE_MS);
        await s.changes.idle();
      }

      const done = postgresRuns();
      expect(done.map((r) => [r.status, r.options.recordIds])).toEqual([
        ['success', [row]],
        ['success', [row]],
      ]);
      expect(patches).toBe(2);
      expect(plain(h.emulator.getPage(meeting!.id)!, 'Summary')).toBe('second');
      expect(await readRowChanges(store, 100)).toEqual([]);
    });

    it('a change row or notification naming a foreign table, a non-uuid or a missing row is ignored with a debug line, once, and deleted', async () => {
      s = await startService(mode);
      const { h } = s;
      const [meeting] = h.emulator.listPages(h.ids.meetingsDataSource);
      const row = await rowOf('meetings', meeting!.id);
      const [book] = (await store.query<{ id: string }>(`INSERT INTO books (title) VALUES ('one-way') RETURNING id::text AS id`)).rows;
      await store.query(
        `INSERT INTO jarvis_sync.row_changes (table_schema, table_name, record_id, op) VALUES
           ('public', 'books', $1, 'update'),
           ('public', 'meetings', 'not-a-uuid''; DROP TABLE meetings; --', 'update'),
           ('public', 'meetings', '00000000-0000-4000-8000-00000000dead', 'update'),
           ('elsewhere', 'meetings', $2, 'update'),
           ('public', 'no_such_table', $2, 'insert')`,
        [book!.id, row],
      );
      await store.query(`SELECT pg_notify($1, 'no_such_table'), pg_notify($1, 'probe:not-ours'), pg_notify($1, repeat('x', 5000))`, [ROW_CHANGES_CHANNEL]);
      if (mode === 'listen') await until(() => s!.logs.some((l) => /ignored a notification/.test(l.msg)), 'the notification to arrive');
      await s.timers.advance(POLL_MS > LISTEN_BACKSTOP_MS ? POLL_MS : LISTEN_BACKSTOP_MS);
      await s.changes.idle();
      await s.timers.advance(SETTLE_MS);
      await s.changes.idle();

      expect(await readRowChanges(store, 100)).toEqual([]);
      expect(postgresRuns()).toEqual([]);
      const ignored = s.logs.filter((l) => /ignored/.test(l.msg));
      expect(ignored.every((l) => l.level === 20)).toBe(true); // debug
      expect(ignored.filter((l) => /ignored a change/.test(l.msg))).toHaveLength(5);
      if (mode === 'listen') expect(ignored.filter((l) => /ignored a notification/.test(l.msg)).length).toBeGreaterThanOrEqual(2);
      expect(s.logs.filter((l) => l.level >= 40)).toEqual([]); // no warning, no error
      // Later reads find nothing more to say.
      const before = s.logs.length;
      await s.timers.advance(LISTEN_BACKSTOP_MS * 2);
      await s.changes.idle();
      expect(s.logs.slice(before).filter((l) => /ignored/.test(l.msg))).toEqual([]);
      expect(await store.query('SELECT count(*)::int AS n FROM meetings').then((r) => r.rows[0].n)).toBeGreaterThan(0);
    });
  });

  it('an idle poll is one statement that returns nothing and starts nothing', async () => {
    s = await startService('polling');
    await s.changes.idle();
    const before = store.statementCount;
    for (let i = 0; i < 4; i++) {
      await s.timers.advance(POLL_MS);
      await s.changes.idle();
    }
    expect(store.statementCount - before).toBe(4);
    expect(await readRowChanges(store, 100)).toEqual([]);
    expect(s.runs.list()).toEqual([]);
    expect(s.changes.datasets().every((d) => d.lastPollAt !== null && d.pending === 0)).toBe(true);
  });

  it('a run another instance holds the dataset for (locked) leaves the changes recorded; they are synced once it is free', async () => {
    s = await startService('polling');
    const { h } = s;
    const other = await acquireLease(store, 'dataset:tasks', { timers: noTimers, identity: { owner: 'another host', process: null } });
    if (!other.ok) throw new Error('could not take the lease');
    const [task] = h.emulator.listPages(h.ids.tasksDataSource);
    const row = await rowOf('tasks', task!.id);
    await store.query(`UPDATE tasks SET notes = 'while locked' WHERE id = $1`, [row]);
    await arrive('polling', ['tasks']);
    await settle();
    expect(postgresRuns().map((r) => r.results[0]?.status)).toEqual(['locked']);
    expect((await readRowChanges(store, 100)).map((c) => c.recordId)).toEqual([row]);
    await other.lease.release();
    await s.timers.advance(LOCKED_RETRY_MS);
    await s.changes.idle();
    await settle();
    expect(postgresRuns().map((r) => r.results[0]?.status)).toEqual(['success', 'locked']);
    expect(plain(h.emulator.getPage(task!.id)!, 'Notes')).toBe('while locked');
    expect(await readRowChanges(store, 100)).toEqual([]);
  });

  it('a change not synced before the service stops stays recorded, and the next start syncs it', async () => {
    s = await startService('polling');
    const { h } = s;
    const [task] = h.emulator.listPages(h.ids.tasksDataSource);
    const row = await rowOf('tasks', task!.id);
    await store.query(`UPDATE tasks SET notes = 'just before the stop' WHERE id = $1`, [row]);
    await arrive('polling', ['tasks']); // read, settling
    await s.changes.close();
    expect((await readRowChanges(store, 100)).map((c) => c.recordId)).toEqual([row]);
    // Stopped: the triggers record nothing more once no consumer is left.
    await store.query(`UPDATE tasks SET notes = 'while stopped' WHERE id = $1`, [row]);
    expect(await readRowChanges(store, 100)).toHaveLength(1);

    const next = new PostgresChanges({ runs: s.runs, store, config: { ...h.config, postgresChanges: { enabled: true, listen: false, pollSeconds: 5, settleSeconds: 2 } }, logger: h.ctx.logger, clock: h.clock, timers: s.timers });
    next.start();
    await next.started; // the first read takes up what was left
    await s.timers.advance(SETTLE_MS);
    await next.idle();
    await next.close();
    expect(postgresRuns().map((r) => [r.status, r.options.recordIds])).toEqual([['success', [row]]]);
    expect(plain(h.emulator.getPage(task!.id)!, 'Notes')).toBe('while stopped');
    expect(await readRowChanges(store, 100)).toEqual([]);
  });

  it('postgresChanges.enabled: false, or no two-way dataset configured: changes arrive by the schedule, and nothing is recorded', async () => {
    const h = await createTwoWayHarness(store);
    try {
      const timers = new ManualTimers(h.clock);
      const runs = new RunManager({ context: h.ctx, logger: h.ctx.logger, clock: h.clock, timers });
      const off = new PostgresChanges({ runs, store, config: { ...h.config, postgresChanges: { ...h.config.postgresChanges, enabled: false } }, logger: h.ctx.logger, clock: h.clock, timers });
      off.start();
      await off.started;
      expect(off.arrival).toBe('schedule');
      expect(off.datasets().map((d) => [d.dataset, d.arrival, d.pollIntervalSeconds])).toEqual(['contacts', 'meetings', 'tasks', 'reflections', 'journals'].map((d) => [d, 'schedule', null]));
      await store.query(`INSERT INTO tasks (title) VALUES ('nobody listens')`);
      expect(await readRowChanges(store, 10)).toEqual([]);
      expect(timers.count).toBe(0);
      await off.close();
      const none = new PostgresChanges({ runs, store, config: { ...h.config, datasets: h.config.datasets.map((d) => ({ ...d, databaseId: null })) }, logger: h.ctx.logger, clock: h.clock, timers });
      none.start();
      expect(none.arrival).toBe('schedule');
      expect(none.datasets()).toEqual([]);
      await none.close();
    } finally {
      await h.close();
    }
  });
});

/** The TEST_DATABASE_URL server's URL of the store's database. */
async function urlOf(store: Store): Promise<string> {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  url.pathname = `/${(await store.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db}`;
  return url.toString();
}

describe('config: postgresChanges', () => {
  const withFile = (file: unknown) => {
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-pgchanges-'));
    try {
      writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(file));
      return loadConfig({ env: {}, cwd: dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('defaults: on, LISTEN where it works, a poll every 5 s, a 2 s settle window', () => {
    expect(withFile({}).postgresChanges).toEqual({ enabled: true, listen: true, pollSeconds: 5, settleSeconds: 2 });
    expect(withFile({ postgresChanges: { listen: false, pollSeconds: 2 } }).postgresChanges).toEqual({ enabled: true, listen: false, pollSeconds: 2, settleSeconds: 2 });
  });

  it('refuses an unknown key and an interval out of bounds', () => {
    expect(() => withFile({ postgresChanges: { pollSecs: 5 } })).toThrow(/postgresChanges/);
    expect(() => withFile({ postgresChanges: { pollSeconds: 0 } })).toThrow(/postgresChanges\.pollSeconds/);
  });
});
