import { mkdtempSync, rmSync, existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertIdentifier, migrate, openStore, poolConfig, quoteIdent, readState, writeState } from '../../src/store/index.ts';
import { storeBackends } from '../helpers/stores.ts';

/** What a caller prints: the message alone must say what is wrong and never leak the password. */
async function openError(databaseUrl: string): Promise<Error> {
  try {
    const store = await openStore({ databaseUrl });
    await store.close();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected openStore to fail');
}

describe('a bad DATABASE_URL', () => {
  it('refused connection: names DATABASE_URL, the target and the fix, without the password', async () => {
    const e = await openError('postgres://jarvis:hunter2@127.0.0.1:1/jarvis');
    expect(e.name).toBe('StoreConnectionError');
    expect(e.message).toBe(
      'Cannot connect to Postgres at DATABASE_URL (postgres://jarvis@127.0.0.1:1/jarvis): connection refused; check the host and port, and that the server is running.',
    );
    expect(e.message).not.toContain('hunter2');
    expect(e.message).not.toContain('\n');
  });

  it('not a URL at all', async () => {
    const e = await openError('hunter2-not-a-url');
    expect(e.name).toBe('StoreConnectionError');
    expect(e.message).toMatch(/^DATABASE_URL is not a valid connection string \(not a URL\); expected postgres:\/\/user:password@host:5432\/database$/);
    expect(e.message).not.toContain('hunter2');
  });

  it('wrong scheme', async () => {
    const e = await openError('mysql://u:hunter2@localhost/db');
    expect(e.message).toMatch(/DATABASE_URL is not a valid connection string \(scheme is "mysql", not postgres\)/);
    expect(e.message).not.toContain('hunter2');
  });

  it('unknown host', async () => {
    const e = await openError('postgres://u:hunter2@no-such-host.invalid:5432/db');
    expect(e.message).toMatch(/DATABASE_URL \(postgres:\/\/u@no-such-host\.invalid:5432\/db\): host not found; check the host name\.$/);
  });

  it.runIf(storeBackends().includes('postgres'))('missing database on a real server', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = '/jarvis_does_not_exist';
    const e = await openError(url.toString());
    expect(e.message).toMatch(/DATABASE_URL .*jarvis_does_not_exist\): database does not exist; check the database name/);
  });

  it.runIf(storeBackends().includes('postgres'))('sslmode=require against a server without SSL', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.searchParams.set('sslmode', 'require');
    const e = await openError(url.toString());
    // (The local test server has SSL off; a Supabase server has it on and then this URL connects.)
    expect(e.message).toMatch(/DATABASE_URL .*: the server does not support SSL; remove sslmode=require/);
  });
});

describe('connection strings', () => {
  it("gives sslmode libpq's meaning, so Supabase's ?sslmode=require connects without a CA file", () => {
    const cfg = poolConfig('postgresql://postgres.ref:pw@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require');
    expect(new URL(cfg.connectionString!).searchParams.get('uselibpqcompat')).toBe('true');
    expect(cfg.types).toBeDefined(); // per-pool parsers, nothing global
  });

  it('leaves URLs without sslmode, and an explicit uselibpqcompat, alone', () => {
    expect(poolConfig('postgres://u@h/db').connectionString).toBe('postgres://u@h/db');
    const explicit = 'postgres://u@h/db?sslmode=require&uselibpqcompat=false';
    expect(poolConfig(explicit).connectionString).toBe(explicit);
  });
});

describe('identifiers', () => {
  it('accepts snake_case names up to 63 characters and quotes them', () => {
    expect(assertIdentifier('calendar_events')).toBe('calendar_events');
    expect(assertIdentifier('_x1')).toBe('_x1');
    expect(quoteIdent('date')).toBe('"date"');
    expect(assertIdentifier('a'.repeat(63))).toBe('a'.repeat(63));
  });

  it.each(['', 'Books', '1table', 'a-b', 'a b', 'x"; DROP TABLE y; --', 'a'.repeat(64), 'tëst', 'public.books'])('rejects %j, naming it', (bad) => {
    expect(() => assertIdentifier(bad)).toThrow(`invalid SQL identifier ${JSON.stringify(bad)}`);
    expect(() => quoteIdent(bad)).toThrow(/invalid SQL identifier/);
  });
});

describe('file-backed PGlite', () => {
  const root = mkdtempSync(join(tmpdir(), 'jarvis-store-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates missing parent folders, persists across reopen, and refuses a second opener', async () => {
    const dataDir = join(root, 'nested', 'deeper', 'pgdata');
    const first = await openStore({ dataDir });
    expect(first.kind).toBe('pglite');
    expect(existsSync(dataDir)).toBe(true);
    await migrate(first);
    await writeState(first, 'calendar_sync_token', 'tok-1');
    // A second opener (another jarvis-sync process) would corrupt the folder: refused clearly.
    await expect(openStore({ dataDir })).rejects.toThrow(/PGlite data directory .*pgdata is in use by process \d+/);
    await first.close();

    const second = await openStore({ dataDir });
    try {
      expect(await migrate(second)).toEqual({ applied: [], tables: { created: [], adopted: [], completed: [], skipped: [] } });
      expect(await readState(second, 'calendar_sync_token')).toBe('tok-1');
    } finally {
      await second.close();
    }
  });

  it('takes over a lock left by a process that died', async () => {
    const dataDir = join(root, 'stale', 'pgdata');
    const fs = await import('node:fs');
    fs.mkdirSync(join(root, 'stale'), { recursive: true });
    writeFileSync(`${dataDir}.lock`, '999999999'); // no such pid
    const store = await openStore({ dataDir });
    await store.close();
    expect(existsSync(`${dataDir}.lock`)).toBe(false);
  });
});
