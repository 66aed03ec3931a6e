/**
 * The embedded database's seed (src/store/pgliteSeed.ts): a dump of a freshly initialized PGlite
 * that new databases are loaded from instead of running initdb.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSeed, saveSeed, seedLocation } from '../../src/store/pgliteSeed.ts';
import { migrate, openPgliteStore } from '../../src/store/index.ts';

describe('PGlite seed', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jarvis-seed-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lives next to the installed PGlite, keyed by its version', () => {
    expect(seedLocation()).toMatchObject({ path: expect.stringMatching(/node_modules\/\.cache\/jarvis-sync\/pglite-\d+\.\d+\.\d+-seed\.tar\.gz$/), version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
  });

  it('a database loaded from a seed is the one that was dumped: same cluster, working, writable', async () => {
    const path = join(dir, 'seed.tar.gz');
    const original = await PGlite.create();
    const { rows: [id] } = await original.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()');
    expect(await saveSeed(original, path)).toBe(true);
    await original.close();
    expect(readdirSync(dir)).toEqual(['seed.tar.gz']); // written atomically: no temp file left

    const loaded = await PGlite.create({ loadDataDir: readSeed(path)! });
    expect((await loaded.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()')).rows[0]).toEqual(id);
    await loaded.exec('CREATE TABLE t (n int); INSERT INTO t VALUES (1)');
    expect((await loaded.query('SELECT n FROM t')).rows).toEqual([{ n: 1 }]);
    await loaded.close();
  });

  it('without a seed file there is nothing to load (initdb runs); JARVIS_PGLITE_SEED=off ignores one', () => {
    expect(readSeed(join(dir, 'missing.tar.gz'))).toBeNull();
    process.env.JARVIS_PGLITE_SEED = 'off';
    try {
      expect(readSeed(join(dir, 'seed.tar.gz'))).toBeNull();
    } finally {
      delete process.env.JARVIS_PGLITE_SEED;
    }
  });

  it('a new file-backed database from the installed seed migrates and reopens', async () => {
    const dataDir = join(dir, 'data', 'pgdata');
    let store = await openPgliteStore({ dataDir });
    await migrate(store);
    await store.query(`INSERT INTO jarvis_sync.sync_state (key, value) VALUES ('k', 'v')`);
    await store.close();
    expect(existsSync(join(dataDir, 'PG_VERSION'))).toBe(true);
    store = await openPgliteStore({ dataDir });
    expect((await store.query(`SELECT value FROM jarvis_sync.sync_state WHERE key = 'k'`)).rows).toEqual([{ value: 'v' }]);
    await store.close();
  });
});
