/**
 * The connection advice where users see it: `doctor`'s database lines and the log at the start of
 * `serve`/`sync` (openMigratedStore). Supabase's host names are resolved to the local PostgreSQL
 * (or a closed local port) by a stubbed DNS lookup, so nothing leaves this machine.
 */
import dns from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openMigratedStore } from '../../src/cli/app.ts';
import { doctorCommand } from '../../src/cli/commands/doctor.ts';
import { loadConfig } from '../../src/config/index.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { migrate, openStore } from '../../src/store/index.ts';
import { createTestDatabase, storeBackends, type TestDatabase } from '../helpers/stores.ts';

const ref = 'abcdefghijklmnopqrst';
const SUPABASE_HOSTS = new Set([`db.${ref}.supabase.co`, 'aws-0-eu-central-1.pooler.supabase.com']);

describe.runIf(storeBackends().includes('postgres'))('connection advice in doctor and at start', () => {
  let db: TestDatabase;
  let dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'jarvis-advice-'));
    dirs.push(d);
    return d;
  };
  /** DATABASE_URL on a Supabase host name that resolves to the local test server. */
  const supabaseUrl = (host: string, port: number) => {
    const local = new URL(db.url);
    return `postgresql://${local.username}@${host}:${port}${local.pathname}`;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const store = await openStore({ databaseUrl: db.url });
    await migrate(store);
    await store.close();
    const realLookup = dns.lookup;
    vi.spyOn(dns, 'lookup').mockImplementation(((hostname: string, options: unknown, callback: unknown) => {
      const cb = (typeof options === 'function' ? options : callback) as (...args: unknown[]) => void;
      if (!SUPABASE_HOSTS.has(hostname)) return (realLookup as (...a: unknown[]) => void)(hostname, options, callback);
      const all = typeof options === 'object' && options !== null && (options as { all?: boolean }).all;
      process.nextTick(() => (all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    }) as typeof dns.lookup);
  });
  afterEach(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await db?.drop();
  });

  async function doctor(env: Record<string, string>) {
    const lines: string[] = [];
    const code = await doctorCommand({ command: 'doctor', positionals: [], flags: {} }, (s) => lines.push(s), { env: { JARVIS_DATA_DIR: tempDir(), ...env }, cwd: tempDir(), timeoutMs: 5000 });
    return { code, lines };
  }

  it('doctor: a Supabase host without TLS is a warning line under a passing database check', async () => {
    const local = new URL(db.url);
    const r = await doctor({ DATABASE_URL: supabaseUrl(`db.${ref}.supabase.co`, Number(local.port || 5432)) });
    const database = r.lines.filter((l) => /^. database:/.test(l));
    expect(database[0]).toMatch(/^✓ database: /);
    expect(database).toContainEqual(expect.stringMatching(/^· database: warning: DATABASE_URL reaches Supabase \(postgresql:\/\/postgres@db\.abcdefghijklmnopqrst\.supabase\.co:\d+\/jarvis_test_\w+\) without TLS \(no sslmode\).*Use postgresql:\/\/postgres@db\.abcdefghijklmnopqrst\.supabase\.co:\d+\/jarvis_test_\w+\?sslmode=require \(encrypted\)/));
    expect(r.lines.some((l) => /^✗ database/.test(l))).toBe(false);
  });

  it('doctor: the transaction pooler line appears even when the database does not answer', async () => {
    // 127.0.0.1:6543: nothing listens there, refused at once.
    const r = await doctor({ DATABASE_URL: `postgresql://postgres.${ref}:hunter2@aws-0-eu-central-1.pooler.supabase.com:6543/postgres?sslmode=require` });
    expect(r.lines.join('\n')).toMatch(/^✗ database: Cannot connect to Postgres/m);
    const text = r.lines.join('\n');
    expect(text).toMatch(/^· database: DATABASE_URL is Supabase's transaction pooler \(port 6543\)/m);
    expect(text).not.toContain('hunter2');
  });

  it('serve/sync: openMigratedStore logs the advice before connecting', async () => {
    const local = new URL(db.url);
    const config = loadConfig({ env: { DATABASE_URL: supabaseUrl(`db.${ref}.supabase.co`, Number(local.port || 5432)), JARVIS_DATA_DIR: tempDir() }, cwd: tempDir() });
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger({ level: 'info', destination: { write: (s: string) => void lines.push(JSON.parse(s)) } } as never);
    const store = await openMigratedStore(config, logger);
    await store.close();
    const advice = lines.filter((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('DATABASE_URL reaches Supabase'));
    expect(advice).toHaveLength(1);
    expect(advice[0]).toMatchObject({ level: 40, database: expect.stringMatching(/^postgresql:\/\/postgres@db\.abcdefghijklmnopqrst\.supabase\.co:\d+\//) });
  });
});
