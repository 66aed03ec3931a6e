/**
 * The tests' PGlite pool (test/helpers/stores.ts): a database given back and borrowed again is the
 * database a fresh PGlite would be after the same migrate — nothing a previous test made is left,
 * in the schema, the roles or the session.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openStore } from '../../src/store/index.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore } from '../helpers/stores.ts';

/** What a test could have left behind, as one comparable value. */
async function everything(store: Store): Promise<unknown> {
  const q = async (sql: string) => (await store.query(sql)).rows;
  return {
    schemas: await q(`SELECT nspname, nspowner::regrole::text AS owner, nspacl::text AS acl FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' ORDER BY 1`),
    relations: await q(`SELECT n.nspname, c.relname, c.relkind, c.relrowsecurity FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') ORDER BY 1, 2`),
    functions: await q(`SELECT n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`),
    triggers: await q(`SELECT tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1`),
    roles: await q(`SELECT rolname FROM pg_roles ORDER BY 1`),
    migrations: (await q(`SELECT version FROM jarvis_sync.schema_migrations ORDER BY 1`)).length,
    rows: await q(`SELECT count(*)::int AS n FROM jarvis_sync.sync_state`),
    timezone: await q(`SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS path`),
  };
}

describe('the PGlite test pool', () => {
  const opened: Store[] = [];
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('gives a database back as a fresh one would be: schemas, tables, functions, roles, rows and session settings', async () => {
    const fresh = await openStore({ inMemory: true });
    opened.push(fresh);
    await migrate(fresh);
    const expected = await everything(fresh);

    const first = await openTestStore('pglite');
    const { rows: before } = await first.query<{ xid: string }>(`SELECT txid_current()::text AS xid`);
    await first.exec!(`
      CREATE SCHEMA scratch;
      CREATE TABLE scratch.t (x int);
      CREATE TABLE public.mine (x int);
      CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 1';
      CREATE ROLE jarvis_pool_probe NOLOGIN;
      GRANT SELECT ON public.mine TO jarvis_pool_probe;
      INSERT INTO jarvis_sync.sync_state (key, value) VALUES ('probe', 'x');
      SET TIME ZONE 'Asia/Tokyo';
      SET search_path = scratch;`);
    let heard = 0;
    await first.listen!('jarvis_pool_probe', () => heard++);
    await first.close();
    await expect(first.query('SELECT 1')).rejects.toThrow(/closed/);

    const second = await openTestStore('pglite');
    opened.push(second);
    // The same PGlite instance (its transaction ids go on), not a new one...
    const { rows: after } = await second.query<{ xid: string }>(`SELECT txid_current()::text AS xid`);
    expect(BigInt(after[0]!.xid)).toBeGreaterThan(BigInt(before[0]!.xid));
    // ...with nothing of the first borrower's left.
    expect(await everything(second)).toEqual(expected);
    await second.query(`NOTIFY jarvis_pool_probe`);
    expect(heard).toBe(0);
    expect(second.statementCount).toBeLessThan(200); // counted from the borrow, not the instance's life
  });
});
