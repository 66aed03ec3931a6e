import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, requireNotionToken } from '../../src/config/index.ts';

const cwd = () => mkdtempSync(join(tmpdir(), 'jarvis-config-'));

describe('loadConfig', () => {
  it('uses embedded defaults and never defaults a secret', () => {
    const dir = cwd();
    const c = loadConfig({ env: {}, cwd: dir });
    expect(c.notion.token).toBeNull();
    expect(c.database.url).toBeNull();
    expect(c.database.dataDir).toBe(join(dir, '.jarvis-sync'));
    expect(c.notion.requestsPerSecond).toBe(3);
    expect(c.datasets.find((d) => d.name === 'books')?.databaseId).toBeNull();
    expect(() => requireNotionToken(c)).toThrow(/^NOTION_TOKEN is not set/);
  });

  it('reads Google settings; none of the credentials means Google is skipped', () => {
    expect(loadConfig({ env: {}, cwd: cwd() }).google.credentials).toBeNull();
    const c = loadConfig({
      env: { GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 'secret', GOOGLE_REFRESH_TOKEN: 'r', GOOGLE_API_ROOT: 'http://127.0.0.1:9/', CONTACTS_CREATE_IN_GOOGLE: 'true', GMAIL_QUERY: 'newer_than:7d' },
      cwd: cwd(),
    });
    expect(c.google).toMatchObject({ credentials: { clientId: 'id', clientSecret: 'secret', refreshToken: 'r' }, apiRoot: 'http://127.0.0.1:9', createContactsInGoogle: true, gmailQuery: 'newer_than:7d', calendarId: 'primary' });
  });

  it('reads dataset ids and settings from the environment', () => {
    const c = loadConfig({ env: { NOTION_TOKEN: 't', NOTION_BOOKS_DATABASE_ID: 'abc', NOTION_REQUESTS_PER_SECOND: '2', JARVIS_DATA_DIR: '/tmp/x' }, cwd: cwd() });
    expect(c.datasets.find((d) => d.name === 'books')?.databaseId).toBe('abc');
    expect(c.notion.requestsPerSecond).toBe(2);
    expect(c.database.dataDir).toBe('/tmp/x');
  });

  it.each([
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL is not a valid URL/],
    [{ DATABASE_URL: 'mysql://h/db' }, /^DATABASE_URL must start with postgres:\/\//],
    [{ NOTION_REQUESTS_PER_SECOND: 'fast' }, /^NOTION_REQUESTS_PER_SECOND must be a number/],
    [{ NOTION_BASE_URL: 'ftp://x' }, /^NOTION_BASE_URL must be an http\(s\) URL/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL must be one of/],
    [{ GOOGLE_CLIENT_ID: 'id' }, /^GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN are not set/],
    [{ GOOGLE_CLIENT_ID: 'id', GOOGLE_CLIENT_SECRET: 's' }, /^GOOGLE_REFRESH_TOKEN is not set/],
    [{ CONTACTS_CREATE_IN_GOOGLE: 'maybe' }, /^CONTACTS_CREATE_IN_GOOGLE must be true or false/],
    [{ GOOGLE_API_ROOT: 'nope' }, /^GOOGLE_API_ROOT is not a valid URL/],
    [{ GMAIL_MAX_MESSAGES: '0' }, /^GMAIL_MAX_MESSAGES must be a number between 1/],
  ])('rejects %j with a one-line message naming the variable', (env, message) => {
    let err: unknown;
    try {
      loadConfig({ env, cwd: cwd() });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('applies config-file overrides of table, property and column names', () => {
    const dir = cwd();
    writeFileSync(
      join(dir, 'jarvis-sync.config.json'),
      JSON.stringify({ datasets: { books: { table: 'my_books', properties: { title: 'Name' }, columns: { author: 'writer' } } }, sync: { overlapSeconds: 300 } }),
    );
    const c = loadConfig({ env: {}, cwd: dir });
    const books = c.datasets.find((d) => d.name === 'books')!;
    expect(books.table).toBe('my_books');
    expect(books.fields.find((f) => f.field === 'title')?.property).toBe('Name');
    expect(books.fields.find((f) => f.field === 'author')?.column).toBe('writer');
    expect(c.sync.overlapSeconds).toBe(300);
  });

  it.each([
    [{ datasets: { books: { table: 'books; drop table x' } } }, /datasets\.books\.table: .*SQL identifier/],
    [{ datasets: { movies: {} } }, /datasets\.movies is not a known dataset/],
    [{ datasets: { books: { properties: { nope: 'X' } } } }, /datasets\.books has no field "nope"/],
    [{ notion: { rps: 3 } }, /unknown key\(s\) rps/],
  ])('rejects an unsafe or mistyped config file %j', (file, message) => {
    const dir = cwd();
    writeFileSync(join(dir, 'jarvis-sync.config.json'), JSON.stringify(file));
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(message);
  });

  it('says when an explicit config file is missing', () => {
    expect(() => loadConfig({ env: { JARVIS_CONFIG: 'nope.json' }, cwd: cwd() })).toThrow(/config file .*nope\.json does not exist/);
  });
});
