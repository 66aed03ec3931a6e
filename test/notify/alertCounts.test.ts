/**
 * Alert counts in the database (jarvis_sync.alerts, src/notify/alerts.ts): the fifth occurrence
 * within the window notifies whether or not successes came between, older occurrences do not count,
 * a new notifier on the same database (a restart, or the next cron invocation) keeps counting, two
 * recorders finishing runs at once send each message once, and a database that cannot be reached
 * leaves the service counting in memory.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.ts';
import { emptyResult, summarize, type RunResult } from '../../src/engine/result.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { createNotifier } from '../../src/notify/index.ts';
import type { RunRecord } from '../../src/scheduler/runManager.ts';
import { migrate, openStore, type Sql, type Store } from '../../src/store/index.ts';
import { createTestDatabase, openTestStore, resetTables, storeBackends, type TestDatabase } from '../helpers/stores.ts';

const RATE_LIMITED = 'Notion POST /v1/data_sources/:id/query failed (429 rate_limited): You have been rate limited.';
const UNAUTHORIZED = 'Notion GET /v1/databases/:id failed (401 unauthorized): API token is invalid.';

function failed(dataset: string, message: string): RunResult {
  const r = emptyResult(dataset, 'incremental', false);
  r.status = 'error';
  r.message = message;
  return r;
}
function ok(dataset: string): RunResult {
  const r = emptyResult(dataset, 'incremental', false);
  r.message = summarize(r);
  return r;
}
let runNo = 0;
function run(results: RunResult[]): RunRecord {
  const bad = results.some((r) => r.status === 'error');
  return { id: `run-${++runNo}`, target: 'all', trigger: 'schedule', status: bad ? 'error' : 'success', startedAt: '2026-01-05T09:00:00.000Z', options: {}, results };
}

/** A webhook receiver behind an injected fetch: the bodies it was sent. */
function webhook() {
  const sent: Array<{ kind: string; resolved: boolean; count: number; first_seen: string }> = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    sent.push(JSON.parse(String(init.body)));
    return new Response('ok', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { sent, fetch };
}

const silent = { info() {}, warn() {}, error() {}, debug() {} } as never;

function notifierOn(sql: Sql, clock: FakeClock, fetch: typeof globalThis.fetch, windowHours = 24) {
  const config = { notifications: { webhookUrl: 'https://hooks.example.com/T/B/secret', format: 'json' as const, transientThreshold: 5, windowHours } } satisfies Pick<Config, 'notifications'>;
  return createNotifier({ config, logger: silent, clock, fetch, store: sql });
}

describe.each(storeBackends())('alert counts in the database (%s)', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => resetTables(store));

  it('failure and success alternating: the fifth failure within the window notifies, once; the next success resolves', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const hook = webhook();
    const n = notifierOn(store, clock, hook.fetch);
    for (let i = 0; i < 4; i++) {
      clock.advance(15 * 60_000);
      await n.recordRun(run([failed('books', RATE_LIMITED)]));
      clock.advance(15 * 60_000);
      await n.recordRun(run([ok('books')]));
    }
    expect(hook.sent).toEqual([]);
    clock.advance(15 * 60_000);
    await n.recordRun(run([failed('books', RATE_LIMITED)]));
    expect(hook.sent).toMatchObject([{ kind: 'notion:rate_limited', count: 5, resolved: false, first_seen: '2026-01-05T09:15:00.000Z' }]);
    clock.advance(15 * 60_000);
    await n.recordRun(run([failed('books', RATE_LIMITED)]));
    expect(hook.sent).toHaveLength(1);
    await n.recordRun(run([ok('highlights')]));
    expect(hook.sent).toMatchObject([{ resolved: false }, { kind: 'notion:rate_limited', resolved: true, count: 6 }]);
    const { rows } = await store.query(`SELECT state, cardinality(occurrences) AS n FROM jarvis_sync.alerts WHERE kind = 'notion:rate_limited'`);
    expect(rows).toEqual([{ state: 'resolved', n: 0 }]);
    // The next incident counts from 1.
    for (let i = 0; i < 4; i++) await n.recordRun(run([failed('books', RATE_LIMITED)]));
    expect(hook.sent).toHaveLength(2);
    await n.recordRun(run([failed('books', RATE_LIMITED)]));
    expect(hook.sent).toHaveLength(3);
  });

  it('occurrences older than the window do not count', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const hook = webhook();
    const n = notifierOn(store, clock, hook.fetch);
    for (let i = 0; i < 4; i++) {
      await n.recordRun(run([failed('books', RATE_LIMITED)]));
      clock.advance(60 * 60_000); // 09:00, 10:00, 11:00, 12:00
    }
    clock.set('2026-01-06T10:30:00.000Z'); // 09:00 and 10:00 of yesterday are out of the 24 h
    await n.recordRun(run([failed('books', RATE_LIMITED)]));
    expect(hook.sent).toEqual([]);
    expect(await n.incidents()).toMatchObject([{ key: 'notion:rate_limited', count: 3, notified: false, firstSeen: '2026-01-05T11:00:00.000Z' }]);
    await n.recordRun(run([failed('books', RATE_LIMITED)]));
    await n.recordRun(run([failed('books', RATE_LIMITED)]));
    expect(hook.sent).toMatchObject([{ count: 5, first_seen: '2026-01-05T11:00:00.000Z' }]);
  });

  it('a restart keeps the count: a new notifier on the same database notifies at the fifth, and another one resolves it', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const hook = webhook();
    const before = notifierOn(store, clock, hook.fetch);
    for (let i = 0; i < 3; i++) await before.recordRun(run([failed('books', RATE_LIMITED)]));
    const after = notifierOn(store, clock, hook.fetch);
    await after.recordRun(run([failed('highlights', RATE_LIMITED)]));
    expect(hook.sent).toEqual([]);
    await after.recordRun(run([failed('highlights', RATE_LIMITED)]));
    expect(hook.sent).toMatchObject([{ kind: 'notion:rate_limited', count: 5, dataset: 'books, highlights' }]);
    // Nobody sends it again, and any process's success resolves it — once.
    await notifierOn(store, clock, hook.fetch).recordRun(run([failed('books', RATE_LIMITED)]));
    await notifierOn(store, clock, hook.fetch).recordRun(run([ok('books')]));
    await notifierOn(store, clock, hook.fetch).recordRun(run([ok('books')]));
    expect(hook.sent.map((m) => m.resolved)).toEqual([false, true]);
  });

  it('recorders finishing runs at once send each message once (the count is one statement)', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const hook = webhook();
    const recorders = Array.from({ length: 8 }, () => notifierOn(store, clock, hook.fetch));
    // Eight processes see the same transient problem and the same permanent one at the same moment.
    await Promise.all(recorders.map((n) => n.recordRun(run([failed('books', RATE_LIMITED)]))));
    await Promise.all(recorders.map((n) => n.recordRun(run([failed('tasks', UNAUTHORIZED)]))));
    expect(hook.sent.map((m) => m.kind).sort()).toEqual(['notion:auth', 'notion:rate_limited']);
    expect(hook.sent.find((m) => m.kind === 'notion:rate_limited')!.count).toBe(5);
    await Promise.all(recorders.map((n) => n.recordRun(run([ok('books'), ok('tasks')]))));
    expect(hook.sent.filter((m) => m.resolved).map((m) => m.kind).sort()).toEqual(['notion:auth', 'notion:rate_limited']);
    expect(hook.sent).toHaveLength(4);
  });
});

describe.runIf(storeBackends().includes('postgres'))('alert counts across processes (two stores on one database)', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await openStore({ databaseUrl: db.url });
    await migrate(a);
    b = await openStore({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  it('the CLI and the service finishing runs at once: every occurrence counted, one message per incident', async () => {
    const clock = new FakeClock('2026-01-05T09:00:00.000Z');
    const hook = webhook();
    const cli = notifierOn(a, clock, hook.fetch);
    const service = notifierOn(b, clock, hook.fetch);
    for (let round = 0; round < 10; round++) {
      clock.advance(60_000);
      await Promise.all([cli.recordRun(run([failed('books', RATE_LIMITED)])), service.recordRun(run([failed('books', RATE_LIMITED)]))]);
    }
    expect(hook.sent).toHaveLength(1);
    const { rows } = await a.query(`SELECT count, state FROM jarvis_sync.alerts WHERE kind = 'notion:rate_limited'`);
    expect(rows).toEqual([{ count: 20, state: 'notified' }]);
    await Promise.all([cli.recordRun(run([ok('books')])), service.recordRun(run([ok('books')]))]);
    expect(hook.sent.map((m) => m.resolved)).toEqual([false, true]);
  });
});

describe('a database that cannot be reached', () => {
  it('the service counts in memory meanwhile, and notifies at the fifth', async () => {
    const down: Sql = {
      query: async () => {
        throw new Error('Connection terminated unexpectedly');
      },
      transaction: async () => {
        throw new Error('Connection terminated unexpectedly');
      },
    };
    const clock = new FakeClock();
    const hook = webhook();
    const n = notifierOn(down, clock, hook.fetch);
    const pgDown = (): RunRecord => ({ ...run([]), status: 'error', error: 'Cannot connect to Postgres at DATABASE_URL (postgres://db.example.com:5432/postgres): connection refused' });
    for (let i = 0; i < 4; i++) await n.recordRun(pgDown());
    expect(hook.sent).toEqual([]);
    await n.recordRun(pgDown());
    expect(hook.sent).toMatchObject([{ kind: 'postgres:connection', count: 5 }]);
  });
});
