import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';

// A timezone far from UTC: a date parsed as local midnight would shift to the previous day.
const originalTz = process.env.TZ;
beforeAll(() => {
  process.env.TZ = 'America/Los_Angeles';
});
afterAll(() => {
  process.env.TZ = originalTz;
});

describe.each(storeBackends())('store on %s: SQL → JS types', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await store.query(`CREATE TABLE IF NOT EXISTS type_probe (
      id uuid PRIMARY KEY DEFAULT gen_random_uuid(), ts timestamptz, d date, n numeric, big int8, i int4, b boolean,
      j jsonb, ja jsonb, ta text[], ua uuid[], da date[], na numeric[])`);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => resetTables(store));

  it('maps every column type the same way on both backends', async () => {
    const uuid = '5b1c1c1e-0000-4000-8000-000000000001';
    await store.query(
      `INSERT INTO type_probe (id, ts, d, n, big, i, b, j, ja, ta, ua, da, na)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [uuid, new Date('2024-03-10T08:30:00.123Z'), '2024-01-05', 4.5, 9007199254740991, 42, true,
       JSON.stringify({ a: [1, 'x'], b: null }), JSON.stringify([1, 2]), ['a', 'b "c"', ''], [uuid], ['2024-01-05', '1999-12-31'], [1.25, 2]],
    );
    const { rows } = await store.query('SELECT * FROM type_probe');
    expect(rows).toEqual([
      {
        id: uuid,
        ts: new Date('2024-03-10T08:30:00.123Z'),
        d: '2024-01-05',
        n: 4.5,
        big: 9007199254740991,
        i: 42,
        b: true,
        j: { a: [1, 'x'], b: null },
        ja: [1, 2],
        ta: ['a', 'b "c"', ''],
        ua: [uuid],
        da: ['2024-01-05', '1999-12-31'],
        na: [1.25, 2],
      },
    ]);
    expect(rows[0].ts).toBeInstanceOf(Date);
  });

  it('returns NULLs as null and empty arrays as []', async () => {
    await store.query(`INSERT INTO type_probe (ta, ua) VALUES ('{}', '{}')`);
    const { rows } = await store.query('SELECT ts, d, n, big, j, ta, ua, da FROM type_probe');
    expect(rows).toEqual([{ ts: null, d: null, n: null, big: null, j: null, ta: [], ua: [], da: null }]);
  });

  it('returns count(*), sums and expressions as numbers', async () => {
    const { rows } = await store.query(
      `SELECT count(*) AS c, sum(x)::int8 AS s, avg(x) AS a, 1.50::numeric AS n, DATE '2024-02-29' AS d,
              TIMESTAMPTZ '2024-02-29 23:30:00+00' AS t, gen_random_uuid() AS u
       FROM generate_series(1, 4) AS x`,
    );
    expect(rows[0]).toMatchObject({ c: 4, s: 10, a: 2.5, n: 1.5, d: '2024-02-29', t: new Date('2024-02-29T23:30:00Z') });
    expect(rows[0].u).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('keeps int8 beyond 2^53 exact as a BigInt', async () => {
    const { rows } = await store.query(`SELECT 9007199254740993::int8 AS v`);
    expect(rows[0].v).toBe(9007199254740993n);
  });

  it('runs SQL-side date arithmetic in UTC', async () => {
    const { rows } = await store.query(`SELECT current_setting('TimeZone') AS tz, (TIMESTAMPTZ '2024-01-05 23:30:00+00')::date AS d`);
    expect(rows[0].tz).toMatch(/^(UTC|Etc\/UTC)$/);
    expect(rows[0].d).toBe('2024-01-05');
  });

  it('reports rowCount for writes and reads', async () => {
    const ins = await store.query(`INSERT INTO type_probe (i) SELECT g FROM generate_series(1, 3) g`);
    expect(ins.rowCount).toBe(3);
    const upd = await store.query(`UPDATE type_probe SET b = true WHERE i > 1`);
    expect(upd.rowCount).toBe(2);
    const sel = await store.query(`SELECT i FROM type_probe ORDER BY i`);
    expect(sel.rowCount).toBe(3);
    expect(sel.rows.map((r) => r.i)).toEqual([1, 2, 3]);
  });
});

describe.each(storeBackends())('store on %s: transactions and statement count', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
    await store.query(`CREATE TABLE IF NOT EXISTS tx_probe (v int PRIMARY KEY)`);
  });
  afterAll(async () => store?.close());
  beforeEach(async () => resetTables(store));

  const values = async () => (await store.query<{ v: number }>('SELECT v FROM tx_probe ORDER BY v')).rows.map((r) => r.v);

  it('commits on success and returns the callback result', async () => {
    const result = await store.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe VALUES (1), (2)');
      return 'done';
    });
    expect(result).toBe('done');
    expect(await values()).toEqual([1, 2]);
  });

  it('rolls back everything when the callback throws', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await values()).toEqual([]);
  });

  it('rolls back when a statement fails', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.query('INSERT INTO tx_probe VALUES (1)');
        await tx.query('INSERT INTO tx_probe VALUES (1)'); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await values()).toEqual([]);
  });

  it('nests with savepoints: a caught nested failure keeps the outer work', async () => {
    await store.transaction(async (tx) => {
      await tx.query('INSERT INTO tx_probe VALUES (1)');
      await expect(
        tx.transaction(async (inner) => {
          await inner.query('INSERT INTO tx_probe VALUES (2)');
          await inner.query('INSERT INTO tx_probe VALUES (1)'); // fails
        }),
      ).rejects.toThrow(/duplicate key/);
      await tx.transaction(async (inner) => inner.query('INSERT INTO tx_probe VALUES (3)'));
    });
    expect(await values()).toEqual([1, 3]);
  });

  it('refuses store.query inside its own transaction instead of deadlocking', async () => {
    await expect(store.transaction(async () => store.query('SELECT 1'))).rejects.toThrow(/use the tx passed to the callback/);
    // and the store is usable afterwards
    expect((await store.query('SELECT 1 AS one')).rows[0].one).toBe(1);
  });

  it('refuses a tx used after its transaction ended', async () => {
    let leaked: { query(text: string): Promise<unknown> } | undefined;
    await store.transaction(async (tx) => {
      leaked = tx;
    });
    await expect(leaked!.query('SELECT 1')).rejects.toThrow(/already finished/);
  });

  it('runs multi-statement scripts with exec', async () => {
    await store.exec!('INSERT INTO tx_probe VALUES (7); INSERT INTO tx_probe VALUES (8);');
    expect(await values()).toEqual([7, 8]);
  });

  it('counts statements', async () => {
    const before = store.statementCount;
    await store.query('SELECT 1');
    await store.query('SELECT 2');
    expect(store.statementCount - before).toBe(2);
    const beforeTx = store.statementCount;
    await store.transaction(async (tx) => tx.query('SELECT 1'));
    expect(store.statementCount - beforeTx).toBe(3); // BEGIN, SELECT, COMMIT
  });
});
