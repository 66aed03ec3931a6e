import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { createTestDatabase, openTestStore, storeBackends, type TestDatabase } from '../helpers/stores.ts';

describe.each(storeBackends())('tryLock on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind, { migrate: false });
  });
  afterAll(async () => store?.close());

  it('gives a name to one holder at a time, within one process', async () => {
    const release = await store.tryLock('dataset:meetings');
    expect(release).toBeTypeOf('function');
    expect(await store.tryLock('dataset:meetings')).toBeNull();
    // Other names are independent.
    const other = await store.tryLock('dataset:tasks');
    expect(other).toBeTypeOf('function');
    await release!();
    const again = await store.tryLock('dataset:meetings');
    expect(again).toBeTypeOf('function');
    await again!();
    await other!();
  });

  it('hands out the lock to exactly one of many simultaneous callers', async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => store.tryLock('dataset:race')));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    await winners[0]!();
    await winners[0]!(); // releasing twice is harmless
    const next = await store.tryLock('dataset:race');
    expect(next).not.toBeNull();
    await next!();
  });

  it('is a real Postgres advisory lock while held', async () => {
    const release = (await store.tryLock('dataset:visible'))!;
    const held = async () =>
      (await store.query(`SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`)).rows[0].n;
    expect(await held()).toBeGreaterThanOrEqual(1);
    await release();
    expect(await held()).toBe(0);
  });
});

describe.runIf(storeBackends().includes('postgres'))('tryLock across processes (two stores on one database)', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await createTestDatabase();
    [a, b] = await Promise.all([openStore({ databaseUrl: db.url }), openStore({ databaseUrl: db.url })]);
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close()]);
    await db?.drop();
  });

  it('excludes the other store until released', async () => {
    const release = await a.tryLock('dataset:contacts');
    expect(release).not.toBeNull();
    expect(await b.tryLock('dataset:contacts')).toBeNull();
    await release!();
    const fromB = await b.tryLock('dataset:contacts');
    expect(fromB).not.toBeNull();
    expect(await a.tryLock('dataset:contacts')).toBeNull();
    await fromB!();
  });

  it('frees the lock when its holder closes (a crashed process frees it too)', async () => {
    const c = await openStore({ databaseUrl: db.url });
    expect(await c.tryLock('dataset:books')).not.toBeNull();
    expect(await a.tryLock('dataset:books')).toBeNull();
    await c.close();
    const release = await a.tryLock('dataset:books');
    expect(release).not.toBeNull();
    await release!();
  });
});
