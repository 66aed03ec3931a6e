import { describe, expect, it } from 'vitest';
import { connectionAdvice, logConnectionAdvice } from '../../src/store/connectionAdvice.ts';

const ref = 'abcdefghijklmnopqrst';
const sessionPooler = `postgresql://postgres.${ref}:hunter2@aws-0-eu-central-1.pooler.supabase.com:5432/postgres`;
const txPooler = `postgresql://postgres.${ref}:hunter2@aws-0-eu-central-1.pooler.supabase.com:6543/postgres`;
const direct = `postgresql://postgres:hunter2@db.${ref}.supabase.co:5432/postgres`;

describe('a Supabase host reached without TLS', () => {
  it.each([
    ['no sslmode', direct, `postgresql://postgres:<password>@db.${ref}.supabase.co:5432/postgres?sslmode=require`],
    ['sslmode=disable', `${sessionPooler}?sslmode=disable`, `postgresql://postgres.${ref}:<password>@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require`],
    ['sslmode=allow', `${sessionPooler}?sslmode=allow`, `postgresql://postgres.${ref}:<password>@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require`],
  ])('%s: a warning with the exact string to use', (label, url, fixed) => {
    const advice = connectionAdvice(url);
    expect(advice).toHaveLength(1);
    expect(advice[0]!.level).toBe('warn');
    expect(advice[0]!.message).toContain(`without TLS (${label})`);
    expect(advice[0]!.message).toContain(`Use ${fixed} (encrypted), or better sslmode=verify-full&sslrootcert=<file> with Supabase's CA certificate`);
    expect(advice[0]!.message).not.toContain('hunter2');
  });

  it.each(['sslmode=require', 'sslmode=verify-full&sslrootcert=/etc/supabase-ca.crt', 'sslmode=no-verify', 'sslmode=prefer', 'ssl=true'])('%s: encrypted, no advice', (query) => {
    expect(connectionAdvice(`${sessionPooler}?${query}`)).toEqual([]);
  });

  it('PGSSLMODE counts when the URL says nothing (pg reads it then), not when the URL disables TLS', () => {
    expect(connectionAdvice(direct, { PGSSLMODE: 'require' })).toEqual([]);
    expect(connectionAdvice(`${direct}?sslmode=disable`, { PGSSLMODE: 'require' })).toHaveLength(1);
    expect(connectionAdvice(direct, { PGSSLMODE: 'disable' })).toHaveLength(1);
  });

  it('other hosts get no Supabase advice, whatever their TLS', () => {
    expect(connectionAdvice('postgres://u:pw@db.example.com:6543/x')).toEqual([]);
    expect(connectionAdvice('postgres://u:pw@localhost:5432/x')).toEqual([]);
    expect(connectionAdvice('not a url')).toEqual([]);
  });
});

describe("Supabase's transaction pooler (port 6543 on *.pooler.supabase.com)", () => {
  it('is named as such, says jarvis-sync works through it, and gives the session pooler string', () => {
    const advice = connectionAdvice(`${txPooler}?sslmode=require`);
    expect(advice).toEqual([
      {
        level: 'info',
        message:
          "DATABASE_URL is Supabase's transaction pooler (port 6543): a server connection lasts one transaction, so session features (session advisory locks, SET, LISTEN, temporary tables, prepared statements) do not hold between statements. " +
          `jarvis-sync does not need them — its per-dataset locks are lease rows in a table and work through any pooler — but for a long-running service the session pooler is the recommended string: the same host on port 5432, postgresql://postgres.${ref}:<password>@aws-0-eu-central-1.pooler.supabase.com:5432/postgres?sslmode=require.`,
      },
    ]);
  });

  it('without TLS as well: both items, the warning first', () => {
    expect(connectionAdvice(txPooler).map((a) => a.level)).toEqual(['warn', 'info']);
  });

  it('port 5432 on the same host (the session pooler) and 6543 elsewhere say nothing', () => {
    expect(connectionAdvice(`${sessionPooler}?sslmode=require`)).toEqual([]);
    expect(connectionAdvice(`postgresql://postgres:pw@db.${ref}.supabase.co:6543/postgres?sslmode=require`)).toEqual([]);
  });
});

describe('logConnectionAdvice', () => {
  it('logs each item at its level with the URL without password', () => {
    const lines: Array<[string, object, string]> = [];
    const logger = { warn: (o: object, m: string) => void lines.push(['warn', o, m]), info: (o: object, m: string) => void lines.push(['info', o, m]) };
    logConnectionAdvice(txPooler, logger, {});
    expect(lines.map(([level, obj]) => [level, obj])).toEqual([
      ['warn', { database: `postgresql://postgres.${ref}@aws-0-eu-central-1.pooler.supabase.com:6543/postgres` }],
      ['info', { database: `postgresql://postgres.${ref}@aws-0-eu-central-1.pooler.supabase.com:6543/postgres` }],
    ]);
    expect(JSON.stringify(lines)).not.toContain('hunter2');
  });
});
