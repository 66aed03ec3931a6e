/**
 * Leases (src/store/leases.ts): per-dataset mutual exclusion in a table, on PGlite and PostgreSQL.
 * Crashed holders and takeovers are simulated by moving the row's expiry in SQL, never by waiting.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acquireLease, activeLeases, describeHolder, fencedStore, LeaseLostError, type Lease } from '../../src/store/leases.ts';
import { currentProcessIdentity, isProvenDead, processKeyOf } from '../../src/store/processIdentity.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { manualTimers, noTimers } from '../helpers/leases.ts';
import { createTestDatabase, openTestStore, resetTables, storeBackends, type TestDatabase } from '../helpers/stores.ts';

const elsewhere = (n: number) => ({ identity: { owner: `nas pid ${n}`, process: null }, timers: noTimers });

async function take(store: Store, name: string, opts: Parameters<typeof acquireLease>[2] = { timers: noTimers }): Promise<Lease> {
  const r = await acquireLease(store, name, opts);
  if (!r.ok) throw new Error(`expected to take ${name}`);
  return r.lease;
}

/** What a crashed holder leaves once its ttl has passed, without waiting for it. */
async function expire(store: Store, name: string): Promise<void> {
  await store.query(`UPDATE jarvis_sync.leases SET expires_at = now() - interval '1 second' WHERE name = $1`, [name]);
}

describe.each(storeBackends())('leases on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => {
    await store.query('DELETE FROM jarvis_sync.leases');
  });

  it('gives a name to one holder at a time; other names are independent; a release frees it', async () => {
    const a = await take(store, 'dataset:meetings');
    const refused = await acquireLease(store, 'dataset:meetings', elsewhere(2));
    expect(refused.ok).toBe(false);
    const other = await take(store, 'dataset:tasks');
    expect(await a.release()).toBe(true);
    const again = await take(store, 'dataset:meetings', elsewhere(2));
    expect(again.token).toBe(a.token + 1); // the fencing token grows with every acquisition
    await again.release();
    await other.release();
    expect(await activeLeases(store)).toEqual([]);
  });

  it('hands the lease to exactly one of many simultaneous callers', async () => {
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => acquireLease(store, 'dataset:race', elsewhere(i))));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const [held] = await activeLeases(store, ['dataset:race']);
    for (const r of results) if (!r.ok) expect(r.holder?.owner).toBe(held.owner);
    expect(held.token).toBe((winners[0] as { lease: Lease }).lease.token);
    await (winners[0] as { lease: Lease }).lease.release();
    expect(await (winners[0] as { lease: Lease }).lease.release()).toBe(true); // twice is harmless
  });

  it('a refusal names the holder and since when', async () => {
    const a = await take(store, 'dataset:books', elsewhere(41));
    const r = await acquireLease(store, 'dataset:books', elsewhere(42));
    expect(r.ok).toBe(false);
    const holder = (r as { holder: NonNullable<Awaited<ReturnType<typeof activeLeases>>[number]> }).holder;
    expect(holder).toMatchObject({ name: 'dataset:books', owner: 'nas pid 41', token: a.token });
    expect(describeHolder(holder, holder.renewedAt.getTime() + 3_000)).toMatch(/^held by nas pid 41 since \d{4}-\d\d-\d\dT.*Z \(renewed 3 s ago, expires .*Z unless renewed\)$/);
    await a.release();
  });

  it('a holder that stopped renewing (crashed elsewhere) loses the lease once it expires; its writes are then refused', async () => {
    const crashed = await take(store, 'dataset:journals', elsewhere(1));
    const writes = fencedStore(store, crashed);
    await writes.query(`INSERT INTO jarvis_sync.sync_state (key, value) VALUES ('before', 'ok')`);
    expect((await acquireLease(store, 'dataset:journals', elsewhere(2))).ok).toBe(false);
    await expire(store, 'dataset:journals');
    // Expired and not yet taken: the fence already refuses (a takeover may come any moment).
    await expect(writes.query(`INSERT INTO jarvis_sync.sync_state (key, value) VALUES ('expired', 'no')`)).rejects.toBeInstanceOf(LeaseLostError);
    const next = await take(store, 'dataset:journals', elsewhere(2));
    expect(next.token).toBe(crashed.token + 1);
    await expect(writes.transaction(async (tx) => tx.query(`INSERT INTO jarvis_sync.sync_state (key, value) VALUES ('after', 'no')`))).rejects.toThrow(/lost/);
    expect(crashed.lost).toBe(true);
    expect(crashed.signal.aborted).toBe(true);
    expect(await crashed.renew()).toBe(false);
    expect(await crashed.release()).toBe(false); // never frees the new holder's lease
    expect((await activeLeases(store)).map((h) => h.owner)).toEqual(['nas pid 2']);
    const keys = (await store.query<{ key: string }>(`SELECT key FROM jarvis_sync.sync_state WHERE key IN ('before', 'expired', 'after') ORDER BY key`)).rows.map((r) => r.key);
    expect(keys).toEqual(['before']);
    await next.release();
  });

  it('fences writes only: reads pass, and every write statement kind is checked', async () => {
    const lease = await take(store, 'dataset:books');
    const s = fencedStore(store, lease);
    await store.query(`UPDATE jarvis_sync.leases SET token = token + 100 WHERE name = 'dataset:books'`); // someone else's token now
    expect((await s.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    for (const sql of [
      `INSERT INTO jarvis_sync.sync_state (key, value) VALUES ('x', 'y')`,
      `UPDATE jarvis_sync.sync_state SET value = 'z'`,
      `DELETE FROM jarvis_sync.sync_state`,
      `WITH t AS (SELECT 1) INSERT INTO jarvis_sync.sync_state (key, value) SELECT 'w', 'v' FROM t`,
    ]) {
      await expect(s.query(sql)).rejects.toBeInstanceOf(LeaseLostError);
    }
    await lease.release();
  });

  it('the heartbeat renews the expiry; a renewal that finds another token marks the lease lost', async () => {
    const timers = manualTimers();
    const lease = await take(store, 'dataset:tasks', { timers, ttlMs: 60_000 });
    await store.query(`UPDATE jarvis_sync.leases SET expires_at = now() + interval '5 seconds', renewed_at = now() - interval '55 seconds' WHERE name = 'dataset:tasks'`);
    timers.tick();
    await lease.renew(); // joins the renewal the tick started
    const [h] = await activeLeases(store, ['dataset:tasks']);
    expect(h.expiresAt.getTime() - h.renewedAt.getTime()).toBe(60_000);
    expect(Date.now() - h.renewedAt.getTime()).toBeLessThan(30_000);
    // Taken over (expired, then acquired by another instance): the next heartbeat notices.
    await expire(store, 'dataset:tasks');
    const other = await take(store, 'dataset:tasks', elsewhere(9));
    timers.tick();
    await lease.renew();
    expect(lease.lost).toBe(true);
    expect(() => lease.assertHeld()).toThrow(LeaseLostError);
    expect(timers.active()).toBe(0); // the heartbeat stopped
    await other.release();
  });

  it('renewals that keep failing for a whole ttl lose the lease (it can no longer be proven held)', async () => {
    let now = 1_000_000;
    let failing = false;
    const flaky = Object.create(store) as Store;
    flaky.query = async (text: string, params?: unknown[]) => {
      if (failing) throw Object.assign(new Error('Connection terminated unexpectedly'), { code: 'ECONNRESET' });
      return store.query(text, params);
    };
    const lease = await take(flaky, 'dataset:highlights', { timers: noTimers, ttlMs: 30_000, now: () => now });
    failing = true;
    now += 10_000;
    expect(await lease.renew()).toBe(true); // a blip: still within the ttl
    now += 25_000;
    expect(await lease.renew()).toBe(false);
    expect(lease.lost).toBe(true);
    failing = false;
    await lease.release();
  });

  it('a holder proven dead on this machine is taken over at once; a live one never is', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    await new Promise((resolve) => child.once('spawn', resolve));
    const key = processKeyOf(child.pid!);
    expect(key).toMatch(/^linux:/);
    const dead = await take(store, 'dataset:contacts', { identity: { owner: `this host pid ${child.pid}`, process: key }, timers: noTimers });
    expect(isProvenDead(key)).toBe(false);
    expect((await acquireLease(store, 'dataset:contacts', { timers: noTimers })).ok).toBe(false); // alive: wait
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    expect(isProvenDead(key)).toBe(true);
    const mine = await acquireLease(store, 'dataset:contacts', { timers: noTimers });
    expect(mine.ok).toBe(true);
    expect((mine as { lease: Lease }).lease.token).toBe(dead.token + 1);
    await (mine as { lease: Lease }).lease.release();
    // Our own, live process is never "dead".
    expect(isProvenDead(currentProcessIdentity().process)).toBe(false);
  });
});

describe.runIf(storeBackends().includes('postgres'))('leases across processes (two stores on one database)', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    a = await openStore({ databaseUrl: db.url });
    const { migrate } = await import('../../src/store/index.ts');
    await migrate(a);
    b = await openStore({ databaseUrl: db.url });
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });
  beforeEach(async () => resetTables(a));

  it('excludes the other store until released', async () => {
    const fromA = await take(a, 'dataset:contacts', elsewhere(1));
    expect((await acquireLease(b, 'dataset:contacts', elsewhere(2))).ok).toBe(false);
    await fromA.release();
    const fromB = await take(b, 'dataset:contacts', elsewhere(2));
    expect((await acquireLease(a, 'dataset:contacts', elsewhere(1))).ok).toBe(false);
    await fromB.release();
  });

  it('survives the holder\'s server connection being terminated: the lease is a row, not a session', async () => {
    const lease = await take(a, 'dataset:books', elsewhere(1));
    await b.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
    // The other instance still finds it held (an advisory lock would have died with the session).
    expect((await acquireLease(b, 'dataset:books', elsewhere(2))).ok).toBe(false);
    // The holder's pool reconnects; it renews and releases normally.
    await a.query('SELECT 1').catch(() => undefined);
    expect(await lease.renew()).toBe(true);
    expect(await lease.release()).toBe(true);
  });
});
