/**
 * The lock campaign (chaos/locks.ts), reduced for the test suite (`npm run chaos -- --locks-only`
 * is the full one), and its oracle.
 *
 * - The overlap oracle (chaos/writeLog.ts) on hand-made logs: what counts as two runs writing at once.
 * - It catches a real overlap: two sync processes released at the same instant through the
 *   transaction pooler, once with the worker's TEST ONLY hook that makes leases exclude nothing
 *   (the oracle must find overlapping runs) and once as shipped (none, and one found the other's
 *   dataset locked).
 * - "Nothing left locked" sees a lease still held and an advisory lock.
 * - A reduced campaign through the transaction pooler: kill -9 of a lease holder (taken over at
 *   once), of a holder on "another machine" (the successor waits for the ttl), pg_terminate_backend
 *   of the sync's server processes, a pooler restart mid-run — 0 lost, duplicated, wrongly
 *   deleted, 0 overlapping runs, nothing left locked.
 *
 * The pooler parts need TEST_DATABASE_URL and TEST_PGBOUNCER_TRANSACTION_URL (.ci/pgbouncer starts
 * the pooler) and skip without them.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../../chaos/campaign.ts';
import { compileEntries, type CompiledEntries } from '../../chaos/compile.ts';
import { createLockHarness, lockFailed, lockLeftovers, type LockScenario } from '../../chaos/locks.ts';
import { historyOf, Model } from '../../chaos/model.ts';
import { createRng } from '../../chaos/rng.ts';
import { analyzeRuns, analyzeWriteLogs, type LogEvent } from '../../chaos/writeLog.ts';
import { migrate, openStore } from '../../src/store/index.ts';
import { createTestDatabase } from '../helpers/stores.ts';

describe('the overlap oracle', () => {
  const pgWrite = (lease: string, token: number, begin: number, end: number): LogEvent => ({ ev: 'write', kind: 'pg', what: 'transaction', lease, token, begin, end });
  const runs = (entries: Record<string, LogEvent[]>) => new Map(Object.entries(entries));

  it('finds two runs of one lease whose writes interleave, not runs that take turns or hold other leases', () => {
    const overlapping = analyzeRuns(runs({ a: [pgWrite('dataset:meetings', 1, 100, 110), pgWrite('dataset:meetings', 1, 150, 160)], b: [pgWrite('dataset:meetings', 2, 120, 130)] }));
    expect(overlapping.overlaps.map((o) => [o.a.run, o.b.run, o.ms])).toEqual([['a', 'b', 10]]);
    const turns = analyzeRuns(runs({ a: [pgWrite('dataset:meetings', 1, 100, 110)], b: [pgWrite('dataset:meetings', 2, 110, 130)], c: [pgWrite('dataset:journals', 1, 105, 120)] }));
    expect(turns.overlaps).toEqual([]);
    expect(turns.phases).toHaveLength(3);
  });

  it('counts a write in flight when its process was killed as lasting until the kill', () => {
    const killed: LogEvent[] = [
      { ev: 'acquired', lease: 'dataset:contacts', token: 4, at: 100 },
      { ev: 'begin', id: 1, kind: 'notion', what: 'createPage', lease: 'dataset:contacts', token: 4, at: 110 },
      { ev: 'killed', at: 200 },
      { ev: 'exit', at: 205 },
    ];
    const a = analyzeRuns(runs({ victim: killed, successor: [pgWrite('dataset:contacts', 5, 150, 160)] }));
    expect(a.overlaps).toHaveLength(1);
    expect(a.overlaps[0]!.a.cutByKill).toBe(true);
    expect(a.heldAtKill.get('victim')).toEqual({ lease: 'dataset:contacts', token: 4, killedAt: 200 });
    expect(analyzeRuns(runs({ victim: killed, successor: [pgWrite('dataset:contacts', 5, 201, 210)] })).overlaps).toEqual([]);
  });

  it('flags a superseded holder writing after a newer one, and writes made without a lease', () => {
    const a = analyzeRuns(
      runs({
        newer: [pgWrite('dataset:journals', 7, 100, 110)],
        stale: [pgWrite('dataset:journals', 6, 120, 130), { ev: 'begin', id: 1, kind: 'google', what: 'updateContact', lease: null, token: null, at: 140 }, { ev: 'end', id: 1, at: 141 }],
      }),
    );
    expect(a.staleWrites.map((p) => p.run)).toEqual(['stale']);
    expect(a.unattributed).toBe(1);
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('nothing left locked (needs TEST_DATABASE_URL)', () => {
  it('sees a lease still held and an advisory lock on the database, and nothing once both are gone', async () => {
    const db = await createTestDatabase();
    const name = new URL(db.url).pathname.slice(1);
    const store = await openStore({ databaseUrl: db.url, maxConnections: 1 });
    const holder = new pg.Client({ connectionString: db.url });
    try {
      await migrate(store);
      expect(await lockLeftovers(db.url, name)).toEqual({ leases: [], advisory: 0, latestExpiry: null });
      await store.query(`INSERT INTO jarvis_sync.leases (name, token, owner, acquired_at, renewed_at, expires_at) VALUES ('dataset:meetings', 1, 'gone pid 1', now(), now(), now() + interval '1 hour')`);
      await holder.connect();
      await holder.query('SELECT pg_advisory_lock(42)');
      const left = await lockLeftovers(db.url, name);
      expect(left.leases).toEqual([expect.stringMatching(/^dataset:meetings held by gone pid 1 until /)]);
      expect(left.advisory).toBe(1);
      await holder.query('SELECT pg_advisory_unlock(42)');
      // Expired (moved back in time rather than waited for) counts as free.
      await store.query(`UPDATE jarvis_sync.leases SET expires_at = now() - interval '1 second'`);
      expect(await lockLeftovers(db.url, name)).toEqual({ leases: [], advisory: 0, latestExpiry: null });
    } finally {
      await holder.end().catch(() => undefined);
      await store.close();
      await db.drop();
    }
  });
});

const serverUrl = process.env.TEST_DATABASE_URL;
const poolerUrl = process.env.TEST_PGBOUNCER_TRANSACTION_URL;
const describePooler = serverUrl && poolerUrl ? describe : describe.skip;

describePooler(`lock campaign through the transaction pooler${serverUrl && poolerUrl ? '' : ' (skipped: set TEST_DATABASE_URL and TEST_PGBOUNCER_TRANSACTION_URL; .ci/pgbouncer starts the pooler)'}`, () => {
  let compiled: CompiledEntries;
  beforeAll(async () => {
    compiled = await compileEntries();
  });
  afterAll(() => compiled?.remove());

  /** Two sync processes released at the same instant on a freshly seeded world; the oracle's view of them. */
  async function twoAtOnce(seed: number, env: Record<string, string>) {
    const h = await createLockHarness({ seed, google: false, connection: 'transaction', serverUrl: serverUrl!, poolerUrl: poolerUrl!, compiled, scenarios: ['overlap-at-once'], privatePooler: false, env });
    try {
      await new Model(createRng(seed).fork('model'), { records: 5, google: false }).seed(h.world);
      const runs = await h.chaosRound(1, createRng(seed).fork('round'), 0);
      return { runs, writes: analyzeWriteLogs(h.writeLogDir), report: await h.lockReport() };
    } finally {
      await h.close();
    }
  }

  it('sees two runs writing one dataset at once when the lease excludes nothing (test hook), and none with the lease', async () => {
    // Each Notion write waits 200 ms, so that two runs of a dataset would certainly meet even when
    // one process starts a good while after the other (two busy cores: 30 ms was not always enough).
    const off = await twoAtOnce(21, { CHAOS_LEASE_OFF: '1', CHAOS_WRITE_DELAY_MS: '200' });
    expect(off.runs.map((r) => r.died)).toEqual([false, false]);
    expect(off.runs.flatMap((r) => r.statuses).filter(([, s]) => s === 'locked')).toEqual([]);
    expect(off.writes.overlaps.length, 'overlapping runs seen by the oracle with the lease off').toBeGreaterThan(0);
    // …and the campaign's verdict fails on them.
    expect(off.report.overlaps).toBe(off.writes.overlaps.length);
    expect(lockFailed(off.report)).toBe(true);

    const on = await twoAtOnce(21, { CHAOS_WRITE_DELAY_MS: '200' });
    expect(on.runs.map((r) => r.died)).toEqual([false, false]);
    expect(on.runs.flatMap((r) => r.statuses).filter(([, s]) => s === 'locked').length, 'steps that found the other instance holding the dataset').toBeGreaterThan(0);
    expect(on.writes.phases.length).toBeGreaterThan(2);
    expect({ overlaps: on.writes.overlaps.length, stale: on.writes.staleWrites.length, unattributed: on.writes.unattributed }).toEqual({ overlaps: 0, stale: 0, unattributed: 0 });
    expect(lockFailed(on.report), on.report.findings.join('\n')).toBe(false);
  }, 60_000);

  it('kill -9 of the holder (here and on "another machine"), terminated server processes and a pooler restart: nothing lost, no overlap, nothing left locked', async () => {
    const seed = 11;
    const scenarios: LockScenario[] = ['kill-holder', 'kill-remote-holder', 'terminate-backends', 'pooler-restart'];
    // Killed right at the lease (no jitter): the scenarios' takeover checks always apply.
    const h = await createLockHarness({ seed, google: true, connection: 'transaction', serverUrl: serverUrl!, poolerUrl: poolerUrl!, compiled, scenarios, killJitterMaxMs: 0 });
    try {
      const r = await runCampaign(h, { seed, level: 0.05, rounds: scenarios.length, records: 4, google: true });
      const lock = await h.lockReport();
      const findings = r.verdict.findings.map((f) => `${f.key ?? '-'} ${f.side} ${f.kind}: ${f.detail}${f.key && r.model.records.has(f.key) ? ` [edits: ${historyOf(r.model, f.key).join('; ')}]` : ''}`);
      const history = r.history.map((x) => `${x.round} ${x.scenario}: ${x.statuses.map(([d, s]) => `${d} ${s}`).join(', ')} ${x.note ?? ''}`).join('\n');
      expect({ baseline: r.baseline, lost: r.lost, duplicated: r.duplicated, wronglyDeleted: r.wronglyDeleted }, findings.join('\n')).toEqual({
        baseline: { lost: 0, duplicated: 0, wronglyDeleted: 0 },
        lost: 0,
        duplicated: 0,
        wronglyDeleted: 0,
      });
      expect(r.runsToConverge, history).not.toBeNull();
      expect(r.echoWrites).toBe(0);
      expect(
        { overlaps: lock.overlapDetails, stale: lock.staleWrites, unattributed: lock.unattributed, leftLocked: lock.leftLocked, advisory: lock.advisoryLocks, findings: lock.findings },
        history,
      ).toEqual({ overlaps: [], stale: 0, unattributed: 0, leftLocked: 0, advisory: 0, findings: [] });
      // The scenarios really happened.
      expect(lock.scenarios).toEqual({ 'kill-holder': 1, 'kill-remote-holder': 1, 'terminate-backends': 1, 'pooler-restart': 1 });
      expect(r.kills, history).toBe(2);
      expect(lock.takeovers.immediate, `the dead holder's lease taken at once\n${history}`).toBe(1);
      expect(lock.takeovers.waited + lock.takeovers.afterExpiry, `the remote holder's lease waited for, then taken\n${history}`).toBeGreaterThanOrEqual(1);
      expect(lock.backendsTerminated).toBeGreaterThan(0);
      expect(lock.poolerRestarts).toBe(1);
      expect(lock.phases).toBeGreaterThan(4);
    } finally {
      await h.close();
    }
  }, 60_000);
});
