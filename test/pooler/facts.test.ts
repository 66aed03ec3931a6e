/**
 * What a pooler does to a client's session, shown on plain node-postgres clients: the facts the
 * rest of test/pooler (and the product's pooler handling) stand on. They also prove the stand-in
 * (PgBouncer 1.18) behaves like Supabase's pooler in each mode:
 * - session mode: one client connection = one server connection for its whole life;
 * - transaction mode: a server connection only for one transaction, so whatever a session holds
 *   (session advisory locks, plain SET, prepared statements) lands on whichever server
 *   connection the pool handed out and stays there after the client has gone.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { closePoolerConnections, connectClient, createPoolerTestDatabase, describePoolers, type PoolerTestDatabase } from '../helpers/poolers.ts';

/** An arbitrary advisory lock key for these tests. */
const LOCK_KEY = 4_711_0815;

describePoolers('pooler facts', (mode) => {
  let db: PoolerTestDatabase;
  let direct: pg.Client;
  const clients: pg.Client[] = [];
  /** A client connection through the pooler, ended after the test. */
  const viaPooler = async () => {
    const c = await connectClient(db.poolerUrl);
    clients.push(c);
    return c;
  };
  const pid = async (c: pg.Client) => (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  /** Advisory locks on LOCK_KEY held in the test database, by server process (checked directly). */
  const heldBy = async () =>
    (
      await direct.query<{ pid: number }>(
        `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1
           AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY pid`,
        [LOCK_KEY],
      )
    ).rows.map((r) => r.pid);

  beforeAll(async () => {
    db = await createPoolerTestDatabase(mode);
    direct = await connectClient(db.directUrl);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  afterAll(async () => {
    await direct?.end();
    await db?.drop();
  });

  it(mode === 'transaction'
    ? 'one client connection runs its statements on different server processes once another client is busy'
    : 'one client connection keeps one server process, however busy the other clients are', async () => {
    const a = await viaPooler();
    const b = await viaPooler();
    const first = await pid(a);
    // b holds a transaction open: in transaction mode it gets the server connection a just gave
    // back (PgBouncer hands out the most recently used one), so a's next statement needs another.
    await b.query('BEGIN');
    const bPid = await pid(b);
    const second = await pid(a);
    await b.query('COMMIT');
    const third = await pid(a);
    if (mode === 'transaction') {
      expect(bPid).toBe(first);
      expect(second).not.toBe(first);
      expect(new Set([first, second, third]).size).toBeGreaterThan(1);
    } else {
      expect(bPid).not.toBe(first);
      expect([second, third]).toEqual([first, first]);
    }
  });

  it('a transaction keeps one server process from BEGIN to COMMIT in both modes', async () => {
    const a = await viaPooler();
    const others = await Promise.all([1, 2, 3].map(() => viaPooler()));
    await a.query('BEGIN');
    const pids = [await pid(a)];
    for (const o of others) {
      await o.query('SELECT pg_sleep(0.01)'); // the others come and go meanwhile
      pids.push(await pid(a));
    }
    await a.query('COMMIT');
    expect(new Set(pids).size).toBe(1);
  });

  it(mode === 'transaction'
    ? 'a session advisory lock protects nothing: a second client gets it too, the unlock goes astray, and it stays held after every client has gone'
    : 'a session advisory lock excludes a second client and is gone when its client disconnects', async () => {
    const a = await viaPooler();
    const b = await viaPooler();
    const c = await viaPooler();
    const take = async (x: pg.Client) =>
      (await x.query<{ got: boolean; pid: number }>('SELECT pg_try_advisory_lock($1) AS got, pg_backend_pid() AS pid', [LOCK_KEY])).rows[0]!;
    const unlock = async (x: pg.Client) =>
      (await x.query<{ released: boolean; pid: number }>('SELECT pg_advisory_unlock($1) AS released, pg_backend_pid() AS pid', [LOCK_KEY])).rows[0]!;
    const lockA = await take(a);
    expect(lockA.got).toBe(true);
    const lockB = await take(b);
    if (mode === 'transaction') {
      // The overlap of issue 11: b's statement ran on the server connection a's lock lives on
      // (the pool hands out the most recently used one), and a session may re-take its own lock.
      expect(lockB).toEqual({ got: true, pid: lockA.pid });
      // a's unlock, while another client's transaction has that server connection, runs on
      // another one, which holds nothing (PostgreSQL: "you don't own a lock of type ExclusiveLock").
      await c.query('BEGIN');
      expect(await pid(c)).toBe(lockA.pid);
      const unlockA = await unlock(a);
      await c.query('COMMIT');
      expect(unlockA.pid).not.toBe(lockA.pid);
      expect(unlockA.released).toBe(false);
      // Every client is gone, yet the lock is still held by the pooled server connection.
      await Promise.all(clients.splice(0).map((x) => x.end()));
      expect(await heldBy()).toEqual([lockA.pid]);
      // Only closing the pooler's server connections frees it.
      await closePoolerConnections(mode, db.name);
      await waitFor(async () => (await heldBy()).length === 0);
    } else {
      expect(lockB.got).toBe(false);
      expect(lockB.pid).not.toBe(lockA.pid);
      expect(await unlock(a)).toEqual({ released: true, pid: lockA.pid });
      expect(await heldBy()).toEqual([]);
      expect((await take(a)).got).toBe(true);
      expect(await heldBy()).toEqual([lockA.pid]);
      // Disconnecting returns the server connection to the pool after DISCARD ALL, which
      // releases the lock: nothing stays locked once the client is gone.
      await Promise.all(clients.splice(0).map((x) => x.end()));
      await waitFor(async () => (await heldBy()).length === 0);
    }
  });

  it(mode === 'transaction'
    ? 'a plain SET lands on one server connection: the next statement of the same client may not see it, another client may'
    : 'a plain SET holds for the client connection', async () => {
    const a = await viaPooler();
    const b = await viaPooler();
    const setting = async (x: pg.Client) => (await x.query<{ v: string; pid: number }>(`SELECT current_setting('work_mem') AS v, pg_backend_pid() AS pid`)).rows[0]!;
    await a.query(`SET work_mem = '1234kB'`); // work_mem: a setting PgBouncer does not track
    const setOn = await pid(a);
    await b.query('BEGIN');
    const bSees = await setting(b);
    const aSees = await setting(a);
    await b.query('COMMIT');
    if (mode === 'transaction') {
      expect(bSees).toEqual({ v: '1234kB', pid: setOn }); // another client inherits a's SET
      expect(aSees.v).not.toBe('1234kB'); // a itself lost it
    } else {
      expect(bSees.v).not.toBe('1234kB');
      expect(aSees).toEqual({ v: '1234kB', pid: setOn });
    }
  });

  it('a named prepared statement works in session mode only', async () => {
    const a = await viaPooler();
    const b = await viaPooler();
    const named = { name: 'jarvis_pooler_probe', text: 'SELECT $1::int + 1 AS n', values: [1] };
    expect((await a.query(named)).rows[0].n).toBe(2);
    await b.query('BEGIN');
    await b.query('SELECT 1'); // takes a's former server connection in transaction mode
    const again = a.query({ ...named, values: [2] });
    if (mode === 'transaction') await expect(again).rejects.toThrow(/prepared statement "jarvis_pooler_probe" does not exist/);
    else expect((await again).rows[0].n).toBe(3);
    await b.query('ROLLBACK');
  });

  it("the store's session time zone (SET TIME ZONE 'UTC' on each new connection) holds on every statement", async () => {
    // Server connections to this database start in another zone, so a statement that ran on a
    // server connection without the store's SET would show it.
    const zoned = await createPoolerTestDatabase(mode);
    let store: Store | undefined;
    let other: pg.Client | undefined;
    try {
      await direct.query(`ALTER DATABASE ${zoned.name} SET timezone = 'America/New_York'`);
      store = await openStore({ databaseUrl: zoned.poolerUrl, maxConnections: 1 });
      other = await connectClient(zoned.poolerUrl);
      expect((await other.query('SHOW TimeZone')).rows[0].TimeZone).toBe('America/New_York');
      const zones = new Set<string>();
      for (let i = 0; i < 6; i++) {
        // Another client busy in a transaction takes server connections away from the store.
        await other.query('BEGIN');
        await other.query('SELECT 1');
        zones.add((await store.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]!.TimeZone);
        await other.query('COMMIT');
        zones.add((await store.query<{ TimeZone: string }>('SHOW TimeZone')).rows[0]!.TimeZone);
      }
      // In transaction mode this holds only because PgBouncer tracks TimeZone per client
      // (PostgreSQL reports it) and re-sets it on whichever server connection it hands out.
      expect([...zones]).toEqual(['UTC']);
    } finally {
      await other?.end();
      await store?.close();
      await zoned.drop();
    }
  });
});

/** Polls `check` until true (the pooler acts on a disconnect asynchronously); fails after 5 s. */
async function waitFor(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}
