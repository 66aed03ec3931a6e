import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMigrations, migrate, openStore, type Migration, type Store } from '../../src/store/index.ts';
import { createTestDatabase, openTestStore, storeBackends } from '../helpers/stores.ts';

const DATASET_TABLES = ['books', 'highlights', 'meetings', 'tasks', 'reflections', 'journals', 'contacts', 'calendar_events', 'emails'];

/** Columns of `table` (schema-qualified, or in the current schema) with their types. */
async function columns(store: Store, table: string): Promise<Record<string, string>> {
  const [schema, name] = table.includes('.') ? table.split('.') : [null, table];
  const { rows } = await store.query<{ column_name: string; data_type: string; udt_name: string }>(
    `SELECT column_name, data_type, udt_name FROM information_schema.columns WHERE table_schema = coalesce($2, current_schema()) AND table_name = $1`,
    [name, schema],
  );
  return Object.fromEntries(rows.map((r) => [r.column_name, r.data_type === 'ARRAY' ? `${r.udt_name.slice(1)}[]` : r.udt_name]));
}

describe('migration files', () => {
  it('are numbered, ordered and loaded from disk', async () => {
    const migrations = await loadMigrations();
    expect(migrations[0].file).toBe('0001_core.sql');
    expect(migrations.map((m) => m.version)).toEqual([...migrations.map((m) => m.version)].sort());
    for (const m of migrations) expect(m.sql.length).toBeGreaterThan(100);
  });
});

describe.each(storeBackends())('migrate on %s', (kind) => {
  let store: Store;
  let applied: string[];
  beforeAll(async () => {
    store = await openTestStore(kind, { migrate: false });
    ({ applied } = await migrate(store));
  });
  afterAll(async () => store?.close());

  it('applies every migration once and records it', async () => {
    const all = await loadMigrations();
    expect(applied).toEqual(all.map((m) => m.file));
    const { rows } = await store.query('SELECT version, name, applied_at FROM jarvis_sync.schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(all.map((m) => m.version));
    expect(rows[0].name).toBe('core');
    expect(rows[0].applied_at).toBeInstanceOf(Date);
  });

  it('is a no-op the second time', async () => {
    const before = await store.query('SELECT version, applied_at FROM jarvis_sync.schema_migrations ORDER BY version');
    expect(await migrate(store)).toEqual({ applied: [], tables: { created: [], adopted: [], completed: [], skipped: [] } });
    const after = await store.query('SELECT version, applied_at FROM jarvis_sync.schema_migrations ORDER BY version');
    expect(after.rows).toEqual(before.rows);
  });

  it('creates the spec tables with their columns', async () => {
    expect(await columns(store, 'jarvis_sync.sync_state')).toEqual({ key: 'text', value: 'text', updated_at: 'timestamptz' });
    expect(await columns(store, 'jarvis_sync.sync_logs')).toEqual({
      id: 'uuid', event_type: 'text', status: 'text', message: 'text', details: 'jsonb', created_at: 'timestamptz', start_time: 'timestamptz', end_time: 'timestamptz',
      // 0006_audit.sql: the per-record audit trail and the link of every row to its run.
      run_id: 'uuid', dataset: 'text', record_id: 'uuid', notion_page_id: 'text', google_id: 'text', changed_fields: 'text[]',
    });
    expect(await columns(store, 'jarvis_sync.sync_links')).toMatchObject({ dataset: 'text', record_id: 'uuid', base: 'jsonb', notion_edited_at: 'timestamptz' });
    expect(await columns(store, 'jarvis_sync.sync_failures')).toMatchObject({ source_id: 'text', attempts: 'int4' });
  });

  it('creates every dataset table with the standard columns and typed fields', async () => {
    for (const table of DATASET_TABLES) {
      expect(await columns(store, table), table).toMatchObject({
        id: 'uuid', notion_page_id: 'text', notion_updated_at: 'timestamptz', last_sync_source: 'text',
        created_at: 'timestamptz', updated_at: 'timestamptz', deleted_at: 'timestamptz',
      });
    }
    expect(await columns(store, 'meetings')).toMatchObject({ date: 'timestamptz', end_date: 'timestamptz', contact_ids: 'uuid[]' });
    expect(await columns(store, 'tasks')).toMatchObject({ due_date: 'date', meeting_id: 'uuid' });
    expect(await columns(store, 'books')).toMatchObject({ rating: 'numeric', finished_at: 'date', tags: 'text[]' });
    expect(await columns(store, 'highlights')).toMatchObject({ book_id: 'uuid', highlighted_at: 'timestamptz' });
    expect(await columns(store, 'reflections')).toMatchObject({ date: 'date' });
    expect(await columns(store, 'journals')).toMatchObject({ date: 'date', tags: 'text[]' });
    expect(await columns(store, 'contacts')).toMatchObject({ emails: 'text[]', phones: 'text[]', google_resource_name: 'text', google_etag: 'text' });
    expect(await columns(store, 'calendar_events')).toMatchObject({ google_event_id: 'text', all_day: 'bool', start_date: 'date', attendee_emails: 'text[]', contact_ids: 'uuid[]' });
    expect(await columns(store, 'emails')).toMatchObject({ gmail_message_id: 'text', to_addresses: 'text[]', sent_at: 'timestamptz', label_ids: 'text[]' });
  });

  it('enforces uniqueness of the link columns', async () => {
    await store.query(`INSERT INTO books (title, notion_page_id) VALUES ('a', 'p1')`);
    await expect(store.query(`INSERT INTO books (title, notion_page_id) VALUES ('b', 'p1')`)).rejects.toThrow(/duplicate key/);
    await store.query(`INSERT INTO contacts (name, google_resource_name) VALUES ('a', 'people/1')`);
    await expect(store.query(`INSERT INTO contacts (name, google_resource_name) VALUES ('b', 'people/1')`)).rejects.toThrow(/duplicate key/);
  });

  it('bumps updated_at on update through the trigger, and only then', async () => {
    const { rows: [row] } = await store.query(
      `INSERT INTO tasks (title, created_at, updated_at) VALUES ('t', now() - interval '1 day', now() - interval '1 day') RETURNING id, updated_at`,
    );
    const { rows: [same] } = await store.query('SELECT updated_at FROM tasks WHERE id = $1', [row.id]);
    expect(same.updated_at).toEqual(row.updated_at);
    const { rows: [now] } = await store.query('SELECT now() AS t');
    const { rows: [updated] } = await store.query(`UPDATE tasks SET title = 'u' WHERE id = $1 RETURNING updated_at, created_at`, [row.id]);
    expect(updated.updated_at.getTime()).toBeGreaterThan(row.updated_at.getTime());
    expect(updated.updated_at.getTime()).toBeGreaterThanOrEqual(now.t.getTime());
    expect(updated.created_at).toEqual(row.updated_at);
  });

  it('keeps an updated_at that the UPDATE sets itself (imports, backfills)', async () => {
    const { rows: [row] } = await store.query(`INSERT INTO tasks (title) VALUES ('t') RETURNING id`);
    const pinned = new Date('2026-01-02T03:04:05.000Z');
    const { rows: [updated] } = await store.query(`UPDATE tasks SET title = 'u', updated_at = $2 WHERE id = $1 RETURNING updated_at`, [row.id, pinned]);
    expect(updated.updated_at).toEqual(pinned);
  });

  it('rolls back a failing migration and names its file', async () => {
    const broken: Migration[] = [
      ...(await loadMigrations()),
      { version: '9001', name: 'good', file: '9001_good.sql', sql: 'CREATE TABLE mig_probe (x int);' },
      { version: '9002', name: 'bad', file: '9002_bad.sql', sql: 'CREATE TABLE mig_probe2 (x int); SELECT no_such_function();' },
      { version: '9003', name: 'never', file: '9003_never.sql', sql: 'CREATE TABLE mig_probe3 (x int);' },
    ];
    await expect(migrate(store, { migrations: broken })).rejects.toThrow(/9002_bad\.sql.*no_such_function/);
    const { rows } = await store.query(`SELECT to_regclass('mig_probe') AS a, to_regclass('mig_probe2') AS b, to_regclass('mig_probe3') AS c`);
    expect(rows[0]).toEqual({ a: 'mig_probe', b: null, c: null });
    const versions = (await store.query('SELECT version FROM jarvis_sync.schema_migrations')).rows.map((r) => r.version);
    expect(versions).toContain('9001');
    expect(versions).not.toContain('9002');
  });
});

describe('concurrent migrate on pglite', () => {
  it('applies each migration once when two callers race on one store', async () => {
    const store = await openStore({ inMemory: true });
    try {
      const [a, b] = await Promise.all([migrate(store), migrate(store)]);
      const all = (await loadMigrations()).map((m) => m.file);
      expect([...a.applied, ...b.applied].sort()).toEqual(all);
      expect((await store.query('SELECT count(*) AS n FROM jarvis_sync.schema_migrations')).rows[0].n).toBe(all.length);
    } finally {
      await store.close();
    }
  });
});

describe.runIf(storeBackends().includes('postgres'))('concurrent migrate on postgres', () => {
  it('applies each migration exactly once when two processes race', async () => {
    const db = await createTestDatabase();
    const [s1, s2] = await Promise.all([openStore({ databaseUrl: db.url }), openStore({ databaseUrl: db.url })]);
    try {
      const [a, b] = await Promise.all([migrate(s1), migrate(s2)]);
      const all = (await loadMigrations()).map((m) => m.file);
      // Each file applied by exactly one of them, none twice, none failed.
      expect([...a.applied, ...b.applied].sort()).toEqual(all);
      const { rows } = await s1.query('SELECT version FROM jarvis_sync.schema_migrations ORDER BY version');
      expect(rows.length).toBe(all.length);
    } finally {
      await Promise.all([s1.close(), s2.close()]);
      await db.drop();
    }
  });

  it('re-checks under the lock: a migrator that saw a migration pending skips it once another applied it', async () => {
    const db = await createTestDatabase();
    const [s1, s2, control] = await Promise.all([1, 2, 3].map(() => openStore({ databaseUrl: db.url })));
    try {
      await migrate(control);
      await control.query('CREATE TABLE race_probe (n int)');
      // The probe migration blocks on a lock the test holds, so both migrators are in flight at once.
      const gate = 'migration-race-gate';
      // A session advisory lock on a connection of its own (the store has no such primitive).
      const gateClient = new pg.Client({ connectionString: db.url });
      await gateClient.connect();
      await gateClient.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [gate]);
      const releaseGate = () => gateClient.end();
      const probe: Migration = {
        version: '9100', name: 'probe', file: '9100_probe.sql',
        sql: `SELECT pg_advisory_xact_lock(hashtextextended('${gate}', 0)); INSERT INTO race_probe VALUES (1);`,
      };
      const list = [...(await loadMigrations()), probe];
      const waiting = async (n: number) => {
        for (;;) {
          const { rows } = await control.query(
            `SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
          );
          if (rows[0].n >= n) return;
        }
      };
      const first = migrate(s1, { migrations: list });
      await waiting(1); // s1 holds the migration lock, inside the probe, waiting for the gate
      const second = migrate(s2, { migrations: list });
      await waiting(2); // s2 has seen 9100 pending and waits for the migration lock
      await releaseGate();
      const [a, b] = await Promise.all([first, second]);
      expect(a.applied).toEqual(['9100_probe.sql']);
      expect(b.applied).toEqual([]);
      expect((await control.query('SELECT count(*) AS n FROM race_probe')).rows[0].n).toBe(1);
    } finally {
      await Promise.all([s1.close(), s2.close(), control.close()]);
      await db.drop();
    }
  });
});
